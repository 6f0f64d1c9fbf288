#include "proto/varint.h"

namespace stoq::proto {

size_t encode_varint(uint64_t value, std::span<uint8_t> out) {
  const size_t n = varint_size(value);
  if (n == 0 || out.size() < n) return 0;
  static constexpr uint8_t kPrefix[9] = {0, 0x00, 0x40, 0, 0x80, 0, 0, 0, 0xc0};
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(value >> (8 * (n - 1 - i)));
  out[0] |= kPrefix[n];
  return n;
}

void append_varint(std::vector<uint8_t>& out, uint64_t value) {
  if (value > kVarintMax) value = kVarintMax;
  uint8_t buf[8];
  const size_t n = encode_varint(value, buf);
  out.insert(out.end(), buf, buf + n);
}

size_t decode_varint(std::span<const uint8_t> in, uint64_t& value) {
  if (in.empty()) return 0;
  const size_t n = varint_size_from_first_byte(in[0]);
  if (in.size() < n) return 0;
  uint64_t v = in[0] & 0x3f;
  for (size_t i = 1; i < n; ++i) v = (v << 8) | in[i];
  value = v;
  return n;
}

}  // namespace stoq::proto

#include "crypto/falcon/codec.h"

#include <bit>

namespace stoq::falcon::detail {
namespace {

// MSB-first bit writer over a bounded buffer.
class BitWriter {
 public:
  explicit BitWriter(std::span<std::uint8_t> out) : out_(out) {}

  // Appends the low `count` bits of `value` (count <= 24).
  bool put(std::uint32_t value, unsigned count) {
    acc_ = (acc_ << count) | (value & ((1u << count) - 1));
    acc_len_ += count;
    while (acc_len_ >= 8) {
      acc_len_ -= 8;
      if (pos_ >= out_.size()) return false;
      out_[pos_++] = static_cast<std::uint8_t>(acc_ >> acc_len_);
    }
    return true;
  }

  // Flushes the partial byte, zero-padded. Returns total bytes, or 0 on overflow.
  std::size_t finish() {
    if (acc_len_ > 0) {
      if (pos_ >= out_.size()) return 0;
      out_[pos_++] = static_cast<std::uint8_t>(acc_ << (8 - acc_len_));
      acc_len_ = 0;
    }
    return pos_;
  }

 private:
  std::span<std::uint8_t> out_;
  std::size_t pos_ = 0;
  std::uint64_t acc_ = 0;
  unsigned acc_len_ = 0;
};

}  // namespace

std::size_t modq_encode(std::span<std::uint8_t> out, const std::uint16_t* h, unsigned logn) {
  const std::size_t n = std::size_t{1} << logn;
  BitWriter w(out);
  for (std::size_t i = 0; i < n; ++i) {
    if (h[i] >= 12289 || !w.put(h[i], 14)) return 0;
  }
  return w.finish();
}

std::size_t modq_decode(std::uint16_t* h, unsigned logn, std::span<const std::uint8_t> in) {
  const std::size_t n = std::size_t{1} << logn;
  const std::size_t len = (n * 14 + 7) / 8;
  if (in.size() < len) return 0;
  // Four 14-bit values fill exactly seven bytes: whole groups are read as one big-endian
  // 56-bit word (the key sizes, n >= 4, are whole groups; smaller n falls to the tail).
  std::uint32_t bad = 0;
  std::size_t u = 0, v = 0;
  for (; u + 4 <= n; u += 4, v += 7) {
    std::uint64_t w = 0;
    for (std::size_t k = 0; k < 7; ++k) w = (w << 8) | in[v + k];
    for (std::size_t k = 0; k < 4; ++k) {
      const auto x = static_cast<std::uint32_t>((w >> (42 - 14 * k)) & 0x3FFF);
      bad |= static_cast<std::uint32_t>(x >= 12289);
      h[u + k] = static_cast<std::uint16_t>(x);
    }
  }
  std::uint32_t acc = 0;
  unsigned acc_len = 0;
  for (; v < len; ++v) {
    acc = (acc << 8) | in[v];
    acc_len += 8;
    if (acc_len >= 14 && u < n) {
      acc_len -= 14;
      const std::uint32_t x = (acc >> acc_len) & 0x3FFF;
      bad |= static_cast<std::uint32_t>(x >= 12289);
      h[u++] = static_cast<std::uint16_t>(x);
    }
  }
  if (bad != 0 || u != n || (acc & ((1u << acc_len) - 1)) != 0) return 0;
  return len;
}

std::size_t trim_i8_encode(std::span<std::uint8_t> out, const std::int8_t* x, unsigned logn,
                           unsigned bits) {
  const std::size_t n = std::size_t{1} << logn;
  const int lim = (1 << (bits - 1)) - 1;
  BitWriter w(out);
  for (std::size_t i = 0; i < n; ++i) {
    if (x[i] < -lim || x[i] > lim) return 0;
    if (!w.put(static_cast<std::uint32_t>(x[i]), bits)) return 0;
  }
  return w.finish();
}

std::size_t trim_i8_decode(std::int8_t* x, unsigned logn, unsigned bits,
                           std::span<const std::uint8_t> in) {
  const std::size_t n = std::size_t{1} << logn;
  const std::size_t len = (n * bits + 7) / 8;
  if (in.size() < len) return 0;
  const std::uint32_t mask = (1u << bits) - 1;
  const std::uint32_t sign = 1u << (bits - 1);
  std::uint32_t acc = 0;
  unsigned acc_len = 0;
  std::size_t u = 0;
  for (std::size_t v = 0; v < len; ++v) {
    acc = (acc << 8) | in[v];
    acc_len += 8;
    while (acc_len >= bits && u < n) {
      acc_len -= bits;
      const std::uint32_t w = (acc >> acc_len) & mask;
      if (w == sign) return 0;  // -2^(bits-1) is not a valid encoding
      const std::int32_t value =
          static_cast<std::int32_t>(w) - static_cast<std::int32_t>((w & sign) << 1);
      x[u++] = static_cast<std::int8_t>(value);
    }
  }
  if (u != n || (acc & ((1u << acc_len) - 1)) != 0) return 0;
  return len;
}

std::size_t comp_encode(std::span<std::uint8_t> out, const std::int16_t* x, unsigned logn) {
  const std::size_t n = std::size_t{1} << logn;
  for (std::size_t i = 0; i < n; ++i) {
    if (x[i] < -2047 || x[i] > 2047) return 0;
  }
  BitWriter w(out);
  for (std::size_t i = 0; i < n; ++i) {
    const int t = x[i];
    const std::uint32_t mag = static_cast<std::uint32_t>(t < 0 ? -t : t);
    const std::uint32_t high = mag >> 7;
    // sign, 7 low bits, `high` zeros then a one (high <= 15, so at most 24 bits at once).
    const std::uint32_t word = ((t < 0 ? 1u : 0u) << 7 | (mag & 127u)) << (high + 1) | 1u;
    if (!w.put(word, 8 + high + 1)) return 0;
  }
  return w.finish();
}

std::size_t comp_decode(std::int16_t* x, unsigned logn, std::span<const std::uint8_t> in) {
  const std::size_t n = std::size_t{1} << logn;
  // Bits are read most significant first through a 64-bit window whose top `bits` bits
  // are unread input; bytes are loaded ahead of use, so only whole unread bytes are
  // subtracted from the count returned at the end.
  std::uint64_t window = 0;
  unsigned bits = 0;
  std::size_t v = 0;
  const auto refill = [&] {
    while (bits <= 56 && v < in.size()) {
      window |= static_cast<std::uint64_t>(in[v++]) << (56 - bits);
      bits += 8;
    }
  };
  for (std::size_t u = 0; u < n; ++u) {
    refill();
    if (bits < 8) return 0;
    const auto b = static_cast<std::uint32_t>(window >> 56);  // sign, then 7 low bits
    window <<= 8;
    bits -= 8;
    refill();
    // The high bits in unary: k zeros, then a one. k <= 15 keeps |x| <= 2047.
    const unsigned k = window == 0 ? 64u : static_cast<unsigned>(std::countl_zero(window));
    if (k > 15 || k >= bits) return 0;
    window <<= k + 1;
    bits -= k + 1;
    const std::uint32_t m = (b & 127) + 128 * k;
    if ((b & 128) != 0 && m == 0) return 0;  // "-0" is not canonical
    x[u] = static_cast<std::int16_t>((b & 128) != 0 ? -static_cast<int>(m) : static_cast<int>(m));
  }
  // Padding in the last byte used must be zero; bytes loaded ahead were not used.
  const unsigned pad = bits % 8;
  if (pad != 0 && (window >> (64 - pad)) != 0) return 0;
  return v - bits / 8;
}

}  // namespace stoq::falcon::detail

// QUIC variable-length integers (RFC 9000, section 16): 1, 2, 4 or 8 bytes, the two most
// significant bits of the first byte give the length, values up to 2^62 - 1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace stoq::proto {

inline constexpr uint64_t kVarintMax = (uint64_t{1} << 62) - 1;

// Bytes needed for the shortest encoding of `value`; 0 when value > kVarintMax.
constexpr size_t varint_size(uint64_t value) {
  if (value < (uint64_t{1} << 6)) return 1;
  if (value < (uint64_t{1} << 14)) return 2;
  if (value < (uint64_t{1} << 30)) return 4;
  if (value <= kVarintMax) return 8;
  return 0;
}

// Length of the encoding that starts with `first_byte` (1, 2, 4 or 8).
constexpr size_t varint_size_from_first_byte(uint8_t first_byte) {
  return size_t{1} << (first_byte >> 6);
}

// Writes the shortest encoding of `value` into `out`. Returns the number of bytes written,
// or 0 (nothing written) when value > kVarintMax or `out` is too small.
size_t encode_varint(uint64_t value, std::span<uint8_t> out);

// Appends the shortest encoding of `value`. Precondition: value <= kVarintMax; a larger
// value is a programming error and is clamped to kVarintMax so the output stays decodable.
void append_varint(std::vector<uint8_t>& out, uint64_t value);

// Decodes one varint from the start of `in`. Returns the number of bytes consumed, or 0
// when `in` is shorter than the encoding announces (the caller needs more bytes). Never
// reads beyond `in`. Non-shortest encodings are accepted, as RFC 9000 allows; see
// is_minimal_varint for fields (frame and stream types) that require the shortest form.
size_t decode_varint(std::span<const uint8_t> in, uint64_t& value);

// True when an encoding of `size` bytes is the shortest one for `value`.
constexpr bool is_minimal_varint(uint64_t value, size_t size) {
  return varint_size(value) == size;
}

}  // namespace stoq::proto

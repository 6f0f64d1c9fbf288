// Round-3 Falcon encodings (spec §3.11): public key (14-bit h), private key (trimmed
// signed f, g, F), compressed signature vector s2. Every decoder is strict: it accepts
// exactly one encoding per value and reports the number of bytes consumed, or 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace stoq::falcon::detail {

// 14 bits per coefficient, MSB first. Returns bytes written (14 n / 8).
std::size_t modq_encode(std::span<std::uint8_t> out, const std::uint16_t* h, unsigned logn);
// Rejects any value >= q. Returns bytes read, or 0.
std::size_t modq_decode(std::uint16_t* h, unsigned logn, std::span<const std::uint8_t> in);

// `bits` per signed coefficient, MSB first; values must be in [-(2^(bits-1) - 1),
// 2^(bits-1) - 1]. Returns bytes written, or 0 if a value does not fit.
std::size_t trim_i8_encode(std::span<std::uint8_t> out, const std::int8_t* x, unsigned logn,
                           unsigned bits);
// Rejects -2^(bits-1) and non-zero padding bits. Returns bytes read, or 0.
std::size_t trim_i8_decode(std::int8_t* x, unsigned logn, unsigned bits,
                           std::span<const std::uint8_t> in);

// Compressed s2: sign bit, low 7 bits of |s|, (|s| >> 7) zeros, a one; zero padding.
// Returns bytes written, or 0 if a value exceeds 2047 in magnitude or `out` is too short.
std::size_t comp_encode(std::span<std::uint8_t> out, const std::int16_t* x, unsigned logn);
// Rejects |s| > 2047, "-0", non-zero padding bits and truncated input. Returns bytes read
// (which may be less than in.size(); the caller decides about trailing bytes), or 0.
std::size_t comp_decode(std::int16_t* x, unsigned logn, std::span<const std::uint8_t> in);

}  // namespace stoq::falcon::detail

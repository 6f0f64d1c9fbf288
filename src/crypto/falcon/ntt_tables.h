// Twiddle factors of the negacyclic NTT mod q = 12289, shared by the portable transforms
// (modq.cpp) and the AVX2 ones (ntt_avx2.cpp). Computed at compile time.
#pragma once

#include <array>
#include <cstdint>

namespace stoq::falcon::detail {

inline constexpr std::uint32_t kNttQ = 12289;

// q^-1 mod 2^16, as a signed 16-bit value (Montgomery reduction with R = 2^16).
inline constexpr std::int16_t kNttQInv = static_cast<std::int16_t>(53249);
static_assert(static_cast<std::uint16_t>(12289u * 53249u) == 1u);

constexpr std::uint32_t ntt_pow_mod(std::uint32_t b, std::uint32_t e) {
  std::uint32_t r = 1;
  b %= kNttQ;
  while (e != 0) {
    if (e & 1) r = (r * b) % kNttQ;
    b = (b * b) % kNttQ;
    e >>= 1;
  }
  return r;
}

// zeta[k] = psi^bitrev10(k), psi a primitive 2048-th root of unity (11 generates Z_q^*).
// For logn < 10 the first 2^logn entries are exactly the table of psi^(2^(10-logn)).
// The stage with m blocks of a transform uses zeta[m + b] for block b.
struct NttTables {
  std::array<std::uint16_t, 1024> zeta{};
  std::array<std::uint16_t, 1024> izeta{};
  std::array<std::uint16_t, 11> inv_n{};
  // The same constants times 2^16 mod q, for Montgomery multiplication.
  std::array<std::int16_t, 1024> zeta_m{};
  std::array<std::int16_t, 1024> izeta_m{};
  std::array<std::int16_t, 11> inv_n_m{};
};

constexpr NttTables make_ntt_tables() {
  NttTables t{};
  const std::uint32_t psi = ntt_pow_mod(11, (kNttQ - 1) / 2048);
  for (std::uint32_t k = 0; k < 1024; ++k) {
    std::uint32_t r = 0;
    for (int b = 0; b < 10; ++b) r |= ((k >> b) & 1u) << (9 - b);
    t.zeta[k] = static_cast<std::uint16_t>(ntt_pow_mod(psi, r));
    t.izeta[k] = static_cast<std::uint16_t>(ntt_pow_mod(t.zeta[k], kNttQ - 2));
  }
  for (unsigned l = 0; l <= 10; ++l) {
    t.inv_n[l] = static_cast<std::uint16_t>(ntt_pow_mod(1u << l, kNttQ - 2));
  }
  for (std::uint32_t k = 0; k < 1024; ++k) {
    t.zeta_m[k] = static_cast<std::int16_t>((t.zeta[k] * 65536u) % kNttQ);
    t.izeta_m[k] = static_cast<std::int16_t>((t.izeta[k] * 65536u) % kNttQ);
  }
  for (unsigned l = 0; l <= 10; ++l) {
    t.inv_n_m[l] = static_cast<std::int16_t>((t.inv_n[l] * 65536u) % kNttQ);
  }
  return t;
}

inline constexpr NttTables kNttTables = make_ntt_tables();

}  // namespace stoq::falcon::detail

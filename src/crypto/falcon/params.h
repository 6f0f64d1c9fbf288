// Falcon round-3 parameters for logn = 9 (Falcon-512) and logn = 10 (Falcon-1024).
#pragma once

#include <cstddef>
#include <cstdint>

namespace stoq::falcon::detail {

inline constexpr std::uint32_t kQ = 12289;
inline constexpr std::size_t kNonceBytes = 40;
inline constexpr std::size_t kSeedBytes = 48;

struct Params {
  unsigned logn;
  std::size_t n;
  unsigned fg_bits;         // bits per coefficient of f and g in the private key
  unsigned big_fg_bits;     // bits per coefficient of F (and G) in the private key
  std::size_t pk_bytes;     // 1 + 14 n / 8
  std::size_t sk_bytes;     // 1 + 2 fg_bits n / 8 + n
  std::size_t sig_padded;   // padded signature size, header and nonce included
  std::size_t sig_max;      // largest compressed detached signature we emit or accept
  std::size_t sm_comp_max;  // round-3 NIST buffer for compressed s2 (CRYPTO_BYTES - 43)
  std::uint32_t l2bound;    // accept if ||(s1, s2)||^2 <= l2bound
  double inv_sigma;         // 1 / sigma
  double sigma_min;
};

inline constexpr Params kParams512{
    9, 512, 6, 8, 897, 1281, 666, 752, 647, 34034726, 0.006033669668157724, 1.2778336969128337};
inline constexpr Params kParams1024{10,
                                    1024,
                                    5,
                                    8,
                                    1793,
                                    2305,
                                    1280,
                                    1462,
                                    1287,
                                    70265242,
                                    0.005938645309533116,
                                    1.298280334344292};

constexpr const Params& params_for(unsigned logn) {
  return logn == 9 ? kParams512 : kParams1024;
}

}  // namespace stoq::falcon::detail

#include "crypto/falcon/verify.h"

#include <array>

#include "crypto/falcon/modq.h"
#include "crypto/falcon/params.h"

namespace stoq::falcon::detail {

bool verify_core(const std::uint16_t* c, const std::int16_t* s2, const std::uint16_t* h,
                 unsigned logn) {
  const Params& p = params_for(logn);
  const std::size_t n = p.n;
  std::array<std::uint16_t, 1024> t{}, ht{};
  for (std::size_t u = 0; u < n; ++u) {
    t[u] = modq_from_int(s2[u]);
    ht[u] = h[u];
  }
  ntt_modq(t.data(), logn);
  ntt_modq(ht.data(), logn);
  for (std::size_t u = 0; u < n; ++u) t[u] = modq_mul(t[u], ht[u]);
  intt_modq(t.data(), logn);

  std::uint64_t norm = 0;
  for (std::size_t u = 0; u < n; ++u) {
    // s1 = c - s2 h, centred into [-(q-1)/2, (q-1)/2].
    std::int32_t s1 = static_cast<std::int32_t>(c[u]) - static_cast<std::int32_t>(t[u]);
    if (s1 < 0) s1 += static_cast<std::int32_t>(kQ);
    if (s1 > static_cast<std::int32_t>(kQ / 2)) s1 -= static_cast<std::int32_t>(kQ);
    norm += static_cast<std::uint64_t>(static_cast<std::int64_t>(s1) * s1);
    norm += static_cast<std::uint64_t>(static_cast<std::int64_t>(s2[u]) * s2[u]);
  }
  return norm <= p.l2bound;
}

}  // namespace stoq::falcon::detail

// Conversions between binary64 and integers with the exact semantics Falcon needs, written
// so they compile to branch-free instructions (no libm calls whose timing could depend on
// secret values).
#pragma once

#include <cmath>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace stoq::falcon::detail {

// Round to nearest, ties to even (the default IEEE rounding mode).
inline std::int64_t fp_rint(double x) {
#if defined(__SSE2__) && defined(__x86_64__)
  return _mm_cvtsd_si64(_mm_set_sd(x));
#else
  return std::llrint(x);
#endif
}

// Truncation toward zero; |x| must be below 2^63.
inline std::int64_t fp_trunc(double x) {
  return static_cast<std::int64_t>(x);
}

// Largest integer not above x; |x| must be below 2^63.
inline std::int64_t fp_floor(double x) {
  const std::int64_t t = static_cast<std::int64_t>(x);
  return t - static_cast<std::int64_t>(x < static_cast<double>(t));
}

// Correctly rounded square root without the errno branch std::sqrt carries.
inline double fp_sqrt(double x) {
#if defined(__SSE2__)
  return _mm_cvtsd_f64(_mm_sqrt_sd(_mm_setzero_pd(), _mm_set_sd(x)));
#else
  return std::sqrt(x);
#endif
}

}  // namespace stoq::falcon::detail

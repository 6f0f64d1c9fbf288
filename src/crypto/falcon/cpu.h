// Run-time CPU feature detection for the optional SIMD paths. The portable code is always
// built and always available; STOQ_FALCON_FORCE_PORTABLE=1 in the environment disables
// the SIMD paths (the tests use it to run the known-answer tests on both).
#pragma once

#include <cstdlib>

namespace stoq::falcon::detail {

inline bool cpu_has_avx2() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  static const bool has = [] {
    const char* force = std::getenv("STOQ_FALCON_FORCE_PORTABLE");
    if (force != nullptr && force[0] == '1') return false;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return has;
#else
  return false;
#endif
}

}  // namespace stoq::falcon::detail

// Hooks for the valgrind constant-time check (docs/falcon.md, "Constant-time").
//
// The ct test marks the secret key as undefined memory; memcheck then reports every branch
// or memory index that depends on it. The few values the algorithm deliberately makes
// public (rejection-sampling outcomes, the signature norm check) are declassified here,
// and only here. In normal builds these are no-ops.
#pragma once

#include <cstddef>

#if defined(STOQ_FALCON_CT_CHECK)
#include <valgrind/memcheck.h>
#endif

namespace stoq::falcon::detail {

inline void ct_declassify([[maybe_unused]] const void* p, [[maybe_unused]] std::size_t len) {
#if defined(STOQ_FALCON_CT_CHECK)
  (void)VALGRIND_MAKE_MEM_DEFINED(p, len);
#endif
}

inline void ct_poison([[maybe_unused]] const void* p, [[maybe_unused]] std::size_t len) {
#if defined(STOQ_FALCON_CT_CHECK)
  (void)VALGRIND_MAKE_MEM_UNDEFINED(p, len);
#endif
}

}  // namespace stoq::falcon::detail

// Zeroization that the optimiser cannot drop: keys, secrets and private-key copies are
// wiped with this when they are no longer needed (Falcon, the endpoint's keys, the CLI).
#pragma once

#include <cstddef>
#include <cstring>

namespace stoq::detail {

inline void secure_zero(void* p, std::size_t len) {
  if (len == 0) return;  // p may be null (an empty vector's data()); memset forbids that
#if defined(__GNUC__) || defined(__clang__)
  // A plain memset (vector stores; byte-wide volatile stores over signing's 64 KiB arena
  // were about 10 % of a Falcon-1024 signature, docs/falcon.md), then an empty asm
  // statement that takes the pointer and clobbers memory: the compiler must assume it
  // reads the zeroed bytes, so the memset cannot be removed as a dead store.
  std::memset(p, 0, len);
  __asm__ __volatile__("" : : "r"(p) : "memory");
#else
  volatile unsigned char* b = static_cast<volatile unsigned char*>(p);
  for (std::size_t i = 0; i < len; ++i) b[i] = 0;
#endif
}

}  // namespace stoq::detail

// Zeroization that the optimiser cannot drop.
#pragma once

#include <cstddef>
#include <cstring>

namespace stoq::falcon::detail {

inline void secure_zero(void* p, std::size_t len) {
  if (len == 0) return;  // p may be null (an empty vector's data()); memset forbids that
#if defined(__GNUC__) || defined(__clang__)
  // A plain memset (vector stores: signing wipes a 64 KiB arena each time, which byte-wide
  // volatile stores made ~130 k instructions), then an empty asm statement that takes the
  // pointer and clobbers memory: the compiler must assume it reads the zeroed bytes, so the
  // memset cannot be removed as a dead store.
  std::memset(p, 0, len);
  __asm__ __volatile__("" : : "r"(p) : "memory");
#else
  volatile unsigned char* b = static_cast<volatile unsigned char*>(p);
  for (std::size_t i = 0; i < len; ++i) b[i] = 0;
#endif
}

}  // namespace stoq::falcon::detail

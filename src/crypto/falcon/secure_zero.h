// Zeroization that the optimiser cannot drop.
#pragma once

#include <cstddef>

namespace stoq::falcon::detail {

inline void secure_zero(void* p, std::size_t len) {
  volatile unsigned char* b = static_cast<volatile unsigned char*>(p);
  for (std::size_t i = 0; i < len; ++i) b[i] = 0;
}

}  // namespace stoq::falcon::detail

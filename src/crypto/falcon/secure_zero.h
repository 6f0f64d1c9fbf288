// Falcon uses the project's one zeroization helper (core/secure_zero.h).
#pragma once

#include "core/secure_zero.h"

namespace stoq::falcon::detail {
using stoq::detail::secure_zero;
}  // namespace stoq::falcon::detail

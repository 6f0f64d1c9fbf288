// Sampling of the per-packet jitter offset for each JitterDistribution.
#pragma once

#include "netsim/link_config.h"
#include "netsim/rng.h"
#include "netsim/time.h"

namespace stoq::netsim {

// Truncation bounds, so every distribution has a hard range a test can assert on.
inline constexpr double kNormalJitterClamp = 4.0;  // deviations either side of 0
inline constexpr double kParetoShape = 3.0;        // tail index; mean of the offset = jitter
inline constexpr double kParetoJitterCap = 10.0;   // offset <= cap x jitter

// Offset to add to the fixed delay; the caller clamps the total delay at 0.
//   uniform: [-jitter, +jitter]; normal: [-4 jitter, +4 jitter]; pareto: [0, 10 jitter].
// Consumes no random draws when jitter is 0.
Duration sample_jitter(JitterDistribution distribution, Duration jitter, Rng& rng) noexcept;

}  // namespace stoq::netsim

#include "netsim/jitter.h"

#include <algorithm>
#include <cmath>

namespace stoq::netsim {

Duration sample_jitter(JitterDistribution distribution, Duration jitter, Rng& rng) noexcept {
  if (jitter.count() <= 0) return Duration(0);
  const double j = static_cast<double>(jitter.count());
  double offset = 0;
  switch (distribution) {
    case JitterDistribution::kUniform:
      offset = (2.0 * rng.uniform() - 1.0) * j;
      break;
    case JitterDistribution::kNormal:
      offset = std::clamp(rng.normal(), -kNormalJitterClamp, kNormalJitterClamp) * j;
      break;
    case JitterDistribution::kPareto: {
      // X = (1 - U)^(-1/a) is Pareto with scale 1; E[X - 1] = 1/(a - 1), so scaling by
      // (a - 1) makes the mean offset equal to `jitter`.
      const double x = std::pow(1.0 - rng.uniform(), -1.0 / kParetoShape);
      offset = std::min((x - 1.0) * (kParetoShape - 1.0), kParetoJitterCap) * j;
      break;
    }
  }
  return Duration(static_cast<Duration::rep>(std::llround(offset)));
}

}  // namespace stoq::netsim

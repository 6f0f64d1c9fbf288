#include "netsim/link_config.h"

namespace stoq::netsim {

const char* to_string(JitterDistribution d) noexcept {
  switch (d) {
    case JitterDistribution::kUniform:
      return "uniform";
    case JitterDistribution::kNormal:
      return "normal";
    case JitterDistribution::kPareto:
      return "pareto";
  }
  return "uniform";
}

}  // namespace stoq::netsim

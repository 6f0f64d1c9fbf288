#include "netsim/gilbert_elliott.h"

namespace stoq::netsim {

bool GilbertElliott::lose(const BurstLossConfig& config, Rng& rng) noexcept {
  const bool lost = rng.chance(bad_ ? config.loss_bad : config.loss_good);
  if (bad_) {
    if (rng.chance(config.to_good)) bad_ = false;
  } else if (rng.chance(config.to_bad)) {
    bad_ = true;
  }
  return lost;
}

}  // namespace stoq::netsim

// Gilbert-Elliott two-state burst loss channel (see BurstLossConfig for the semantics).
#pragma once

#include "netsim/link_config.h"
#include "netsim/rng.h"

namespace stoq::netsim {

class GilbertElliott {
 public:
  // Decides the fate of one packet with `config`, then advances the state. Returns true if
  // the packet is lost. Always false (and no draws) while config.to_bad == 0 and the
  // channel is in the good state with loss_good == 0.
  bool lose(const BurstLossConfig& config, Rng& rng) noexcept;

  bool in_bad_state() const noexcept { return bad_; }
  void reset() noexcept { bad_ = false; }

 private:
  bool bad_ = false;
};

}  // namespace stoq::netsim

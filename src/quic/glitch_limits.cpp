#include "quic/glitch_limits.h"

namespace stoq::quic {

void apply_glitch_limits([[maybe_unused]] ngtcp2_settings& s, const TransportConfig& t,
                         bool server) {
  uint64_t budget = t.glitch_budget;
  if (budget == 0) {
    if (server) return;  // ngtcp2's defaults, as set by ngtcp2_settings_default
    budget = kClientGlitchBudget;
  }
#if NGTCP2_VERSION_NUM >= 0x011800  // as connection.cpp: the limiter settings we rely on
  s.glitch_ratelim_burst = budget;
  s.glitch_ratelim_rate = budget / 10;
#endif
}

}  // namespace stoq::quic

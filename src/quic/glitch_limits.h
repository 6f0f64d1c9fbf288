// ngtcp2's abuse limiter: a connection whose peer causes too many "glitches" (duplicate or
// useless frames, e.g. stream data we already hold) is closed. How loose it is depends on
// the role (docs/reliability.md, "Glitch limiter"):
//  - a client talks to a server it chose and downloads over whatever path it is on; on a
//    reordering path every spurious retransmission of the server is a glitch, so clients
//    get a large budget (200,000 tokens, refilled at 20,000/s);
//  - a server faces every client on the Internet, so it keeps ngtcp2's default (10,000
//    tokens, 330/s) unless the operator raises it (TransportConfig::glitch_budget,
//    `stoq serve --glitch-budget`) for uploads over reordering paths.
#pragma once

#include <ngtcp2/ngtcp2.h>

#include "stoq/config.h"

namespace stoq::quic {

// A client's budget when TransportConfig::glitch_budget is 0.
inline constexpr uint64_t kClientGlitchBudget = 200'000;

// Sets s.glitch_ratelim_burst / _rate (ngtcp2 >= 1.24; a no-op before) for `server` or a
// client; `s` starts from ngtcp2_settings_default.
void apply_glitch_limits(ngtcp2_settings& s, const TransportConfig& t, bool server);

}  // namespace stoq::quic

#include "quic/glitch_limits.h"

#include <gtest/gtest.h>

namespace stoq::quic {
namespace {

#if NGTCP2_VERSION_NUM >= 0x011800
ngtcp2_settings defaults() {
  ngtcp2_settings s;
  ngtcp2_settings_default(&s);
  return s;
}

TEST(GlitchLimits, ServerKeepsNgtcp2DefaultsAndClientGetsTheRaisedBudget) {
  const TransportConfig t;  // glitch_budget 0: by role
  ngtcp2_settings server = defaults();
  apply_glitch_limits(server, t, /*server=*/true);
  EXPECT_EQ(server.glitch_ratelim_burst, defaults().glitch_ratelim_burst);
  EXPECT_EQ(server.glitch_ratelim_rate, defaults().glitch_ratelim_rate);
  EXPECT_LT(server.glitch_ratelim_burst, kClientGlitchBudget);

  ngtcp2_settings client = defaults();
  apply_glitch_limits(client, t, /*server=*/false);
  EXPECT_EQ(client.glitch_ratelim_burst, kClientGlitchBudget);
  EXPECT_EQ(client.glitch_ratelim_rate, kClientGlitchBudget / 10);
}

TEST(GlitchLimits, AnExplicitBudgetAppliesToBothRoles) {
  TransportConfig t;
  t.glitch_budget = 50'000;
  for (bool server : {true, false}) {
    ngtcp2_settings s = defaults();
    apply_glitch_limits(s, t, server);
    EXPECT_EQ(s.glitch_ratelim_burst, 50'000u);
    EXPECT_EQ(s.glitch_ratelim_rate, 5'000u);
  }
}
#endif

}  // namespace
}  // namespace stoq::quic

// LinkConfig: every impairment one direction of a simulated link applies. A plain value
// type; Link copies it, so changing a LinkConfig after handing it over has no effect until
// it is handed over again (Link::set_config).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "netsim/result.h"
#include "netsim/time.h"

namespace stoq::netsim {

enum class JitterDistribution {
  kUniform,  // offset uniform in [-jitter, +jitter]
  kNormal,   // offset normal with deviation `jitter`, truncated to +-4 deviations
  kPareto,   // offset >= 0, heavy tail (shape 3) with mean `jitter`, capped at 10 x jitter
};

// Gilbert-Elliott two-state burst loss. Per packet: the packet is lost with the loss
// probability of the current state, then the state moves (good -> bad with to_bad,
// bad -> good with to_good). Disabled while to_bad == 0.
struct BurstLossConfig {
  double to_bad = 0.0;     // p: probability of entering the bad state, per packet
  double to_good = 1.0;    // r: probability of leaving the bad state, per packet
  double loss_good = 0.0;  // 1 - k: loss probability in the good state
  double loss_bad = 1.0;   // 1 - h: loss probability in the bad state
  bool operator==(const BurstLossConfig&) const = default;
};

// Blackout windows relative to the moment the configuration was applied: the link drops
// everything in [at, at + duration), and again every `every` after that when every > 0.
struct BlackholeSchedule {
  Duration at{0};
  Duration duration{0};  // 0: no scheduled blackout
  Duration every{0};     // 0: happens once
  bool operator==(const BlackholeSchedule&) const = default;
};

struct LinkConfig {
  // Propagation delay added to every packet, after the bandwidth limit.
  Duration delay{0};
  // Jitter amplitude; its meaning depends on jitter_distribution.
  Duration jitter{0};
  JitterDistribution jitter_distribution = JitterDistribution::kUniform;
  // false: delivery times never decrease, so jitter alone never reorders (a packet waits
  // for the one ahead of it). true: each packet keeps its own sampled delay and may
  // overtake earlier ones.
  bool jitter_reorder = false;

  double loss = 0.0;  // independent random loss probability
  BurstLossConfig burst;

  // With probability `reorder` a packet is held back by reorder_delay extra, letting
  // the packets behind it overtake it. Held-back packets are exempt from monotonic
  // jitter, so they do not hold up the packets behind them.
  double reorder = 0.0;
  Duration reorder_delay{std::chrono::milliseconds(10)};

  double duplicate = 0.0;  // probability that a second copy is also sent
  double corrupt = 0.0;    // probability that a packet gets corrupt_bits bit flips
  std::uint32_t corrupt_bits = 1;

  // Bottleneck rate in bits per second; 0 means unlimited. Packets are serialised one at
  // a time and wait in a drop-tail queue of queue_bytes (bytes not yet serialised).
  std::uint64_t rate_bps = 0;
  std::uint64_t queue_bytes = 256ULL * 1024;

  // Memory bound: bytes held by the link in total (queued plus in flight). Packets that
  // would exceed it are dropped as dropped_limit. Never 0.
  std::uint64_t limit_bytes = 64ULL * 1024 * 1024;

  // Largest packet passed; larger ones are dropped. 0: no limit.
  std::uint32_t mtu = 0;

  bool blackhole = false;  // manual switch: drop everything while true
  BlackholeSchedule blackhole_schedule;

  // PRNG seed. A link reseeds only when a configuration with a different seed is
  // applied, so re-applying the same settings does not restart the random sequence.
  std::uint64_t seed = 1;

  bool operator==(const LinkConfig&) const = default;
};

// The bounds of every setting, in one place: validate_link_config() checks them and every
// parser (CLI flags, control protocol, JSON) ends with it. They keep a link's memory and
// holding time sane — a configuration from the control socket cannot make the relay
// buffer a terabyte or hold packets for a day — and the model's arithmetic from overflowing.
inline constexpr std::uint32_t kMaxCorruptBits = 64;
// delay, jitter and reorder_delay: how long one packet may be held on purpose.
inline constexpr Duration kMaxLinkDelay = std::chrono::seconds(60);
// blackhole_at / blackhole_for / blackhole_every: a schedule holds no packets.
inline constexpr Duration kMaxConfigDuration = std::chrono::hours(24);
inline constexpr std::uint64_t kMaxRateBps = 10'000'000'000'000ULL;  // 10 Tbit/s
// queue and limit, per direction.
inline constexpr std::uint64_t kMaxConfigBytes = 1ULL << 30;  // 1 GiB
inline constexpr std::uint32_t kMaxMtu = 65535;

const char* to_string(JitterDistribution d) noexcept;

// Checks every bound above and the consistency rules (limit > 0; blackhole_every longer
// than blackhole_for). Errc::kInvalidConfig naming the setting, its value and the bound.
Status validate_link_config(const LinkConfig& config);

}  // namespace stoq::netsim

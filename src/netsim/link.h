// Link: one direction of a simulated network path. Sans-IO and deterministic: packets
// and the current time go in, packets come out at their delivery time. The same seed,
// configuration changes and sequence of (time, packet) inputs always produce the same
// deliveries at the same times.
//
// Order of impairments for a packet offered at `now`:
//   MTU -> blackhole -> burst loss -> random loss -> duplication; then for each copy:
//   corruption -> memory limit -> rate limiter + drop-tail queue -> delay + jitter
//   (+ reorder hold-back).
//
// Threading: none. A Link is a plain object; callers serialise access (the relay holds
// a mutex).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "netsim/gilbert_elliott.h"
#include "netsim/link_config.h"
#include "netsim/link_counters.h"
#include "netsim/rng.h"
#include "netsim/time.h"

namespace stoq::netsim {

struct Packet {
  std::vector<std::uint8_t> data;
  std::uint64_t tag = 0;  // opaque to the link; the relay stores the client mapping id
};

struct Delivery {
  Timestamp at;  // scheduled delivery time (<= the `now` of the poll that returned it)
  Packet packet;
};

// What happened to a packet offered with Link::send (to its original copy; a duplicate's
// fate shows only in the counters).
enum class Fate {
  kScheduled,
  kDroppedMtu,
  kDroppedBlackhole,
  kDroppedBurst,
  kDroppedLoss,
  kDroppedLimit,
  kDroppedQueue,
};

// Hard cap on packets held, whatever limit_bytes says (zero-length datagrams are legal).
inline constexpr std::size_t kMaxPendingPackets = 262'144;

class Link {
 public:
  // `now` is the time the configuration takes effect (origin of its blackhole schedule).
  explicit Link(const LinkConfig& config = {}, Timestamp now = Timestamp(0));

  // Replaces the configuration for packets offered from now on; packets already scheduled
  // keep their delivery times. Reseeds the PRNG only if config.seed changed. Restarts the
  // blackhole schedule at `now`.
  void set_config(const LinkConfig& config, Timestamp now);
  const LinkConfig& config() const noexcept { return config_; }

  // Offers a packet at `now` (never earlier than a previous call's `now`).
  Fate send(Timestamp now, Packet packet);

  // Removes and returns every packet due at or before `now`, in delivery order (by time,
  // ties in the order they were scheduled).
  std::vector<Delivery> poll(Timestamp now);

  // Removes the earliest packet due at or before `now` into `out`; false if none is due.
  bool poll_one(Timestamp now, Delivery& out);

  // Delivery time of the earliest pending packet; nullopt when nothing is pending.
  std::optional<Timestamp> next_deadline() const noexcept;

  // True if a packet offered at `now` would be dropped by a blackhole.
  bool blackholed(Timestamp now) const noexcept;

  const LinkCounters& counters() const noexcept { return counters_; }

 private:
  struct Entry {
    Timestamp at;
    std::uint64_t order;        // scheduling order, breaks ties between equal times
    std::uint64_t arrival_seq;  // order of the original send, shared by duplicates
    Packet packet;
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const noexcept {
      return a.at != b.at ? a.at > b.at : a.order > b.order;
    }
  };

  Fate schedule(Timestamp now, std::uint64_t arrival_seq, Packet packet);
  void corrupt(Packet& packet);

  LinkConfig config_;
  Timestamp config_applied_at_;
  Rng rng_;
  GilbertElliott burst_;
  std::vector<Entry> heap_;     // min-heap on (at, order)
  Timestamp tx_free_at_{0};     // when the rate limiter finishes the last accepted packet
  Timestamp last_in_order_{0};  // latest delivery time given to a packet in FIFO order
  std::uint64_t next_order_ = 0;
  std::uint64_t next_arrival_seq_ = 1;
  std::uint64_t max_delivered_seq_ = 0;
  LinkCounters counters_;
};

}  // namespace stoq::netsim

// What a Link did, for tests, the control protocol and reports.
#pragma once

#include <cstdint>

#include <nlohmann/json_fwd.hpp>

namespace stoq::netsim {

// Every packet offered to a link ends in exactly one of: delivered, a dropped_* counter,
// or still pending. Duplicates add packets, so at any moment
//   received + duplicated == delivered + dropped (all kinds) + pending_packets.
struct LinkCounters {
  std::uint64_t received = 0;           // packets offered with Link::send
  std::uint64_t delivered = 0;          // packets handed out by Link::poll
  std::uint64_t dropped_loss = 0;       // random (independent) loss
  std::uint64_t dropped_burst = 0;      // Gilbert-Elliott loss
  std::uint64_t dropped_queue = 0;      // drop-tail queue of the rate limiter full
  std::uint64_t dropped_limit = 0;      // memory bound (limit) reached
  std::uint64_t dropped_mtu = 0;        // larger than the MTU
  std::uint64_t dropped_blackhole = 0;  // arrived during a blackhole
  std::uint64_t duplicated = 0;         // extra copies created
  std::uint64_t corrupted = 0;          // packets (copies) with bits flipped
  std::uint64_t reordered = 0;          // delivered after a packet that was offered later
  std::uint64_t bytes_received = 0;
  std::uint64_t bytes_delivered = 0;
  std::uint64_t pending_packets = 0;     // gauge: scheduled, not yet delivered
  std::uint64_t pending_bytes = 0;       // gauge
  std::uint64_t peak_pending_bytes = 0;  // high-water mark of pending_bytes

  std::uint64_t dropped() const noexcept {
    return dropped_loss + dropped_burst + dropped_queue + dropped_limit + dropped_mtu +
           dropped_blackhole;
  }
};

nlohmann::json link_counters_to_json(const LinkCounters& counters);

}  // namespace stoq::netsim

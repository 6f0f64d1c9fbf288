#include "netsim/link_counters.h"

#include <nlohmann/json.hpp>

namespace stoq::netsim {

nlohmann::json link_counters_to_json(const LinkCounters& c) {
  return nlohmann::json{
      {"received", c.received},
      {"delivered", c.delivered},
      {"dropped_loss", c.dropped_loss},
      {"dropped_burst", c.dropped_burst},
      {"dropped_queue", c.dropped_queue},
      {"dropped_limit", c.dropped_limit},
      {"dropped_mtu", c.dropped_mtu},
      {"dropped_blackhole", c.dropped_blackhole},
      {"duplicated", c.duplicated},
      {"corrupted", c.corrupted},
      {"reordered", c.reordered},
      {"bytes_received", c.bytes_received},
      {"bytes_delivered", c.bytes_delivered},
      {"pending_packets", c.pending_packets},
      {"pending_bytes", c.pending_bytes},
      {"peak_pending_bytes", c.peak_pending_bytes},
  };
}

}  // namespace stoq::netsim

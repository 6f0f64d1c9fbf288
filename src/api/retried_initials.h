// The client Initials a server answered with a Retry, remembered in a bounded ring so that
// a retransmission of the same Initial (sent before the client saw the Retry) is answered
// with a Retry again instead of starting a connection.
//
// Why: RetryPolicy::kAuto retries only while many handshakes are in progress. A client
// whose first Initial was retried under load retransmits that Initial if the Retry is
// slow to arrive; if the load has fallen by the time the copy is read, the copy would be
// accepted. The client has moved on to the Retry's connection ID and drops the answers,
// so the server would hold an orphan connection until its handshake timeout.
//
// Bounded: `capacity` entries, the oldest forgotten first, so a flood of Initials with
// fresh connection IDs costs a fixed amount of memory (and at worst brings the orphans
// back, never more state).
#pragma once

#include <cstddef>
#include <unordered_map>
#include <vector>

#include "quic/connection_id.h"
#include "stoq/address.h"

namespace stoq::detail {

class RetriedInitials {
 public:
  explicit RetriedInitials(size_t capacity) : capacity_(capacity) {}

  // Remembers that the Initial from `remote` to `dcid` was retried.
  void add(const SocketAddress& remote, const quic::ConnectionId& dcid);
  // Whether it was, and is still remembered.
  bool contains(const SocketAddress& remote, const quic::ConnectionId& dcid) const;
  size_t size() const noexcept { return by_dcid_.size(); }

 private:
  size_t capacity_;
  std::unordered_map<quic::ConnectionId, SocketAddress, quic::ConnectionIdHash> by_dcid_;
  std::vector<quic::ConnectionId> order_;  // a ring: order_[next_] is the oldest once full
  size_t next_ = 0;
};

}  // namespace stoq::detail

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
// Bounded: `capacity` entries of 64-bit fingerprints of (client address, DCID), the oldest
// forgotten first, so a flood of Initials with fresh connection IDs costs a fixed amount
// of memory (about 48 bytes an entry, estimated from the node, ring and bucket sizes, not
// measured) and at worst brings the orphans back. A fingerprint collision costs a client
// one needless Retry, nothing more.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_set>
#include <vector>

#include "quic/connection_id.h"
#include "stoq/address.h"

namespace stoq::detail {

class RetriedInitials {
 public:
  explicit RetriedInitials(size_t capacity);

  // Remembers that the Initial from `remote` to `dcid` was retried.
  void add(const SocketAddress& remote, const quic::ConnectionId& dcid);
  // Whether it was, and is still remembered.
  bool contains(const SocketAddress& remote, const quic::ConnectionId& dcid) const;
  size_t size() const noexcept { return seen_.size(); }

 private:
  uint64_t fingerprint(const SocketAddress& remote, const quic::ConnectionId& dcid) const;

  size_t capacity_;
  uint64_t salt_ = 0;  // random per instance, so fingerprints are hard to predict (not a MAC)
  std::unordered_set<uint64_t> seen_;
  std::vector<uint64_t> order_;  // a ring: order_[next_] is the oldest once full
  size_t next_ = 0;
};

}  // namespace stoq::detail

// Two datapaths joined in memory, for tests: what one sends to the other's address is
// received by the other, in order, with its ECN codepoint. No sockets, no loss.
//
// fd() is an eventfd that is readable while datagrams wait, so a LoopbackDatapath can be
// driven by the same EventLoop as a socket. Both ends must be used from one thread.
#pragma once

#include <deque>
#include <memory>
#include <vector>

#include "io/datapath.h"
#include "io/unique_fd.h"

namespace stoq::io {

class LoopbackDatapath final : public Datapath {
 public:
  struct Pair {
    std::unique_ptr<LoopbackDatapath> first;
    std::unique_ptr<LoopbackDatapath> second;
  };
  // `first` and `second` are the two ends' addresses (any distinct addresses; nothing is
  // bound). Each end queues at most `capacity` datagrams; past that send() stops as a
  // full socket buffer would. Fails with kSocketError if eventfd() fails.
  static Result<Pair> create_pair(const SocketAddress& first, const SocketAddress& second,
                                  size_t capacity = 4096);
  ~LoopbackDatapath() override;

  int fd() const noexcept override;
  const SocketAddress& local_address() const noexcept override { return local_; }
  // kEcn and kPktInfo: codepoints and destination addresses are carried exactly.
  Capability capabilities() const noexcept override {
    return Capability::kEcn | Capability::kPktInfo;
  }
  DatapathStats stats() const noexcept override { return stats_; }
  SocketBufferSizes buffer_sizes() const noexcept override { return {}; }
  size_t send_batch() const noexcept override { return kBatch; }

  // Returns up to kBatch datagrams; valid until the next receive() on this end.
  Result<std::span<const ReceivedDatagram>> receive() override;
  // A datagram to an address other than the peer's is dropped (stats().send_errors);
  // segment_size trains are split into datagrams; an entry is queued all or nothing. A
  // `source` is delivered as the datagram's remote address, as a socket would.
  Result<size_t> send(std::span<const OutgoingDatagram> batch) override;

  static constexpr size_t kBatch = 64;

 private:
  struct Packet {
    SocketAddress from;
    SocketAddress to;
    std::vector<uint8_t> bytes;
    uint8_t ecn = 0;
  };
  struct Inbox {
    std::deque<Packet> queue;
    UniqueFd event;
  };
  struct Link {
    Inbox inbox[2];
    SocketAddress address[2];
    size_t capacity = 0;
  };

  LoopbackDatapath(std::shared_ptr<Link> link, int side);
  Inbox& own() { return link_->inbox[side_]; }
  Inbox& peer() { return link_->inbox[1 - side_]; }

  std::shared_ptr<Link> link_;
  int side_;
  SocketAddress local_;
  DatapathStats stats_;
  std::vector<Packet> held_;  // the packets whose bytes the last receive() returned
  std::vector<ReceivedDatagram> rx_out_;
};

}  // namespace stoq::io

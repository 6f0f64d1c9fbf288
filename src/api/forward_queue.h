// The hand-off between the workers of a multi-worker server (EndpointImpl::forward): a
// datagram that the kernel gave to one worker but whose connection ID names another is
// copied into the other worker's ForwardQueue. The queue is bounded, so a peer (or a
// rebinding storm) that makes one worker forward faster than the target drains cannot
// grow memory without limit: beyond the bound datagrams are dropped and counted, which
// QUIC treats as loss.
//
// Threading: push() from any worker, take() on the target worker's loop thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "io/datapath.h"
#include "stoq/address.h"

namespace stoq::detail {

class ForwardQueue {
 public:
  // Per target worker: 4,096 datagrams (about 4 ms of a worker's receive rate at 1 Mpps,
  // far more than a rebinding burst) and 8 MiB, whichever is reached first.
  static constexpr size_t kMaxDatagrams = 4096;
  static constexpr size_t kMaxBytes = size_t{8} << 20;

  struct Item {
    SocketAddress remote;
    SocketAddress local;
    uint8_t ecn = 0;
    std::vector<uint8_t> data;
  };
  enum class Push {
    kQueued,      // a drain is already due
    kQueuedWake,  // the queue was empty: the caller posts one drain to the target's loop
    kDropped,     // full: dropped and counted
  };

  explicit ForwardQueue(size_t max_datagrams = kMaxDatagrams, size_t max_bytes = kMaxBytes)
      : max_datagrams_(max_datagrams), max_bytes_(max_bytes) {}

  Push push(const io::ReceivedDatagram& d);
  // Everything queued, in arrival order; the queue is empty afterwards.
  std::vector<Item> take();

  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  size_t size() const;
  size_t bytes() const;

 private:
  const size_t max_datagrams_;
  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::vector<Item> items_;  // guarded by mu_
  size_t bytes_ = 0;         // guarded by mu_
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace stoq::detail

// Pure helpers for UDP segmentation offload: which outgoing datagrams can share one GSO
// send, and how a GRO-coalesced receive buffer splits back into datagrams. No I/O, so
// they are unit-tested without sockets (segmentation_test.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "io/datapath.h"

namespace stoq::io::detail {

// Kernel limits for one UDP_SEGMENT send: at most UDP_MAX_SEGMENTS (64 on the oldest
// kernels with GSO) segments, and the whole train must fit one IP datagram's payload.
inline constexpr size_t kMaxGsoSegments = 64;
inline constexpr size_t kMaxGsoBytes = 65000;

// The number of entries from batch[first] on that can leave as one GSO send: plain
// datagrams (segment_size 0) to the same remote from the same source with the same ECN
// codepoint, contiguous
// in memory, all of the first one's size except possibly a shorter last one. Always ≥ 1
// when first < batch.size().
size_t coalescable_run(std::span<const OutgoingDatagram> batch, size_t first);

// Appends `next` to `train` when it continues it as one GSO send could: it lies right
// after the train's bytes, goes to the same remote with the same ECN codepoint (and no
// source address), is not longer than the train's segments, the train's segments are all
// full, and the kernel limits still hold. Sets train.segment_size; false (and `train`
// unchanged) otherwise. Lets a sender form trains as it writes, one entry per train.
bool extend_train(OutgoingDatagram& train, std::span<const uint8_t> next,
                  const SocketAddress& remote, uint8_t ecn);

// Number of datagrams in a train of `bytes` cut into `segment`-byte pieces (the last may be
// shorter); an empty train is one empty datagram.
constexpr size_t segment_count(size_t bytes, size_t segment) noexcept {
  if (segment == 0 || bytes == 0) return 1;
  return (bytes + segment - 1) / segment;
}

// The largest byte count, a multiple of `segment`, that one GSO send may carry.
constexpr size_t max_gso_train(size_t segment) noexcept {
  if (segment == 0) return 0;
  size_t by_count = kMaxGsoSegments * segment;
  size_t by_bytes = kMaxGsoBytes / segment * segment;
  return by_count < by_bytes ? by_count : by_bytes;
}

// Calls emit(std::span<const uint8_t>) for each `segment`-byte piece of a coalesced
// buffer, the last one possibly shorter. segment 0 means "not coalesced": one call.
template <typename Emit>
void for_each_segment(std::span<const uint8_t> buffer, size_t segment, Emit&& emit) {
  if (segment == 0 || buffer.size() <= segment) {
    emit(buffer);
    return;
  }
  for (size_t off = 0; off < buffer.size(); off += segment) {
    size_t len = buffer.size() - off < segment ? buffer.size() - off : segment;
    emit(buffer.subspan(off, len));
  }
}

}  // namespace stoq::io::detail

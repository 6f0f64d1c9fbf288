#include "io/segmentation.h"

#include <netinet/in.h>

#include <cstring>

namespace stoq::io::detail {
size_t coalescable_run(std::span<const OutgoingDatagram> batch, size_t first) {
  const OutgoingDatagram& head = batch[first];
  if (head.segment_size != 0 || head.data.empty()) return 1;
  const size_t segment = head.data.size();
  size_t n = 1;
  size_t bytes = segment;
  while (first + n < batch.size() && n < kMaxGsoSegments) {
    const OutgoingDatagram& prev = batch[first + n - 1];
    const OutgoingDatagram& next = batch[first + n];
    // A shorter datagram ends the train: only the last segment may be short.
    if (prev.data.size() != segment) break;
    if (next.segment_size != 0 || next.data.empty() || next.data.size() > segment) break;
    if (next.ecn != head.ecn || !(next.remote == head.remote)) break;
    if (!(next.source == head.source)) break;
    if (next.data.data() != prev.data.data() + prev.data.size()) break;
    if (bytes + next.data.size() > kMaxGsoBytes) break;
    bytes += next.data.size();
    ++n;
  }
  return n;
}

bool extend_train(OutgoingDatagram& train, std::span<const uint8_t> next,
                  const SocketAddress& remote, uint8_t ecn) {
  if (train.data.empty() || next.empty()) return false;
  const size_t segment = train.segment_size != 0 ? train.segment_size : train.data.size();
  if (next.data() != train.data.data() + train.data.size()) return false;
  if (next.size() > segment || train.data.size() % segment != 0) return false;
  if (train.data.size() / segment >= kMaxGsoSegments) return false;
  if (train.data.size() + next.size() > kMaxGsoBytes) return false;
  if (train.ecn != ecn || !(train.remote == remote) || train.source.family() != AF_UNSPEC) {
    return false;
  }
  train.data = {train.data.data(), train.data.size() + next.size()};
  train.segment_size = static_cast<uint16_t>(segment);
  return true;
}

}  // namespace stoq::io::detail

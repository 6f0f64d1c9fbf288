#include "io/loopback_datapath.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "io/segmentation.h"

namespace stoq::io {

Result<LoopbackDatapath::Pair> LoopbackDatapath::create_pair(const SocketAddress& first,
                                                             const SocketAddress& second,
                                                             size_t capacity) {
  auto link = std::make_shared<Link>();
  for (Inbox& inbox : link->inbox) {
    inbox.event = UniqueFd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!inbox.event.valid()) {
      return {Errc::kSocketError, std::string("eventfd: ") + std::strerror(errno)};
    }
  }
  link->address[0] = first;
  link->address[1] = second;
  link->capacity = capacity;
  Pair p;
  p.first.reset(new LoopbackDatapath(link, 0));
  p.second.reset(new LoopbackDatapath(link, 1));
  return p;
}

LoopbackDatapath::LoopbackDatapath(std::shared_ptr<Link> link, int side)
    : link_(std::move(link)), side_(side), local_(link_->address[side]) {
  held_.reserve(kBatch);
  rx_out_.reserve(kBatch);
}

LoopbackDatapath::~LoopbackDatapath() = default;

int LoopbackDatapath::fd() const noexcept {
  return link_->inbox[side_].event.get();
}

Result<std::span<const ReceivedDatagram>> LoopbackDatapath::receive() {
  held_.clear();
  rx_out_.clear();
  Inbox& in = own();
  while (!in.queue.empty() && held_.size() < kBatch) {
    held_.push_back(std::move(in.queue.front()));
    in.queue.pop_front();
  }
  if (in.queue.empty()) {
    uint64_t drained = 0;
    // Resets the eventfd counter so the fd stops being readable; EAGAIN if already 0.
    [[maybe_unused]] ssize_t r = ::read(in.event.get(), &drained, sizeof(drained));
  }
  for (const Packet& p : held_) {
    rx_out_.push_back({p.from, p.to, p.bytes, p.ecn});
    ++stats_.datagrams_received;
    stats_.bytes_received += p.bytes.size();
  }
  return std::span<const ReceivedDatagram>(rx_out_);
}

Result<size_t> LoopbackDatapath::send(std::span<const OutgoingDatagram> batch) {
  Inbox& out = peer();
  const SocketAddress& peer_address = link_->address[1 - side_];
  for (size_t i = 0; i < batch.size(); ++i) {
    const OutgoingDatagram& d = batch[i];
    const size_t count =
        d.segment_size == 0 ? 1 : detail::segment_count(d.data.size(), d.segment_size);
    if (!(d.remote == peer_address)) {
      stats_.send_errors += count;  // nobody there: lost, as an unreachable port would be
      continue;
    }
    if (out.queue.size() + count > link_->capacity) {
      for (size_t k = i; k < batch.size(); ++k) {
        const OutgoingDatagram& r = batch[k];
        stats_.send_would_block +=
            r.segment_size == 0 ? 1 : detail::segment_count(r.data.size(), r.segment_size);
      }
      return i;
    }
    const bool was_empty = out.queue.empty();
    const bool own_source = d.source.family() != AF_UNSPEC && !d.source.is_any();
    const SocketAddress& from = own_source ? d.source : local_;
    detail::for_each_segment(d.data, d.segment_size, [&](std::span<const uint8_t> s) {
      out.queue.push_back({from, d.remote, {s.begin(), s.end()}, static_cast<uint8_t>(d.ecn & 3)});
      ++stats_.datagrams_sent;
      stats_.bytes_sent += s.size();
    });
    if (was_empty) {
      const uint64_t one = 1;
      [[maybe_unused]] ssize_t w = ::write(out.event.get(), &one, sizeof(one));
    }
  }
  return batch.size();
}

}  // namespace stoq::io

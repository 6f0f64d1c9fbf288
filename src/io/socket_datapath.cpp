#include "io/socket_datapath.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "io/control_message.h"
#include "io/segmentation.h"
#include "io/socket_options.h"

namespace stoq::io {
namespace {

template <typename T>
Result<T> errno_error(const std::string& what, int err) {
  return {Errc::kSocketError, what + ": " + std::strerror(err)};
}

bool would_block(int err) {
  // ENOBUFS: the device queue is full; for UDP that is the same "try later" as EAGAIN.
  return err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS;
}

// Errors about one datagram or its destination, not about the socket: the datagram is
// dropped and QUIC's loss recovery (or path validation) deals with it.
bool per_datagram_error(int err) {
  return err == EMSGSIZE || err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH ||
         err == EINVAL || err == EACCES || err == EPERM || err == EADDRNOTAVAIL ||
         err == EAFNOSUPPORT || err == EDESTADDRREQ;
}

// Errors a receive call reports for an earlier ICMP message; the queue behind them is fine.
bool stale_receive_error(int err) {
  return err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH || err == EMSGSIZE;
}

size_t datagrams_left(std::span<const OutgoingDatagram> batch, size_t entry, size_t offset) {
  size_t n = 0;
  for (size_t i = entry; i < batch.size(); ++i) {
    const OutgoingDatagram& d = batch[i];
    size_t bytes = d.data.size() - (i == entry ? offset : 0);
    n += d.segment_size == 0 ? 1 : detail::segment_count(bytes, d.segment_size);
  }
  return n;
}

}  // namespace

int detail::SendCalls::send_many(int fd, mmsghdr* msgs, unsigned count) const {
  return ::sendmmsg(fd, msgs, count, 0);
}

ssize_t detail::SendCalls::send_one(int fd, const msghdr* msg) const {
  return ::sendmsg(fd, msg, 0);
}

const detail::SendCalls SocketDatapath::kSystemCalls;

Result<std::unique_ptr<SocketDatapath>> SocketDatapath::open(const SocketAddress& addr,
                                                             const DatapathConfig& config) {
  if (config.batch == 0) return {Errc::kInvalidArgument, "datapath: batch must be at least 1"};
  auto s = detail::open_udp_socket(addr, config);
  if (!s) return {s.error(), s.reason()};
  std::unique_ptr<SocketDatapath> dp(new SocketDatapath());
  dp->fd_ = std::move(s->fd);
  dp->local_ = s->local;
  dp->caps_ = s->capabilities;
  dp->gso_supported_ = has(dp->caps_, Capability::kGsoSend);
  dp->buffers_ = s->buffers;
  const size_t n = config.batch;
  dp->batch_ = n;
  dp->rx_buf_.resize(n * kReceiveSlotBytes);
  dp->rx_msgs_.resize(n);
  dp->rx_iov_.resize(n);
  dp->rx_names_.resize(n);
  dp->rx_control_.resize(n * detail::kReceiveControlBytes);
  // Without GRO a slot is one datagram; with it, up to kMaxGsoSegments datagrams.
  dp->rx_out_.reserve(has(dp->caps_, Capability::kGroReceive) ? n * detail::kMaxGsoSegments : n);
  for (size_t i = 0; i < n; ++i) {
    dp->rx_iov_[i] = {dp->rx_buf_.data() + i * kReceiveSlotBytes, kReceiveSlotBytes};
    msghdr& h = dp->rx_msgs_[i].msg_hdr;
    h.msg_name = &dp->rx_names_[i];
    h.msg_iov = &dp->rx_iov_[i];
    h.msg_iovlen = 1;
    h.msg_control = dp->rx_control_.data() + i * detail::kReceiveControlBytes;
  }
  dp->tx_msgs_.resize(n);
  dp->tx_iov_.resize(n);
  dp->tx_control_.resize(n * detail::kSendControlBytes);
  dp->tx_pending_.resize(n);
  return dp;
}

SocketDatapath::~SocketDatapath() = default;

void SocketDatapath::set_gso(bool on) noexcept {
  caps_ =
      on && gso_supported_ ? caps_ | Capability::kGsoSend : without(caps_, Capability::kGsoSend);
}

// ---------------------------------------------------------------------------- receive

int SocketDatapath::receive_messages() {
  const bool batched = has(caps_, Capability::kBatchSyscalls);
  const size_t count = batched ? batch_ : 1;
  for (size_t i = 0; i < count; ++i) {
    msghdr& h = rx_msgs_[i].msg_hdr;
    h.msg_namelen = sizeof(sockaddr_storage);
    h.msg_controllen = detail::kReceiveControlBytes;
    h.msg_flags = 0;
  }
  ++stats_.receive_syscalls;
  if (batched)
    return recvmmsg(fd_.get(), rx_msgs_.data(), static_cast<unsigned>(count), 0, nullptr);
  ssize_t n = recvmsg(fd_.get(), &rx_msgs_[0].msg_hdr, 0);
  if (n < 0) return -1;
  rx_msgs_[0].msg_len = static_cast<unsigned>(n);
  return 1;
}

void SocketDatapath::deliver(size_t slot) {
  const msghdr& h = rx_msgs_[slot].msg_hdr;
  if ((h.msg_flags & MSG_TRUNC) != 0) {
    ++stats_.receive_truncated;
    return;
  }
  const SocketAddress remote(reinterpret_cast<const sockaddr*>(&rx_names_[slot]), h.msg_namelen);
  const detail::ReceiveAncillary anc = detail::parse_receive_ancillary(h, local_);
  if (anc.overflow) stats_.receive_overflow = *anc.overflow;
  const SocketAddress& local = anc.local ? *anc.local : local_;
  const std::span<const uint8_t> buffer(rx_buf_.data() + slot * kReceiveSlotBytes,
                                        rx_msgs_[slot].msg_len);
  if (anc.gro_segment != 0 && buffer.size() > anc.gro_segment) ++stats_.gro_super_datagrams;
  detail::for_each_segment(buffer, anc.gro_segment, [&](std::span<const uint8_t> d) {
    rx_out_.push_back({remote, local, d, anc.ecn});
    ++stats_.datagrams_received;
    stats_.bytes_received += d.size();
  });
}

Result<std::span<const ReceivedDatagram>> SocketDatapath::receive() {
  rx_out_.clear();
  drained_ = false;
  // A pending ICMP error is reported once by the next receive call; retrying reads the
  // datagrams queued behind it. Bounded, so a flood of errors cannot spin here.
  for (int attempt = 0; attempt < 8; ++attempt) {
    int n = receive_messages();
    if (n < 0) {
      const int err = errno;
      if (err == EINTR || stale_receive_error(err)) continue;
      if (would_block(err)) break;
      return errno_error<std::span<const ReceivedDatagram>>(
          has(caps_, Capability::kBatchSyscalls) ? "recvmmsg" : "recvmsg", err);
    }
    for (int i = 0; i < n; ++i) deliver(static_cast<size_t>(i));
    drained_ = has(caps_, Capability::kBatchSyscalls) && static_cast<size_t>(n) < batch_;
    break;
  }
  return std::span<const ReceivedDatagram>(rx_out_);
}

// ---------------------------------------------------------------------------- send

size_t SocketDatapath::build_messages(std::span<const OutgoingDatagram> batch, Cursor at) {
  const size_t limit = has(caps_, Capability::kBatchSyscalls) ? batch_ : 1;
  size_t n = 0;
  while (at.entry < batch.size() && n < limit) {
    const OutgoingDatagram& d = batch[at.entry];
    const bool gso = has(caps_, Capability::kGsoSend) && !(split_next_ && n == 0);
    const uint8_t ecn = has(caps_, Capability::kEcn) ? static_cast<uint8_t>(d.ecn & 0x3) : 0;
    const uint8_t* start = d.data.data() + at.offset;
    size_t bytes = 0;
    uint16_t segment = 0;
    Pending p{};
    if (d.segment_size == 0) {
      const size_t run = gso ? detail::coalescable_run(batch, at.entry) : 1;
      for (size_t i = 0; i < run; ++i) bytes += batch[at.entry + i].data.size();
      if (run > 1) segment = static_cast<uint16_t>(d.data.size());
      p = {at.entry + run - 1, batch[at.entry + run - 1].data.size(), run, true, run > 1, ecn != 0};
      at = {at.entry + run, 0};
    } else {
      const size_t remaining = d.data.size() - at.offset;
      const size_t most = gso ? detail::max_gso_train(d.segment_size) : d.segment_size;
      bytes = std::min(remaining, most);
      const size_t count = detail::segment_count(bytes, d.segment_size);
      if (count > 1) segment = d.segment_size;
      const size_t end = at.offset + bytes;
      p = {at.entry, end, count, end >= d.data.size(), count > 1, ecn != 0};
      at = p.completes ? Cursor{at.entry + 1, 0} : Cursor{at.entry, end};
    }
    tx_iov_[n] = {const_cast<uint8_t*>(start), bytes};
    msghdr& h = tx_msgs_[n].msg_hdr;
    h = {};
    h.msg_name = const_cast<sockaddr*>(d.remote.data());
    h.msg_namelen = d.remote.size();
    h.msg_iov = &tx_iov_[n];
    h.msg_iovlen = 1;
    const bool pktinfo = has(caps_, Capability::kPktInfo);
    p.source = detail::set_send_ancillary(h, tx_control_.data() + n * detail::kSendControlBytes,
                                          d.remote, ecn, segment, pktinfo ? &d.source : nullptr);
    tx_pending_[n] = p;
    ++n;
  }
  return n;
}

int SocketDatapath::send_messages(size_t count) {
  ++stats_.send_syscalls;
  if (has(caps_, Capability::kBatchSyscalls)) {
    return calls_->send_many(fd_.get(), tx_msgs_.data(), static_cast<unsigned>(count));
  }
  return calls_->send_one(fd_.get(), &tx_msgs_[0].msg_hdr) < 0 ? -1 : 1;
}

Result<size_t> SocketDatapath::send(std::span<const OutgoingDatagram> batch) {
  Cursor at;
  while (at.entry < batch.size()) {
    const size_t n = build_messages(batch, at);
    const int sent = send_messages(n);
    if (sent > 0) {
      for (size_t k = 0; k < static_cast<size_t>(sent); ++k) {
        const Pending& p = tx_pending_[k];
        stats_.datagrams_sent += p.datagrams;
        stats_.bytes_sent += tx_iov_[k].iov_len;
        if (p.gso) ++stats_.gso_super_datagrams;
        at = p.completes ? Cursor{p.entry + 1, 0} : Cursor{p.entry, p.end};
      }
      split_next_ = false;
      continue;
    }
    // sendmmsg reports an error only when the first message failed; errno is about it.
    const int err = errno;
    const Pending& first = tx_pending_[0];
    if (err == EINTR) continue;
    if (would_block(err)) {
      stats_.send_would_block += datagrams_left(batch, at.entry, at.offset);
      return at.entry;
    }
    if (first.gso && (err == EIO || err == EOPNOTSUPP)) {
      // The device or the path (e.g. IPsec) cannot segment: plain datagrams from now on.
      gso_supported_ = false;
      caps_ = without(caps_, Capability::kGsoSend);
      ++stats_.gso_fallbacks;
      continue;
    }
    if (first.gso && (err == EINVAL || err == EMSGSIZE)) {
      // Refused for this train only (e.g. a segment above the route MTU): send it piece by
      // piece so each datagram meets its own fate.
      split_next_ = true;
      continue;
    }
    // EINVAL with a source address is that address being refused (not local): the
    // datagram is dropped below. Without one, it can only be the TOS message.
    if (first.ecn && !first.source && err == EINVAL) {
      caps_ = without(caps_, Capability::kEcn);
      continue;
    }
    if (per_datagram_error(err)) {
      stats_.send_errors += first.datagrams;
      at = first.completes ? Cursor{first.entry + 1, 0} : Cursor{first.entry, first.end};
      split_next_ = false;
      continue;
    }
    return errno_error<size_t>(has(caps_, Capability::kBatchSyscalls) ? "sendmmsg" : "sendmsg",
                               err);
  }
  return batch.size();
}

}  // namespace stoq::io

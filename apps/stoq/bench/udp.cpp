#include "bench/udp.h"

#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>
#include <vector>

#include "bench/protocol.h"
#include "bench/sys.h"
#include "pattern.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

namespace stoq::cli::bench {
namespace {

constexpr size_t kRxBuf = 65536;
constexpr unsigned kRxBatch = 16;
constexpr size_t kGsoBytes = 64000;     // one GSO super-datagram: 44 x 1452, 7 x 8952, ...
constexpr size_t kMaxDatagram = 65487;  // fits IPv4's 65507 and IPv6's 65527
constexpr unsigned kTxBatch = 8;
constexpr double kGiB = 1024.0 * 1024 * 1024;

void set_buffers(int fd) {
  int size = 8 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) != 0)
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

}  // namespace

Result<std::unique_ptr<UdpSink>> UdpSink::start(const SocketAddress& addr) {
  int fd = socket(addr.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {Errc::kSocketError, std::strerror(errno)};
  if (bind(fd, addr.data(), addr.size()) != 0) {
    std::string why = std::strerror(errno);
    close(fd);
    return {Errc::kSocketError, "UDP sink " + addr.to_string() + ": " + why};
  }
  set_buffers(fd);
  timeval tv{0, 100'000};  // the receive loop checks stop_ at least every 100 ms
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  std::unique_ptr<UdpSink> s(new UdpSink(fd));
  int one = 1;
  s->gro_ = setsockopt(fd, IPPROTO_UDP, UDP_GRO, &one, sizeof(one)) == 0;
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  s->port_ = SocketAddress(reinterpret_cast<sockaddr*>(&ss), len).port();
  s->thread_ = std::thread([p = s.get()] { p->receive_loop(); });
  return s;
}

UdpSink::~UdpSink() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  close(fd_);
}

UdpSink::Counters UdpSink::counters() const {
  Counters c;
  c.run = run_.load();
  c.datagrams = datagrams_.load();
  c.bytes = bytes_.load();
  c.bad = bad_.load();
  c.first_s = first_s_.load();
  c.last_s = last_s_.load();
  return c;
}

void UdpSink::count(const uint8_t* d, size_t n, double now) {
  uint64_t run = 0, offset = 0;
  if (n < kUdpHeader) {
    ++bad_;
    return;
  }
  std::memcpy(&run, d, 8);
  std::memcpy(&offset, d + 8, 8);
  if (run != run_.load(std::memory_order_relaxed)) {
    // A new run starts: the counters are the previous run's no more.
    datagrams_ = 0;
    bytes_ = 0;
    bad_ = 0;
    first_s_ = now;
    run_ = run;
  }
  const auto want = pattern_.piece(offset, n - kUdpHeader);
  if (want.size() != n - kUdpHeader || std::memcmp(want.data(), d + kUdpHeader, want.size()) != 0) {
    bad_.fetch_add(1, std::memory_order_relaxed);
  }
  datagrams_.fetch_add(1, std::memory_order_relaxed);
  bytes_.fetch_add(n - kUdpHeader, std::memory_order_relaxed);
  last_s_.store(now, std::memory_order_relaxed);
}

void UdpSink::receive_loop() {
  std::vector<uint8_t> buf(kRxBatch * kRxBuf);
  std::vector<iovec> iov(kRxBatch);
  std::vector<mmsghdr> msgs(kRxBatch);
  std::vector<std::array<uint8_t, CMSG_SPACE(sizeof(int))>> ctrl(kRxBatch);
  while (!stop_) {
    for (unsigned i = 0; i < kRxBatch; ++i) {
      iov[i] = {buf.data() + i * kRxBuf, kRxBuf};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_control = ctrl[i].data();
      msgs[i].msg_hdr.msg_controllen = ctrl[i].size();
    }
    int n = recvmmsg(fd_, msgs.data(), kRxBatch, MSG_WAITFORONE, nullptr);
    if (n <= 0) continue;  // timeout (stop_ check) or EINTR
    const double now = now_seconds();
    for (int i = 0; i < n; ++i) {
      size_t len = msgs[i].msg_len;
      size_t seg = len;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c != nullptr;
           c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
        if (c->cmsg_level == IPPROTO_UDP && c->cmsg_type == UDP_GRO) {
          int s = 0;
          std::memcpy(&s, CMSG_DATA(c), sizeof(s));
          if (s > 0) seg = static_cast<size_t>(s);
        }
      }
      const uint8_t* base = buf.data() + static_cast<size_t>(i) * kRxBuf;
      for (size_t off = 0; off < len; off += seg) count(base + off, std::min(seg, len - off), now);
    }
  }
}

Sample udp_blast(const SocketAddress& host, uint16_t port, const std::string& control,
                 const BenchParams& p, Progress& progress) {
  Sample out;
  SocketAddress to = host;
  to.set_port(port);
  int fd = socket(to.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    out.error = std::strerror(errno);
    return out;
  }
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  set_buffers(fd);
  if (connect(fd, to.data(), to.size()) != 0) {
    out.error = "UDP connect: " + std::string(std::strerror(errno));
    return out;
  }
  std::random_device rd;
  const uint64_t run = (static_cast<uint64_t>(rd()) << 32) | rd() | 1;
  const Pattern pattern;
  const size_t datagram = std::clamp<size_t>(effective_max_udp_payload(p.max_udp_payload, to),
                                             kUdpHeader + 1, kMaxDatagram);
  const size_t payload = datagram - kUdpHeader;
  const unsigned segments = static_cast<unsigned>(std::max<size_t>(1, kGsoBytes / datagram));
  const uint64_t total = (p.bytes + payload - 1) / payload;  // datagrams
  std::vector<uint8_t> buf(kTxBatch * segments * datagram);
  std::vector<iovec> iov(kTxBatch);
  std::vector<mmsghdr> msgs(kTxBatch);
  std::vector<std::array<uint8_t, CMSG_SPACE(sizeof(uint16_t))>> ctrl(kTxBatch);
  bool gso = true;
  auto before = server_snapshot(control);
  const double cpu0 = process_cpu_seconds();
  const double t0 = now_seconds();
  uint64_t seq = 0, sent_bytes = 0;
  while (seq < total && now_seconds() - t0 < p.time_limit) {
    const unsigned per_msg = gso ? segments : 1;
    unsigned nmsg = 0;
    for (; nmsg < kTxBatch && seq < total; ++nmsg) {
      uint8_t* m = buf.data() + static_cast<size_t>(nmsg) * segments * datagram;
      unsigned segs = 0;
      for (; segs < per_msg && seq < total; ++segs, ++seq) {
        uint8_t* d = m + static_cast<size_t>(segs) * datagram;
        const uint64_t offset = seq * payload;
        std::memcpy(d, &run, 8);
        std::memcpy(d + 8, &offset, 8);
        pattern.fill(offset, {d + kUdpHeader, payload});
      }
      iov[nmsg] = {m, static_cast<size_t>(segs) * datagram};
      msgs[nmsg] = {};
      msgs[nmsg].msg_hdr.msg_iov = &iov[nmsg];
      msgs[nmsg].msg_hdr.msg_iovlen = 1;
      if (gso && segs > 1) {
        msgs[nmsg].msg_hdr.msg_control = ctrl[nmsg].data();
        msgs[nmsg].msg_hdr.msg_controllen = ctrl[nmsg].size();
        cmsghdr* c = CMSG_FIRSTHDR(&msgs[nmsg].msg_hdr);
        c->cmsg_level = IPPROTO_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        const auto seg = static_cast<uint16_t>(datagram);
        std::memcpy(CMSG_DATA(c), &seg, sizeof(seg));
      }
    }
    unsigned done = 0;
    while (done < nmsg) {
      int r = sendmmsg(fd, msgs.data() + done, nmsg - done, 0);
      if (r < 0) {
        if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN || errno == ECONNREFUSED) {
          if (errno == ECONNREFUSED) ++done;  // an ICMP from an earlier datagram; go on
          continue;
        }
        if (gso && (errno == EIO || errno == EINVAL)) {
          gso = false;  // no GSO here: resend this batch one datagram per message
          break;
        }
        out.error = "sendmmsg: " + std::string(std::strerror(errno));
        return out;
      }
      for (int i = 0; i < r; ++i) sent_bytes += iov[done + static_cast<unsigned>(i)].iov_len;
      done += static_cast<unsigned>(r);
    }
    if ((seq & 0xfff) < segments * kTxBatch)
      progress.update("raw udp: " + std::to_string(sent_bytes >> 20) + " MiB sent");
  }
  const double send_s = now_seconds() - t0;
  const double cpu = process_cpu_seconds() - cpu0;
  progress.clear();
  usleep(200'000);  // the receiver drains its queue
  auto after = server_snapshot(control);
  if (!after) {
    out.error = "control: " + after.message();
    return out;
  }
  out.info["gso"] = gso ? "GSO on" : "GSO off";
  out.info["udp_payload"] = "datagrams of " + std::to_string(datagram) + " B";
  if (after->udp_run != run || after->udp_datagrams == 0) {
    out.error = "the receiver saw none of this run's datagrams";
    return out;
  }
  const double rx_bytes = static_cast<double>(after->udp_bytes);
  const double rx_s = std::max(after->udp_last_s - after->udp_first_s, 1e-6);
  out.ok = true;
  out.verified = after->udp_bad == 0;
  if (!out.verified)
    out.error = std::to_string(after->udp_bad) + " datagrams failed the pattern check";
  out.set("bytes", rx_bytes);
  out.set("seconds", rx_s);
  out.set("gbit_per_s", rx_bytes * 8 / rx_s / 1e9);
  out.set("sent_gbit_per_s", static_cast<double>(sent_bytes) * 8 / send_s / 1e9);
  out.set("loss_pct",
          100.0 * (1.0 - static_cast<double>(after->udp_datagrams) / static_cast<double>(total)));
  out.set("client_cpu_s_per_gib", cpu / (static_cast<double>(sent_bytes) / kGiB));
  if (before) out.set("server_cpu_s_per_gib", (after->cpu_s - before->cpu_s) / (rx_bytes / kGiB));
  return out;
}

}  // namespace stoq::cli::bench

// The datapath: how UDP datagrams enter and leave an endpoint, behind one interface.
//
// Implementations: SocketDatapath (a kernel UDP socket: recvmmsg/sendmmsg, GSO, GRO,
// ECN, IP_PKTINFO) and LoopbackDatapath (two instances joined in memory, for tests).
// An AF_XDP datapath would be a third one (docs/datapath.md). What an implementation
// can do is reported by capabilities(); callers never need to branch on it for
// correctness, only for speed (e.g. packing equal-size packets back to back for GSO).
//
// Threading: a Datapath belongs to the thread that drives its event loop; no member
// function may be called concurrently with another on the same object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "stoq/address.h"
#include "stoq/error.h"

namespace stoq::io {

// Bitmask of datapath features. Append-only: bits are logged and compared in tests.
enum class Capability : uint32_t {
  kNone = 0,
  kBatchSyscalls = 1u << 0,    // several datagrams per system call (recvmmsg / sendmmsg)
  kGsoSend = 1u << 1,          // UDP_SEGMENT: one send hands the kernel many equal-size datagrams
  kGroReceive = 1u << 2,       // UDP_GRO: one receive may return many coalesced datagrams
  kEcn = 1u << 3,              // ECN codepoints are reported on receive and set on send
  kPktInfo = 1u << 4,          // ReceivedDatagram::local reported, OutgoingDatagram::source used
  kTxTime = 1u << 5,           // reserved (SO_TXTIME pacing); no implementation sets it
  kXdp = 1u << 6,              // reserved for the AF_XDP datapath
  kRxOverflowCount = 1u << 7,  // SO_RXQ_OVFL: kernel receive-queue drops are counted
};
inline constexpr Capability kLastCapability = Capability::kRxOverflowCount;
static_assert(static_cast<uint32_t>(kLastCapability) == 1u << 7, "Capability is append-only");

constexpr Capability operator|(Capability a, Capability b) noexcept {
  return static_cast<Capability>(static_cast<uint32_t>(a) | static_cast<uint32_t>(b));
}
constexpr Capability operator&(Capability a, Capability b) noexcept {
  return static_cast<Capability>(static_cast<uint32_t>(a) & static_cast<uint32_t>(b));
}
constexpr Capability without(Capability set, Capability c) noexcept {
  return static_cast<Capability>(static_cast<uint32_t>(set) & ~static_cast<uint32_t>(c));
}
constexpr bool has(Capability set, Capability c) noexcept {
  return (static_cast<uint32_t>(set) & static_cast<uint32_t>(c)) == static_cast<uint32_t>(c) &&
         c != Capability::kNone;
}
// "batch|gso|gro|ecn|pktinfo" (empty string for kNone), for logs.
std::string to_string(Capability set);

// ECN codepoints (RFC 3168), the low two bits of the TOS / traffic class byte.
inline constexpr uint8_t kEcnNotEct = 0;
inline constexpr uint8_t kEcnEct1 = 1;
inline constexpr uint8_t kEcnEct0 = 2;
inline constexpr uint8_t kEcnCe = 3;

struct ReceivedDatagram {
  SocketAddress remote;
  // The address the packet was sent to (IP_PKTINFO / IPV6_PKTINFO) with the socket's
  // port; on a dual-stack socket a v4 packet gives a v4-mapped IPv6 address, like
  // `remote`. Without kPktInfo this is the socket's bound address (maybe a wildcard).
  SocketAddress local;
  // Owned by the datapath: valid until the next receive() or the datapath's destruction.
  std::span<const uint8_t> data;
  uint8_t ecn = kEcnNotEct;  // always 0 without kEcn
};

struct OutgoingDatagram {
  SocketAddress remote;
  // Borrowed for the duration of send() only; the kernel (or the implementation) has
  // copied the bytes when send() returns.
  std::span<const uint8_t> data;
  uint8_t ecn = kEcnNotEct;  // set per datagram; ignored without kEcn
  // 0: `data` is one datagram. Otherwise `data` is a train of datagrams of this size,
  // the last one possibly shorter; it is sent with GSO when kGsoSend is on and split
  // into individual sends when not. The entry is sent all or nothing.
  uint16_t segment_size = 0;
  // The source address to send from (IP_PKTINFO / IPV6_PKTINFO), e.g. the `local` of the
  // datagram being answered, so a wildcard-bound server replies from the address the
  // client used. Empty (the default) or a wildcard: the kernel picks by route. Needs
  // kPktInfo; ignored without it. A v4 peer needs a v4 (or v4-mapped) source, a v6 peer
  // a v6 one; a mismatch is ignored. An address that is not local drops the datagram
  // (stats().send_errors).
  SocketAddress source;
};

// Counters since the datapath was opened. Monotonic; read them with stats().
struct DatapathStats {
  uint64_t receive_syscalls = 0;
  uint64_t send_syscalls = 0;
  uint64_t datagrams_received = 0;  // after GRO splitting
  uint64_t datagrams_sent = 0;      // individual datagrams, GSO trains counted per segment
  uint64_t bytes_received = 0;
  uint64_t bytes_sent = 0;
  uint64_t gro_super_datagrams = 0;  // coalesced buffers received (each holds >1 datagram)
  uint64_t gso_super_datagrams = 0;  // GSO sends (each carries >1 datagram)
  uint64_t gso_fallbacks = 0;        // the kernel refused GSO; kGsoSend was switched off
  uint64_t send_would_block = 0;     // datagrams not taken because of EAGAIN / ENOBUFS
  uint64_t send_errors = 0;          // datagrams dropped on a per-packet error (EMSGSIZE, ...)
  uint64_t receive_truncated = 0;    // datagrams larger than the receive slot, dropped
  uint64_t receive_overflow = 0;     // kernel receive-queue drops (kRxOverflowCount)
};

// What the kernel granted, which may differ from what DatapathConfig asked for.
struct SocketBufferSizes {
  // As getsockopt(SO_RCVBUF / SO_SNDBUF) reports them: Linux doubles the requested
  // value to account for its bookkeeping, so these are about 2× the usable payload.
  size_t receive = 0;
  size_t send = 0;
};

struct DatapathConfig {
  // Requested socket buffers; SO_RCVBUFFORCE / SO_SNDBUFFORCE are tried first (they
  // ignore net.core.rmem_max / wmem_max with CAP_NET_ADMIN), then SO_RCVBUF / SO_SNDBUF.
  // 0 leaves the kernel default.
  size_t receive_buffer = 4u << 20;
  size_t send_buffer = 4u << 20;
  // Each feature is tried when true and reported in capabilities() only if the kernel
  // accepted it; false forces it off (and is how tests exercise the fallback paths).
  bool gso = true;
  bool gro = true;
  bool ecn = true;
  bool pktinfo = true;
  bool batch_syscalls = true;     // recvmmsg/sendmmsg; false: one recvmsg/sendmsg per datagram
  bool rx_overflow_count = true;  // SO_RXQ_OVFL
  // Set DF and never fragment (IP_PMTUDISC_PROBE, IPV6_PMTUDISC_PROBE, IPV6_DONTFRAG):
  // QUIC runs its own path MTU discovery and its probes must not be fragmented.
  bool pmtud = true;
  // An IPv6 wildcard or IPv6 address accepts IPv4 peers (v4-mapped) when true.
  bool dual_stack = true;
  // Messages per recvmmsg and per sendmmsg call; each receive slot is 64 KiB (one
  // coalesced GRO buffer), so the receive memory is batch × 64 KiB, allocated at open.
  size_t batch = 64;
  // SO_REUSEPORT: several sockets (one per worker thread) bind the same address and the
  // kernel spreads flows between them by 4-tuple hash. Failure to set it is an error.
  bool reuse_port = false;
};

// Interface of every datapath. See docs/datapath.md for the ownership rules in one place.
class Datapath {
 public:
  virtual ~Datapath() = default;
  Datapath(const Datapath&) = delete;
  Datapath& operator=(const Datapath&) = delete;

  // A file descriptor that is readable (level-triggered) whenever receive() may return
  // datagrams; register it with EventLoop::add. Valid for the datapath's lifetime.
  virtual int fd() const noexcept = 0;
  // The bound address (a wildcard stays a wildcard; the port is the real one).
  virtual const SocketAddress& local_address() const noexcept = 0;
  virtual Capability capabilities() const noexcept = 0;
  virtual DatapathStats stats() const noexcept = 0;
  virtual SocketBufferSizes buffer_sizes() const noexcept = 0;
  // Largest number of OutgoingDatagram entries one send() handles in one system call
  // (larger batches are fine, they take several calls).
  virtual size_t send_batch() const noexcept = 0;

  // Receives what is ready now, without blocking. An empty span means nothing is ready
  // (wait for fd() to become readable). The span and every `data` in it are valid until
  // the next receive() or destruction. ICMP errors reported on the socket (port
  // unreachable, ...) are not errors here: QUIC treats the path by its own timers.
  // Fails (kSocketError, errno's text) only on a broken socket; the caller should log it
  // and may keep going.
  virtual Result<std::span<const ReceivedDatagram>> receive() = 0;
  // True when the last receive() found the socket queue empty behind what it returned
  // (a batched read came back short). With a level-triggered loop the caller can stop
  // reading instead of paying one more system call to learn it would block.
  virtual bool receive_drained() const noexcept { return false; }

  // Sends entries in order, as many as the kernel takes now; returns how many entries
  // were taken (a segment_size train counts as one entry). Entries past that number were
  // not sent because the socket buffer is full (stats().send_would_block counts their
  // datagrams): the caller may drop them (QUIC recovers them like losses) or send them
  // again later. A datagram the kernel refuses on its own (EMSGSIZE, unreachable) counts
  // as taken and is dropped (stats().send_errors). Buffers are the caller's again when
  // send() returns. Fails (kSocketError) only on a broken socket.
  virtual Result<size_t> send(std::span<const OutgoingDatagram> batch) = 0;

 protected:
  Datapath() = default;
};

}  // namespace stoq::io

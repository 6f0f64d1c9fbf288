// Ancillary data (cmsg) of UDP sockets: what STOQ reads on receive (ECN, destination
// address, GRO segment size, receive-queue drops) and writes on send (GSO segment size,
// ECN codepoint). Kept apart from the socket calls so the encodings are tested alone.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <optional>

#include "stoq/address.h"

namespace stoq::io::detail {

// Room for every control message STOQ asks for on one received datagram (TOS or TCLASS,
// IP_PKTINFO or IPV6_PKTINFO, UDP_GRO, SO_RXQ_OVFL) with margin.
inline constexpr size_t kReceiveControlBytes = 256;
// Room for UDP_SEGMENT, IP_TOS or IPV6_TCLASS, and IP_PKTINFO or IPV6_PKTINFO on one
// sent message.
inline constexpr size_t kSendControlBytes = 128;

struct ReceiveAncillary {
  uint8_t ecn = 0;
  uint16_t gro_segment = 0;  // 0: not coalesced
  std::optional<SocketAddress> local;
  std::optional<uint32_t> overflow;  // SO_RXQ_OVFL: the socket's cumulative drop count
};

// Reads the control messages of a received msghdr. `bound` is the socket's own address:
// its family decides how a v4 destination is expressed (v4-mapped on an IPv6 socket) and
// its port completes the local address.
ReceiveAncillary parse_receive_ancillary(const msghdr& msg, const SocketAddress& bound);

// True when a datagram to `remote` leaves through the IPv4 stack (an IPv4 address or a
// v4-mapped IPv6 one), whose per-packet options are IPPROTO_IP ones.
bool is_ipv4_path(const SocketAddress& remote) noexcept;

// Fills msg.msg_control / msg_controllen from `buffer` (kSendControlBytes, cmsghdr-aligned)
// with UDP_SEGMENT when `segment` > 0, the TOS / traffic-class byte when `ecn` > 0, and
// the source address when `source` is given, not a wildcard, and of the peer's stack.
// Leaves no control data when none is needed. Returns whether a source was written.
bool set_send_ancillary(msghdr& msg, char* buffer, const SocketAddress& remote, uint8_t ecn,
                        uint16_t segment, const SocketAddress* source = nullptr);

}  // namespace stoq::io::detail

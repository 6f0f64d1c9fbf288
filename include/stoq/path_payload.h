// Which largest UDP payload a connection sends: TransportConfig::max_udp_payload, or when
// that is 0 (the default), a size chosen from where the peer is.
#pragma once

#include <cstddef>

#include "stoq/address.h"

namespace stoq {

// 1500-byte Ethernet MTU less the IPv6 and UDP headers: what a path of unknown MTU gets.
inline constexpr size_t kEthernetMaxUdpPayload = 1452;
// A peer on this host is reached through the loopback interface (64 KiB MTU, no route
// that could shrink it): discovery may raise packets to 8 KiB, which halves the CPU a bulk
// transfer costs (docs/performance.md). Not more: ngtcp2 keeps, per connection, a decrypt
// buffer of the largest packet received rounded up to a power of two (8 KiB here, 2 KiB
// at 1452 bytes, 16 KiB at 8952, 64 KiB at 65487): set max_udp_payload for more.
inline constexpr size_t kLoopbackMaxUdpPayload = 8192;

// `configured` when non-zero; otherwise kLoopbackMaxUdpPayload for a loopback peer and
// kEthernetMaxUdpPayload for any other.
size_t effective_max_udp_payload(size_t configured, const SocketAddress& remote) noexcept;

}  // namespace stoq

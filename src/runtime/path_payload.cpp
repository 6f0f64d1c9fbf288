#include "stoq/path_payload.h"

namespace stoq {

size_t effective_max_udp_payload(size_t configured, const SocketAddress& remote) noexcept {
  if (configured != 0) return configured;
  return remote.is_loopback() ? kLoopbackMaxUdpPayload : kEthernetMaxUdpPayload;
}

}  // namespace stoq

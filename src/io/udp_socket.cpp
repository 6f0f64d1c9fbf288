#include "io/udp_socket.h"

namespace stoq::io {

Result<UdpSocket> UdpSocket::bind(const SocketAddress& addr) {
  DatapathConfig config;
  config.receive_buffer = 8u << 20;
  config.send_buffer = 8u << 20;
  config.batch = kBatch;
  auto dp = SocketDatapath::open(addr, config);
  if (!dp) return {dp.error(), dp.reason()};
  return UdpSocket(std::move(dp).value());
}

}  // namespace stoq::io

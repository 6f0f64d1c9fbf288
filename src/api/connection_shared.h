// State shared between the endpoint and the application's Connection handles.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "stoq/connection.h"

namespace stoq::quic {
class Connection;
struct StreamState;
}  // namespace stoq::quic

namespace stoq::detail {

class EndpointImpl;
class Messaging;

struct ConnectionShared {
  quic::Connection* conn = nullptr;  // null once the endpoint has released the connection
  EndpointImpl* endpoint = nullptr;
  bool established = false;
  std::function<void()> on_established;
  std::function<void(Stream)> on_stream;
  std::function<void(const CloseInfo&)> on_closed;
  std::function<void(std::span<const uint8_t>)> on_datagram;
  // Server: streams the client opened in 0-RTT, delivered once the handshake completes.
  std::vector<std::shared_ptr<quic::StreamState>> early_streams;
  ConnectionInfo last_info;  // kept for info() after the connection is gone
  CloseInfo close_info;
  // STOQ extension protocol on this connection (api/messaging.h); null when disabled.
  std::shared_ptr<Messaging> messaging;
};

}  // namespace stoq::detail

// State shared between the endpoint and the application's Connection handles.
#pragma once

#include <functional>
#include <memory>

#include "stoq/connection.h"

namespace stoq::quic {
class Connection;
}

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
  ConnectionInfo last_info;  // kept for info() after the connection is gone
  CloseInfo close_info;
  // STOQ extension protocol on this connection (api/messaging.h); null when disabled.
  std::shared_ptr<Messaging> messaging;
};

}  // namespace stoq::detail

// Creating and configuring the UDP socket of a SocketDatapath: buffer sizes, path MTU
// behaviour, dual stack, and the optional kernel features, each probed with setsockopt
// so that a refusal turns the matching capability off instead of failing the open.
#pragma once

#include "io/datapath.h"
#include "io/unique_fd.h"
#include "stoq/address.h"
#include "stoq/error.h"

namespace stoq::io::detail {

struct ConfiguredSocket {
  UniqueFd fd;
  SocketAddress local;      // from getsockname: the real port
  Capability capabilities;  // what the kernel accepted, within what the config allowed
  SocketBufferSizes buffers;
};

// socket() + options + bind(). Fails with kSocketError (errno's text) if the socket
// cannot be created or bound; optional features never fail the call.
Result<ConfiguredSocket> open_udp_socket(const SocketAddress& addr, const DatapathConfig& config);

}  // namespace stoq::io::detail

// What an endpoint takes from outside: how it opens its datapath, what time it is, and the
// loop that drives it. `system()` is the real one (SocketDatapath, the kernel's clocks, an
// epoll EventLoop per worker); a simulation gives many endpoints datapaths on a simulated
// network, one virtual clock and loops it drives itself from one thread
// (tests/support/sim_network.h). Endpoint::create uses system(); detail::create_endpoint
// takes any environment.
#pragma once

#include <functional>
#include <memory>

#include "io/clock.h"
#include "io/datapath.h"
#include "io/loop.h"
#include "stoq/endpoint.h"

namespace stoq::detail {

struct EndpointEnvironment {
  // Opens a datapath bound to `addr` (port 0: any free one; a wildcard address: every
  // local address). config.reuse_port: one of several workers sharing the address.
  std::function<Result<std::unique_ptr<io::Datapath>>(const SocketAddress& addr,
                                                      const io::DatapathConfig& config)>
      open_datapath;
  std::shared_ptr<const io::Clock> clock;
  // A loop for each worker; the loop's deadlines are on `clock`.
  std::function<Result<std::unique_ptr<io::Loop>>()> make_loop;
  // ngtcp2's random protocol decisions (not keys, not connection IDs). Null: the CSPRNG.
  // A simulation seeds it so that every run makes the same decisions.
  std::function<void(uint8_t* out, size_t len)> protocol_random;

  static EndpointEnvironment system();
};

// Endpoint::create with another environment. Errors as Endpoint::create, plus
// kInvalidArgument when a member of `env` is missing.
Result<Endpoint> create_endpoint(std::shared_ptr<Context> ctx, EndpointConfig config,
                                 const EndpointEnvironment& env);

}  // namespace stoq::detail

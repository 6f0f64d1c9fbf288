#include "api/environment.h"

#include "io/event_loop.h"
#include "io/socket_datapath.h"

namespace stoq::detail {

EndpointEnvironment EndpointEnvironment::system() {
  EndpointEnvironment env;
  env.open_datapath =
      [](const SocketAddress& addr,
         const io::DatapathConfig& config) -> Result<std::unique_ptr<io::Datapath>> {
    auto s = io::SocketDatapath::open(addr, config);
    if (!s) return {s.error(), s.reason()};
    return std::unique_ptr<io::Datapath>(std::move(s).value());
  };
  env.clock = std::make_shared<io::SystemClock>();
  env.make_loop = []() -> Result<std::unique_ptr<io::Loop>> {
    auto l = io::EventLoop::create();
    if (!l) return {l.error(), l.reason()};
    return std::unique_ptr<io::Loop>(std::move(l).value());
  };
  return env;
}

}  // namespace stoq::detail

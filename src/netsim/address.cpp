#include "netsim/address.h"

namespace stoq::netsim {

Expected<SocketAddress> parse_address(std::string_view text) {
  auto address = SocketAddress::parse_numeric(text);
  if (!address.ok()) return make_error(Errc::kInvalidAddress, address.reason());
  return *address;
}

}  // namespace stoq::netsim

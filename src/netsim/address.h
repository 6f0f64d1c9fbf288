// netsim's addresses are STOQ's own (stoq::SocketAddress, core). This parses the text the
// relay, its CLI and its control protocol accept — numeric only, no DNS, or
// "unix:/path" for a Unix datagram socket — with errors in netsim's category.
#pragma once

#include <string_view>

#include "netsim/result.h"
#include "stoq/address.h"

namespace stoq::netsim {

// SocketAddress::parse_numeric; errors are Errc::kInvalidAddress with a message naming
// the text.
Expected<SocketAddress> parse_address(std::string_view text);

}  // namespace stoq::netsim

// One qlog file per connection (the bytes come from ngtcp2's qlog writer, JSON-SEQ).
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "quic/connection_id.h"

namespace stoq::detail {

// A sink for quic::ConnectionParams::qlog writing <dir>/<cid hex>-<role>.sqlog, or an
// empty function (with `error` set) when the file cannot be created.
std::function<void(std::span<const uint8_t>, bool)> open_qlog_file(const std::string& dir,
                                                                   const quic::ConnectionId& cid,
                                                                   bool is_server,
                                                                   std::string& error);

}  // namespace stoq::detail

// What `stoq serve` does with each stream a client opens.
//   echo   - writes back every byte it receives, then finishes
//   sink   - reads everything, then answers "<sha256 hex> <byte count>\n"
//   source - reads a decimal byte count "N\n", then sends N bytes of the test pattern
#pragma once

#include <atomic>
#include <string>

#include "stoq/stoq.h"

namespace stoq::cli {

enum class ServeMode { kEcho, kSink, kSource };
bool parse_serve_mode(std::string_view text, ServeMode& out);

struct ServerStats {
  std::atomic<uint64_t> connections{0};
  std::atomic<uint64_t> streams{0};
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> bytes_out{0};
};

// Installs the per-stream behaviour on every connection the endpoint accepts.
// `on_connection_closed`, if set, runs when an accepted connection ends; `on_accepted`, if
// set, runs first for each accepted connection (e.g. to install message handlers).
void install_server(Endpoint& ep, ServeMode mode, ServerStats& stats,
                    std::function<void(const ConnectionInfo&, const CloseInfo&)> on_closed = {},
                    std::function<void(Connection)> on_accepted = {});

}  // namespace stoq::cli

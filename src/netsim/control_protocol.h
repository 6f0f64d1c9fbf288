// The relay's control protocol: one request per datagram, one JSON reply per request.
// Parsing is pure (no sockets) so it is unit-tested on its own; Relay executes commands.
//
// Text requests (whitespace-separated words, the configuration is the rest of the line):
//   stats                           configuration and counters of both directions
//   set up|down|both CONFIG         replace the direction's settings (seed is kept unless
//                                   CONFIG sets one); CONFIG in compact or JSON form
//   update up|down|both CONFIG      change only the keys given in CONFIG
//   rebind [CLIENT]                 new upstream source port for CLIENT, or every client
//   clients                         list client mappings
//   help                            list commands
// JSON requests: {"cmd": "set", "dir": "up", "config": "loss=1%"} — "config" may also be
// a JSON object; "client" names the client for rebind.
//
// Replies: {"ok": true, ...} or {"ok": false, "error": "...", "code": N} (N is Errc).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "netsim/address.h"
#include "netsim/result.h"

namespace stoq::netsim {

// Largest request accepted; longer datagrams are rejected as a whole.
inline constexpr std::size_t kMaxControlRequestBytes = 8192;

struct ControlCommand {
  enum class Kind { kStats, kSet, kUpdate, kRebind, kClients, kHelp };
  Kind kind = Kind::kStats;
  bool up = false;                      // set/update apply to the up direction
  bool down = false;                    // ... and/or the down direction
  std::string config;                   // set/update: compact or JSON text
  std::optional<SocketAddress> client;  // rebind: one client; nullopt = all
};

// Errors: Errc::kInvalidCommand naming what was wrong; Errc::kInvalidAddress for a bad
// rebind client. The configuration text itself is checked when the command executes.
Expected<ControlCommand> parse_control_command(std::string_view request);

// The help text returned for "help".
std::string_view control_help() noexcept;

}  // namespace stoq::netsim

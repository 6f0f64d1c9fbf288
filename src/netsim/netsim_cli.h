// Entry point for the `stoq netsim` sub-command. The CLI parses flags (CLI11) into
// NetsimCliOptions and calls run_netsim_cli_config(); everything else — address and
// configuration parsing, the relay, periodic and final reports — happens here.
#pragma once

#include <atomic>
#include <cstddef>
#include <iosfwd>
#include <string>

namespace stoq::netsim {

struct NetsimCliOptions {
  std::string listen;               // --listen ADDR     client-facing, e.g. 127.0.0.1:4434
  std::string upstream;             // --upstream ADDR   the server, e.g. 127.0.0.1:4433
  std::string up;                   // --up CONFIG       client -> server settings (compact or JSON)
  std::string down;                 // --down CONFIG     server -> client settings
  std::string control;              // --control ADDR    UDP ip:port or unix:/path; empty: none
  std::string control_secret_file;  // --control-secret-file F: read, or created if missing;
                                    //   empty: a random secret printed at start
  bool control_allow_remote = false;  // --control-allow-remote: a non-loopback --control
  std::size_t max_clients = 1024;     // --max-clients N
  double idle_timeout_seconds = 60;   // --idle-timeout SECONDS
  double stats_interval_seconds = 0;  // --stats-interval SECONDS (0: only at exit)
  bool json = false;                  // --json: reports as one JSON object per line
};

// Exit codes of run_netsim_cli_config.
inline constexpr int kNetsimExitOk = 0;
inline constexpr int kNetsimExitRuntimeError = 1;  // sockets failed while running
inline constexpr int kNetsimExitUsage = 2;         // bad address or configuration

// Runs the relay in the calling thread until `stop_requested` becomes true (the caller
// sets it from a SIGINT/SIGTERM handler; it is checked at least every 100 ms). Writes the
// listening addresses at start (and the control secret when it was generated without a
// file), counters every stats interval and at exit to `out`, and errors to `err`. Returns one of
// the kNetsimExit* codes; never throws.
int run_netsim_cli_config(const NetsimCliOptions& options, const std::atomic<bool>& stop_requested,
                          std::ostream& out, std::ostream& err);

}  // namespace stoq::netsim

// Transport flags shared by stoq serve / send: congestion control, Retry, 0-RTT, session
// file, qlog, per-source limit, static key.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "stoq/stoq.h"

namespace stoq::cli {

struct TransportOptions {
  std::string cc = "cubic";
  std::string qlog_dir;
  bool early_data = false;
  size_t max_udp_payload = TransportConfig{}.max_udp_payload;
  uint64_t glitch_budget = 0;  // 0: by role (TransportConfig::glitch_budget)
  // Server.
  std::string retry = "auto";
  size_t max_per_source = 0;
  unsigned session_tickets = TransportConfig{}.session_tickets;
  std::string static_key_file;
  // Client.
  std::string session_file;
};

void add_transport_options(CLI::App& app, TransportOptions& o, bool server);
// --max-udp-payload alone (stoq bench has no other transport flags).
void add_max_udp_payload_option(CLI::App& app, size_t& value);
// Fills cfg.transport / session_cache / static_key. The session cache, if any, is
// returned so that the caller can save it when done.
Result<std::shared_ptr<MemorySessionCache>> apply_transport_options(const TransportOptions& o,
                                                                    EndpointConfig& cfg);

}  // namespace stoq::cli

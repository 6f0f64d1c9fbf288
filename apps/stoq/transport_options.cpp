#include "transport_options.h"

#include <fstream>
#include <iterator>

#include "wipe.h"

namespace stoq::cli {

void add_max_udp_payload_option(CLI::App& app, size_t& value) {
  app.add_option("--max-udp-payload", value,
                 "Largest UDP payload to send (1200..65527); above 1452, Path MTU Discovery "
                 "probes up to it (e.g. 65527 on loopback, 8952 on 9000-byte jumbo frames). "
                 "0: by path, 8192 to a loopback peer, 1452 to others")
      ->check(CLI::Range(size_t{0}, size_t{0}) | CLI::Range(size_t{1200}, size_t{65527}))
      ->capture_default_str();
}

void add_transport_options(CLI::App& app, TransportOptions& o, bool server) {
  app.add_option("--cc", o.cc, "Congestion control: cubic, bbr, reno")
      ->check(CLI::IsMember({"cubic", "bbr", "reno"}))
      ->capture_default_str();
  app.add_option("--qlog-dir", o.qlog_dir, "Write one qlog file (JSON-SEQ) per connection here")
      ->check(CLI::ExistingDirectory);
  app.add_flag("--early-data", o.early_data,
               server ? "Accept 0-RTT data (tickets become single-use)"
                      : "Send data in 0-RTT when resuming (replayable: idempotent data only)");
  add_max_udp_payload_option(app, o.max_udp_payload);
  app.add_option("--glitch-budget", o.glitch_budget,
                 "Duplicate/suspicious frames tolerated before the peer is closed as abusive "
                 "(refilled at a tenth per second). 0: 200000 for a client, ngtcp2's default "
                 "(10000) for a server; raise it on a server taking uploads over reordering paths")
      ->capture_default_str();
  if (server) {
    app.add_option("--retry", o.retry, "Stateless Retry: never, always, auto (under load)")
        ->check(CLI::IsMember({"never", "always", "auto"}))
        ->capture_default_str();
    app.add_option("--max-per-source", o.max_per_source,
                   "Concurrent connections per client IP (0 = no limit)");
    app.add_option("--session-tickets", o.session_tickets,
                   "TLS session tickets sent after each handshake (0 = none)")
        ->check(CLI::Range(0u, TransportConfig::kMaxSessionTickets))
        ->capture_default_str();
    app.add_option("--static-key", o.static_key_file,
                   "32-byte key file for stateless resets and tokens (survives restarts)")
        ->check(CLI::ExistingFile);
  } else {
    app.add_option("--session-file", o.session_file,
                   "Keep session tickets and tokens in this file (resumption across runs)");
  }
}

Result<std::shared_ptr<MemorySessionCache>> apply_transport_options(const TransportOptions& o,
                                                                    EndpointConfig& cfg) {
  auto& t = cfg.transport;
  if (!parse_congestion_control(o.cc, t.congestion_control)) {
    return {Errc::kInvalidArgument, "bad --cc " + o.cc};
  }
  if (!parse_retry_policy(o.retry, t.retry))
    return {Errc::kInvalidArgument, "bad --retry " + o.retry};
  t.qlog_dir = o.qlog_dir;
  t.early_data = o.early_data;
  t.max_udp_payload = o.max_udp_payload;
  t.glitch_budget = o.glitch_budget;
  t.max_connections_per_source = o.max_per_source;
  t.session_tickets = o.session_tickets;
  if (!o.static_key_file.empty()) {
    std::ifstream f(o.static_key_file, std::ios::binary);
    std::vector<uint8_t> key((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const WipeOnExit wipe_key(key);  // a wrong-sized one; a good one is moved out below
    if (key.size() != 32) {
      return {Errc::kInvalidArgument, o.static_key_file + ": a static key is exactly 32 bytes (" +
                                          std::to_string(key.size()) + " found)"};
    }
    cfg.static_key = std::move(key);
  }
  std::shared_ptr<MemorySessionCache> cache;
  if (!o.session_file.empty()) {
    cache = std::make_shared<MemorySessionCache>();
    if (auto st = cache->load(o.session_file); !st) return {st.error(), st.reason()};
    cfg.session_cache = cache;
  }
  return cache;
}

}  // namespace stoq::cli

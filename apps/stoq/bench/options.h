// Options of `stoq bench` (every flag is documented in docs/performance.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "cli_common.h"

namespace stoq::cli::bench {

enum class Mode { kThroughput, kRr, kHandshake, kScale };
const char* to_string(Mode m);
bool parse_mode(const std::string& text, Mode& out);

// What a client run measures.
struct BenchParams {
  Mode mode = Mode::kThroughput;
  uint64_t bytes = 256ull << 20;  // throughput: total over all connections
  unsigned connections = 1;       // throughput: parallel connections; scale: N
  bool download = false;          // throughput direction
  size_t request_size = 64;       // rr
  uint64_t count = 0;             // rr requests / handshakes (0 = mode default)
  unsigned concurrency = 0;       // handshakes / scale ramp in flight (0 = mode default)
  double time_limit = 120;        // seconds, per measurement
  bool baseline = false;          // also run TCP + TLS and raw UDP
  unsigned repeat = 1;
  bool progress = false;  // progress line on stderr
  std::string kex = "hybrid-required";
  size_t max_udp_payload = TransportConfig{}.max_udp_payload;  // both sides
  bool resume = false;  // handshake / scale: resume sessions (default: full handshakes)
};

// Where the client finds the server and how it trusts it.
struct ClientTarget {
  std::string address;  // host:port of the STOQ endpoint (UDP); TCP uses the same port
  TlsOptions tls;       // ca / pins / server_name / insecure / kex
};

}  // namespace stoq::cli::bench

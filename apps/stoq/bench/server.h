// `stoq bench server`: one process serving every bench mode and baseline:
//   - a STOQ endpoint (UDP) answering the requests of protocol.h on every stream;
//   - on the same port number over TCP: TLS 1.3 with the same certificate and requests
//     (the baseline), and the plain-text control channel (process CPU time, RSS,
//     connection counts, raw UDP receiver counters);
//   - a raw UDP receiver (udp.h) on a port the control channel reports.
#pragma once

#include <string>

#include "cli_common.h"

namespace stoq::cli::bench {

struct ServerOptions {
  CommonOptions common;
  TlsOptions tls;
  std::string listen = "127.0.0.1:4433";
  size_t max_connections = 200'000;
  double idle_timeout = 600;  // seconds (scale runs keep connections idle a long time)
  double duration = 0;        // 0 = until SIGINT / SIGTERM
  size_t max_udp_payload = TransportConfig{}.max_udp_payload;
};

// Runs until signalled or `duration` passes; returns an exit code (docs/cli.md).
int run_bench_server(const ServerOptions& o);

}  // namespace stoq::cli::bench

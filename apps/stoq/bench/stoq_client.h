// The STOQ side of `stoq bench client`: each function makes its own client Endpoint, runs
// one measurement against a `stoq bench server` and returns one Sample.
#pragma once

#include <memory>

#include "bench/options.h"
#include "bench/progress.h"
#include "bench/sample.h"
#include "stoq/stoq.h"

namespace stoq::cli::bench {

struct StoqClientSetup {
  std::shared_ptr<Context> ctx;
  EndpointConfig config;  // TLS trust and kex policy of the client
  SocketAddress server;
  std::string server_name;
  std::string control;  // host:port of the control channel (TCP, same port as the server)
};

Sample stoq_throughput(const StoqClientSetup& s, const BenchParams& p, Progress& progress);
Sample stoq_rr(const StoqClientSetup& s, const BenchParams& p, Progress& progress);
Sample stoq_handshake(const StoqClientSetup& s, const BenchParams& p, Progress& progress);
Sample stoq_scale(const StoqClientSetup& s, const BenchParams& p, Progress& progress);

}  // namespace stoq::cli::bench

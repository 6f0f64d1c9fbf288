// stoq bench: throughput, request/response latency, handshake rate and connection scale,
// with kernel TCP + TLS and raw UDP baselines side by side (docs/performance.md).
//   stoq bench server ...              the server side, in its own process
//   stoq bench client MODE ADDR ...    the client side against it
//   stoq bench MODE ...                both: starts a server on loopback, runs, stops it
#include "bench/client.h"
#include "bench/options.h"
#include "bench/server.h"
#include "bench/spawn.h"
#include "cli_common.h"
#include "commands.h"
#include "transport_options.h"

namespace stoq::cli {
namespace {

using bench::Mode;

struct BenchCli {
  CommonOptions common;
  bench::BenchParams params;
  bench::ClientTarget target;
  bench::ServerOptions server;
  std::string mode;
  std::string bytes = "256MiB";
  std::string direction = "up";
  std::string cert_type = "ed25519";
  std::string cert_chain;  // empty: stoq cert's default
};

void add_params(CLI::App& cmd, BenchCli& o, bool all, Mode m) {
  add_common_options(cmd, o.common);
  auto& p = o.params;
  if (all || m == Mode::kThroughput) {
    cmd.add_option("-n,--bytes", o.bytes, "Bytes to move, over all connections (K, M, G)")
        ->capture_default_str();
    cmd.add_option("--direction", o.direction, "up (client sends) | down (server sends)")
        ->check(CLI::IsMember({"up", "down"}))
        ->capture_default_str();
  }
  if (all || m == Mode::kThroughput || m == Mode::kScale) {
    cmd.add_option("-c,--connections", p.connections,
                   "Parallel connections (throughput, default 1; scale, default 1000)");
  }
  if (all || m == Mode::kRr) {
    cmd.add_option("--size", p.request_size, "Request (and response) size in bytes")
        ->check(CLI::Range(size_t{1}, size_t{1} << 20))
        ->capture_default_str();
  }
  if (all || m == Mode::kRr || m == Mode::kHandshake) {
    cmd.add_option("--count", p.count, "Requests (rr, default 20000) or handshakes (default 500)");
  }
  if (all || m == Mode::kHandshake || m == Mode::kScale) {
    cmd.add_option("--concurrency", p.concurrency,
                   "Handshakes in flight (handshake, default 8; scale, default 64)");
    cmd.add_flag("--resume", p.resume,
                 "Resume sessions with the tickets of earlier connections (STOQ and TCP+TLS); "
                 "default: every connection a full first-contact handshake");
  }
  cmd.add_option("--kex", p.kex,
                 "hybrid-required (X25519MLKEM768) | classical (X25519) | hybrid-preferred")
      ->check(CLI::IsMember({"hybrid-required", "hybrid-preferred", "classical"}))
      ->capture_default_str();
  add_max_udp_payload_option(cmd, p.max_udp_payload);
  cmd.add_flag("--baseline", p.baseline, "Also run kernel TCP + TLS 1.3 and raw UDP, with ratios");
  cmd.add_option("--repeat", p.repeat, "Repetitions; the report shows medians")
      ->check(CLI::Range(1u, 100u))
      ->capture_default_str();
  cmd.add_option("--time-limit", p.time_limit, "Give up on one measurement after this many seconds")
      ->capture_default_str();
  cmd.add_flag("--progress", p.progress, "Progress line on stderr even when it is not a terminal");
}

// Fills in what the options left as strings; false (with a message) on bad values.
bool finish_params(BenchCli& o, Mode m) {
  o.params.mode = m;
  auto size = parse_size(o.bytes);
  if (!size || *size == 0) {
    print_error("bench", size ? "--bytes must be positive" : size.message());
    return false;
  }
  o.params.bytes = *size;
  o.params.download = o.direction == "down";
  if (o.params.connections == 0) o.params.connections = 1;
  o.target.tls.kex = o.params.kex;
  return true;
}

int run_single(BenchCli& o, Mode m) {
  if (!finish_params(o, m)) return kExitUsage;
  auto server = bench::SpawnedServer::start(o.cert_type, o.cert_chain, o.params.kex,
                                            o.params.max_udp_payload, o.common.verbosity);
  if (!server) {
    print_error("bench", server.message());
    return server.error() == Errc::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  o.target.address = (*server)->address();
  o.target.tls.ca = (*server)->ca_file();
  o.target.tls.server_name = "localhost";
  return bench::run_bench_client(o.common, o.target, o.params);
}

int run_client(BenchCli& o) {
  Mode m;
  if (!bench::parse_mode(o.mode, m)) {
    print_error("bench", "unknown mode " + o.mode);
    return kExitUsage;
  }
  if (!finish_params(o, m)) return kExitUsage;
  return bench::run_bench_client(o.common, o.target, o.params);
}

}  // namespace

void register_bench(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<BenchCli>();
  auto* bench = app.add_subcommand(
      "bench", "Benchmarks: throughput, rr, handshake, scale (with --baseline: TCP+TLS, raw UDP)");
  bench->require_subcommand(1);

  auto* server = bench->add_subcommand("server", "The server side of stoq bench client");
  add_common_options(*server, o->server.common);
  add_tls_options(*server, o->server.tls, true);
  server->add_option("-l,--listen", o->server.listen, "STOQ (UDP) address; TCP uses the same port")
      ->capture_default_str();
  server->add_option("--max-connections", o->server.max_connections, "Concurrent STOQ connections")
      ->capture_default_str();
  server->add_option("--idle-timeout", o->server.idle_timeout, "Connection idle timeout, seconds")
      ->capture_default_str();
  add_max_udp_payload_option(*server, o->server.max_udp_payload);
  server->add_option("--duration", o->server.duration,
                     "Exit after this many seconds (0 = until signalled)");
  server->callback([o, &exit_code] { exit_code = bench::run_bench_server(o->server); });

  auto* client = bench->add_subcommand("client", "Run one mode against a stoq bench server");
  client->add_option("mode", o->mode, "throughput | rr | handshake | scale")
      ->required()
      ->check(CLI::IsMember({"throughput", "rr", "handshake", "scale"}));
  client
      ->add_option("server", o->target.address, "Address of stoq bench server, e.g. 127.0.0.1:4433")
      ->required();
  client->add_option("--ca", o->target.tls.ca, "CA certificates (PEM) of the server's chain");
  client->add_option("--pin", o->target.tls.pins,
                     "Accept the server whose leaf SPKI has this SHA-256");
  client->add_option("--server-name", o->target.tls.server_name,
                     "Name to verify in the certificate");
  client->add_flag("--insecure", o->target.tls.insecure, "Do not verify the server (testing only)");
  add_params(*client, *o, true, Mode::kThroughput);
  client->callback([o, &exit_code] { exit_code = run_client(*o); });

  const std::pair<const char*, Mode> modes[] = {{"throughput", Mode::kThroughput},
                                                {"rr", Mode::kRr},
                                                {"handshake", Mode::kHandshake},
                                                {"scale", Mode::kScale}};
  const char* help[] = {"Bulk transfer, verified: Gbit/s and CPU-seconds per GiB on each side",
                        "Request/response latency: p50/p90/p99/p99.9 from a histogram",
                        "New connections per second and handshake latency",
                        "N concurrent connections: memory per connection, accept rate, all answer"};
  for (size_t i = 0; i < 4; ++i) {
    auto* cmd = bench->add_subcommand(modes[i].first, help[i]);
    add_params(*cmd, *o, false, modes[i].second);
    cmd->add_option("--cert-type", o->cert_type, "Server certificate type (any stoq cert --type)")
        ->capture_default_str();
    cmd->add_option("--cert-chain", o->cert_chain,
                    "leaf | full: what the server sends (passed to stoq cert --chain)");
    cmd->callback([o, &exit_code, m = modes[i].second] { exit_code = run_single(*o, m); });
  }
}

namespace bench {

const char* to_string(Mode m) {
  switch (m) {
    case Mode::kThroughput:
      return "throughput";
    case Mode::kRr:
      return "rr";
    case Mode::kHandshake:
      return "handshake";
    case Mode::kScale:
      return "scale";
  }
  return "?";
}

bool parse_mode(const std::string& text, Mode& out) {
  for (Mode m : {Mode::kThroughput, Mode::kRr, Mode::kHandshake, Mode::kScale}) {
    if (text == to_string(m)) {
      out = m;
      return true;
    }
  }
  return false;
}

}  // namespace bench
}  // namespace stoq::cli

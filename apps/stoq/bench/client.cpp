#include "bench/client.h"

#include <cstdio>

#include "bench/protocol.h"
#include "bench/report.h"
#include "bench/stoq_client.h"
#include "bench/tls.h"
#include "bench/udp.h"

namespace stoq::cli::bench {
namespace {

Sample run_stoq(const StoqClientSetup& s, const BenchParams& p, Progress& pr) {
  switch (p.mode) {
    case Mode::kThroughput:
      return stoq_throughput(s, p, pr);
    case Mode::kRr:
      return stoq_rr(s, p, pr);
    case Mode::kHandshake:
      return stoq_handshake(s, p, pr);
    case Mode::kScale:
      return stoq_scale(s, p, pr);
  }
  return {};
}

Sample run_tls(const TlsClientSetup& s, const BenchParams& p, Progress& pr) {
  switch (p.mode) {
    case Mode::kThroughput:
      return tls_throughput(s, p, pr);
    case Mode::kRr:
      return tls_rr(s, p, pr);
    case Mode::kHandshake:
      return tls_handshake(s, p, pr);
    case Mode::kScale:
      break;
  }
  return {};
}

}  // namespace

int run_bench_client(const CommonOptions& common, const ClientTarget& target,
                     const BenchParams& params) {
  auto ctx = make_context(common);
  if (!ctx) {
    print_error("bench", ctx.message());
    return kExitFailure;
  }
  auto tls = make_tls_config(target.tls);
  auto addr = SocketAddress::parse(target.address);
  if (!tls || !addr) {
    print_error("bench", !tls ? tls.message() : addr.message());
    return kExitUsage;
  }
  StoqClientSetup stoq_setup;
  stoq_setup.ctx = *ctx;
  stoq_setup.config.tls = *tls;
  stoq_setup.config.transport.max_udp_payload = params.max_udp_payload;
  stoq_setup.server = *addr;
  stoq_setup.server_name = target.tls.server_name;
  stoq_setup.control = addr->to_string();
  // The server must be there before anything is measured.
  auto snap = server_snapshot(stoq_setup.control);
  if (!snap) {
    print_error("bench", "no stoq bench server at " + stoq_setup.control + ": " + snap.message());
    return kExitFailure;
  }
  const bool tls_baseline = params.baseline && params.mode != Mode::kScale;
  const bool udp_baseline = params.baseline && params.mode == Mode::kThroughput && !params.download;
  SslCtxPtr ssl;
  if (tls_baseline) {
    auto s = make_tls_client_ctx(**ctx, target.tls.ca, params.kex);
    if (!s) {
      print_error("bench", s.message());
      return kExitUsage;
    }
    ssl = std::move(*s);
  }
  TlsClientSetup tls_setup{ssl.get(), *addr, target.tls.server_name, stoq_setup.control};
  Report report;
  report.params = params;
  report.library_versions = (*ctx)->library_versions();
  report.series.push_back({"stoq", {}});
  if (tls_baseline) report.series.push_back({"tcp_tls", {}});
  if (udp_baseline) report.series.push_back({"udp_raw", {}});
  Progress progress(params.progress);
  // Repetitions interleave the systems, so slow drift of the machine hits all of them alike.
  for (unsigned rep = 0; rep < std::max(1u, params.repeat); ++rep) {
    for (auto& s : report.series) {
      if (s.system == "stoq")
        s.runs.push_back(run_stoq(stoq_setup, params, progress));
      else if (s.system == "tcp_tls")
        s.runs.push_back(run_tls(tls_setup, params, progress));
      else
        s.runs.push_back(udp_blast(*addr, snap->udp_port, stoq_setup.control, params, progress));
    }
  }
  progress.clear();
  print_report(report, common.json);
  bool ok = true, verified = true;
  for (const auto& s : report.series) {
    ok &= s.all_ok();
    verified &= s.all_verified();
  }
  if (!ok) return kExitFailure;
  return verified ? kExitOk : kExitVerifyFailed;
}

}  // namespace stoq::cli::bench

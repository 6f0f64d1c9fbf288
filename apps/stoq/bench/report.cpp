#include "bench/report.h"

#include <cstdio>

#include <nlohmann/json.hpp>

namespace stoq::cli::bench {
namespace {

const char* label(const std::string& system) {
  if (system == "tcp_tls") return "tcp+tls";
  if (system == "udp_raw") return "raw udp";
  return system.c_str();
}

std::string describe(const BenchParams& p) {
  char buf[256];
  switch (p.mode) {
    case Mode::kThroughput:
      std::snprintf(buf, sizeof(buf), "%u connection%s, %s, %.1f MiB", p.connections,
                    p.connections == 1 ? "" : "s", p.download ? "download" : "upload",
                    static_cast<double>(p.bytes) / 1048576.0);
      break;
    case Mode::kRr:
      std::snprintf(buf, sizeof(buf), "%zu-byte requests, echoed", p.request_size);
      break;
    case Mode::kHandshake:
      std::snprintf(buf, sizeof(buf), "new connections (one at a time, then %u in flight)",
                    p.concurrency ? p.concurrency : 8);
      break;
    case Mode::kScale:
      std::snprintf(buf, sizeof(buf), "%u concurrent connections",
                    p.connections > 1 ? p.connections : 1000);
      break;
  }
  return buf;
}

nlohmann::json sample_json(const Sample& s) {
  nlohmann::json j = {{"ok", s.ok}, {"verified", s.verified}, {"values", s.values}};
  if (!s.error.empty()) j["error"] = s.error;
  if (!s.info.empty()) j["info"] = s.info;
  return j;
}

}  // namespace

std::vector<std::string> metrics_of(Mode m) {
  switch (m) {
    case Mode::kThroughput:
      return {"gbit_per_s", "client_cpu_s_per_gib", "server_cpu_s_per_gib", "seconds"};
    case Mode::kRr:
      return {"p50_us", "p90_us", "p99_us", "p999_us", "max_us", "requests_per_s"};
    case Mode::kHandshake:
      return {"handshakes_per_s",
              "p50_us",
              "p99_us",
              "loaded_p50_us",
              "loaded_p99_us",
              "sequential_per_s",
              "client_cpu_us_per_hs",
              "server_cpu_us_per_hs",
              "resumed"};
    case Mode::kScale:
      return {"connections",
              "established",
              "answered",
              "accept_per_s",
              "client_kib_per_conn",
              "server_kib_per_conn",
              "client_kib_per_used_conn",
              "server_kib_per_used_conn",
              "answer_round_s"};
  }
  return {};
}

void print_report(const Report& r, bool json) {
  const auto keys = metrics_of(r.params.mode);
  const Series* stoq = r.series.empty() ? nullptr : &r.series.front();
  if (json) {
    nlohmann::json j;
    j["mode"] = to_string(r.params.mode);
    j["params"] = {{"bytes", r.params.bytes},
                   {"connections", r.params.connections},
                   {"direction", r.params.download ? "down" : "up"},
                   {"request_size", r.params.request_size},
                   {"count", r.params.count},
                   {"concurrency", r.params.concurrency},
                   {"kex", r.params.kex},
                   {"max_udp_payload", r.params.max_udp_payload},
                   {"resume", r.params.resume},
                   {"repeat", r.params.repeat},
                   {"baseline", r.params.baseline}};
    j["versions"] = r.library_versions;
    bool verified = true;
    for (const auto& s : r.series) {
      nlohmann::json sj;
      sj["ok"] = s.all_ok();
      sj["verified"] = s.all_verified();
      verified &= s.all_verified();
      nlohmann::json med = nlohmann::json::object();
      for (const auto& [k, v] :
           s.runs.empty() ? std::map<std::string, double>{} : s.runs[0].values) {
        if (auto m = s.median(k)) med[k] = *m;
      }
      sj["median"] = med;
      if (!s.runs.empty() && !s.runs[0].info.empty()) sj["info"] = s.runs[0].info;
      sj["runs"] = nlohmann::json::array();
      for (const auto& run : s.runs) sj["runs"].push_back(sample_json(run));
      if (stoq != nullptr && &s != stoq) {
        nlohmann::json ratio = nlohmann::json::object();
        for (const auto& k : keys) {
          auto a = stoq->median(k), b = s.median(k);
          if (a && b && *b != 0) ratio[k] = *a / *b;
        }
        sj["stoq_ratio"] = ratio;
      }
      j["systems"][s.system] = sj;
    }
    j["verified"] = verified;
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf("stoq bench %s: %s, kex %s, %u repetition%s (medians)\n", to_string(r.params.mode),
              describe(r.params).c_str(), r.params.kex.c_str(), r.params.repeat,
              r.params.repeat == 1 ? "" : "s");
  std::printf("  %s\n", r.library_versions.c_str());
  for (const auto& s : r.series) {
    if (s.runs.empty()) continue;
    const auto& info = s.runs[0].info;
    std::string line;
    for (const char* k : {"tls_group", "cipher_suite", "server_signature", "session", "udp_payload",
                          "gso", "note"}) {
      auto it = info.find(k);
      if (it != info.end() && !it->second.empty()) line += (line.empty() ? "" : ", ") + it->second;
    }
    if (!line.empty()) std::printf("  %-8s %s\n", label(s.system), line.c_str());
  }
  std::printf("  %-26s", "metric");
  for (const auto& s : r.series) {
    std::printf(" %12s", label(s.system));
    if (&s != stoq)
      std::printf(" %12s", (std::string("stoq/") + label(s.system)).substr(0, 12).c_str());
  }
  std::printf("\n");
  for (const auto& k : keys) {
    bool any = false;
    for (const auto& s : r.series) any |= s.median(k).has_value();
    if (!any) continue;
    std::printf("  %-26s", k.c_str());
    for (const auto& s : r.series) {
      auto m = s.median(k);
      if (m)
        std::printf(" %12.3f", *m);
      else
        std::printf(" %12s", "-");
      if (&s != stoq) {
        auto a = stoq ? stoq->median(k) : std::nullopt;
        if (a && m && *m != 0)
          std::printf(" %11.2fx", *a / *m);
        else
          std::printf(" %12s", "-");
      }
    }
    std::printf("\n");
  }
  std::printf("  %-26s", "verified");
  for (const auto& s : r.series) {
    std::printf(" %12s", s.all_verified() ? "yes" : "NO");
    if (&s != stoq) std::printf(" %12s", "");
  }
  std::printf("\n");
  for (const auto& s : r.series) {
    for (const auto& run : s.runs) {
      if (!run.error.empty()) std::printf("  %s: %s\n", label(s.system), run.error.c_str());
    }
  }
}

}  // namespace stoq::cli::bench

// One measurement of one system (STOQ, TCP + TLS, raw UDP) in one bench mode, and the
// medians over repetitions that the report prints.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace stoq::cli::bench {

struct Sample {
  bool ok = false;        // the run completed
  bool verified = false;  // every byte / answer was checked and correct
  std::string error;
  std::map<std::string, double> values;     // metric name -> value (units in the name)
  std::map<std::string, std::string> info;  // negotiated group, cipher, notes

  void set(const std::string& key, double v) { values[key] = v; }
  std::optional<double> get(const std::string& key) const;
};

// All repetitions of one system.
struct Series {
  std::string system;  // "stoq", "tcp_tls", "udp_raw"
  std::vector<Sample> runs;

  bool all_ok() const;
  bool all_verified() const;
  // Median of `key` over the runs that have it.
  std::optional<double> median(const std::string& key) const;
};

}  // namespace stoq::cli::bench

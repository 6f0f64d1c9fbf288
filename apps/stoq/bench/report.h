// Printing `stoq bench` results: a table of medians with each baseline's figure and the
// ratio STOQ / baseline, or one JSON object (--json) with every repetition.
#pragma once

#include <string>
#include <vector>

#include "bench/options.h"
#include "bench/sample.h"

namespace stoq::cli::bench {

struct Report {
  BenchParams params;
  std::string library_versions;
  std::vector<Series> series;  // stoq first, then the baselines that ran
};

void print_report(const Report& r, bool json);
// Metric names of a mode, in the order the table shows them.
std::vector<std::string> metrics_of(Mode m);

}  // namespace stoq::cli::bench

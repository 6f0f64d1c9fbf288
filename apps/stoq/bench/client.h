// `stoq bench client`: runs one mode against a `stoq bench server` (and, with --baseline,
// the TCP + TLS and raw UDP baselines the same server offers), --repeat times, and prints
// the report.
#pragma once

#include "bench/options.h"

namespace stoq::cli::bench {

// Returns an exit code: 0 all verified, 1 a run failed, 3 data failed verification.
int run_bench_client(const CommonOptions& common, const ClientTarget& target,
                     const BenchParams& params);

}  // namespace stoq::cli::bench

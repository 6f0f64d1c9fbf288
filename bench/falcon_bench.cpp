// Falcon key generation, signing and verification (Google Benchmark).
//   falcon_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// Report the median lines; docs/falcon.md records the figures and the command.
#include <benchmark/benchmark.h>

#include <vector>

#include "crypto/falcon/falcon.h"
#include "crypto/falcon/modq.h"

namespace {

using stoq::falcon::Level;

void BM_Keygen(benchmark::State& state, Level level) {
  for (auto _ : state) {
    auto kp = stoq::falcon::generate_keypair(level);
    if (!kp.ok()) state.SkipWithError("keygen failed");
    benchmark::DoNotOptimize(kp);
  }
}

void BM_Sign(benchmark::State& state, Level level) {
  auto kp = stoq::falcon::generate_keypair(level);
  const std::vector<std::uint8_t> msg(64, 0x5A);
  for (auto _ : state) {
    auto sig = stoq::falcon::sign(kp->secret_key, msg);
    if (!sig.ok()) state.SkipWithError("sign failed");
    benchmark::DoNotOptimize(sig);
  }
}

// Verifies 64 different signatures in turn: one signature verified again and again lets
// the branch predictor learn its encoding, which a verifier never sees twice.
void BM_Verify(benchmark::State& state, Level level) {
  auto kp = stoq::falcon::generate_keypair(level);
  constexpr std::size_t kSignatures = 64;
  std::vector<std::vector<std::uint8_t>> msgs, sigs;
  for (std::size_t i = 0; i < kSignatures; ++i) {
    msgs.emplace_back(64, static_cast<std::uint8_t>(i));
    auto sig = stoq::falcon::sign(kp->secret_key, msgs.back());
    if (!sig.ok()) {
      state.SkipWithError("sign failed");
      return;
    }
    sigs.emplace_back(sig->bytes().begin(), sig->bytes().end());
  }
  std::size_t i = 0;
  for (auto _ : state) {
    const auto ec = stoq::falcon::verify(kp->public_key, msgs[i], sigs[i]);
    if (ec) state.SkipWithError("verify failed");
    benchmark::DoNotOptimize(ec);
    i = (i + 1) % kSignatures;
  }
}

// The mod-q NTT, dispatched (AVX2 where the CPU has it) and portable, in the same run: the
// ratio of the two is the AVX2 code's gain.
void BM_NttForwardInverse1024(benchmark::State& state, bool portable) {
  std::vector<std::uint16_t> a(1024);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::uint16_t>((i * 977) % 12289);
  for (auto _ : state) {
    if (portable) {
      stoq::falcon::detail::ntt_modq_portable(a.data(), 10);
      stoq::falcon::detail::intt_modq_portable(a.data(), 10);
    } else {
      stoq::falcon::detail::ntt_modq(a.data(), 10);
      stoq::falcon::detail::intt_modq(a.data(), 10);
    }
    benchmark::DoNotOptimize(a.data());
  }
}

BENCHMARK_CAPTURE(BM_NttForwardInverse1024, dispatched, false);
BENCHMARK_CAPTURE(BM_NttForwardInverse1024, portable, true);
BENCHMARK_CAPTURE(BM_Keygen, falcon512, Level::k512)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Keygen, falcon1024, Level::k1024)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Sign, falcon512, Level::k512)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Sign, falcon1024, Level::k1024)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Verify, falcon512, Level::k512)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Verify, falcon1024, Level::k1024)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();

// STOQ frame codec (src/proto): encoding DATA frames and decoding them incrementally the
// way a message stream receives them (pieces of arbitrary size).
#include <benchmark/benchmark.h>

#include <vector>

#include "proto/frame.h"
#include "proto/frame_decoder.h"
#include "proto/frame_type.h"

namespace {

constexpr uint64_t kMaxFrame = 1 << 20;

void BM_FrameEncodeData(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::vector<uint8_t> payload(n, 0x33), out;
  out.reserve(n + 16);
  for (auto _ : state) {
    out.clear();
    stoq::proto::append_frame(out, static_cast<uint64_t>(stoq::proto::FrameType::kData), payload);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_FrameEncodeData)->Arg(64)->Arg(1200)->Arg(64 << 10);

// Decodes a stream of DATA frames of state.range(0) bytes fed in 1200-byte pieces.
void BM_FrameDecodeData(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::vector<uint8_t> payload(n, 0x33), wire;
  for (int i = 0; i < 64; ++i)
    stoq::proto::append_frame(wire, static_cast<uint64_t>(stoq::proto::FrameType::kData), payload);
  uint64_t bytes = 0;
  for (auto _ : state) {
    stoq::proto::FrameDecoder dec(kMaxFrame);
    for (size_t off = 0; off < wire.size(); off += 1200) {
      std::span<const uint8_t> in(wire.data() + off, std::min<size_t>(1200, wire.size() - off));
      while (!in.empty()) {
        auto ev = dec.next(in);
        if (!ev) {
          state.SkipWithError("decode failed");
          return;
        }
        if (ev.value().kind == stoq::proto::FrameEventKind::kData)
          bytes += ev.value().payload.size();
      }
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_FrameDecodeData)->Arg(64)->Arg(1200)->Arg(64 << 10);

}  // namespace

BENCHMARK_MAIN();

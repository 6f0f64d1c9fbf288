// The packet build + parse path without sockets: two quic::Connections (ngtcp2 +
// OpenSSL, hybrid handshake, AES-128-GCM) joined by the in-memory link of the test support
// code (tests/support/memory_link.h), so a run measures what STOQ itself costs per byte and
// per packet: stream buffering, ngtcp2 packet building, AEAD seal, header protection, and
// the reverse on the receiver, with no system calls.
#include <benchmark/benchmark.h>

#include <numeric>
#include <vector>

#include "memory_link.h"
#include "quic/byte_queue.h"
#include "test_pki.h"
#include "tls/tls_context.h"

namespace {

using stoq::testing::MemoryLink;

struct Pair {
  std::shared_ptr<stoq::Context> ctx = stoq::testing::test_context();
  std::unique_ptr<stoq::testing::TestPki> pki = stoq::testing::make_test_pki(*ctx);
  std::unique_ptr<stoq::tls::TlsContext> server_tls, client_tls;

  Pair() {
    stoq::TlsConfig s;
    s.cert_chain_file = pki->chain_file;
    s.private_key_file = pki->key_file;
    server_tls = std::move(stoq::tls::TlsContext::create(ctx, s, stoq::tls::Role::kServer)).value();
    stoq::TlsConfig c;
    c.ca_file = pki->ca_file;
    client_tls = std::move(stoq::tls::TlsContext::create(ctx, c, stoq::tls::Role::kClient)).value();
  }
};

// Moves state.range(0) bytes per iteration over one stream, client -> server.
void BM_QuicStreamTransfer(benchmark::State& state) {
  Pair pair;
  stoq::TransportConfig transport;
  MemoryLink::Options opts;
  opts.one_way_delay_ns = 20'000;  // virtual time; costs nothing real
  MemoryLink link(*pair.client_tls, *pair.server_tls, transport, opts);
  if (!link.run_until([&] { return link.client_established && link.server_established; })) {
    state.SkipWithError("handshake failed");
    return;
  }
  auto s = link.client()->open_stream(true);
  if (!s) {
    state.SkipWithError("open_stream failed");
    return;
  }
  const size_t per_iter = static_cast<size_t>(state.range(0));
  std::vector<uint8_t> payload(per_iter);
  std::iota(payload.begin(), payload.end(), uint8_t{1});
  std::vector<uint8_t> buf(65536);
  uint64_t received = 0, target = 0;
  const uint64_t packets0 = link.packets_delivered;
  for (auto _ : state) {
    target += per_iter;
    size_t written = 0;
    bool ok = link.run_until(
        [&] {
          if (written < payload.size()) {
            auto w = link.client()->stream_write(**s, std::span(payload).subspan(written));
            if (w) written += *w;
          }
          for (auto& rs : link.server_streams) {
            for (;;) {
              auto r = link.server()->stream_read(*rs, buf);
              if (!r || *r == 0) break;
              received += *r;
            }
          }
          return received >= target;
        },
        60'000'000'000ull);
    if (!ok) {
      state.SkipWithError("transfer stalled");
      return;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(received));
  const double packets = static_cast<double>(link.packets_delivered - packets0);
  state.counters["packets"] = benchmark::Counter(packets, benchmark::Counter::kIsRate);
  state.counters["bytes_per_packet"] = packets > 0 ? static_cast<double>(received) / packets : 0;
}
BENCHMARK(BM_QuicStreamTransfer)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->UseRealTime();

// Full handshakes through the in-memory link (no sockets): client + server CPU per
// handshake with X25519MLKEM768 and an Ed25519 chain.
void BM_QuicHandshakeInMemory(benchmark::State& state) {
  Pair pair;
  stoq::TransportConfig transport;
  for (auto _ : state) {
    MemoryLink link(*pair.client_tls, *pair.server_tls, transport);
    if (!link.run_until([&] { return link.client_established && link.server_established; })) {
      state.SkipWithError("handshake failed");
      return;
    }
  }
}
BENCHMARK(BM_QuicHandshakeInMemory)->Unit(benchmark::kMicrosecond);

// Stream buffer handling: the send queue of a stream as the connection uses it (append
// application writes, walk unsent pieces, drop acknowledged bytes) in 1200-byte packets.
void BM_ByteQueueAppendWalkDrop(benchmark::State& state) {
  const size_t write = static_cast<size_t>(state.range(0));
  std::vector<uint8_t> data(write, 0x5a);
  stoq::quic::ByteQueue q;
  uint64_t bytes = 0;
  for (auto _ : state) {
    q.append(data);
    size_t offset = 0;
    while (offset < q.size()) {
      size_t got = 0;
      q.for_each_piece(offset, [&](const uint8_t* p, size_t n) {
        benchmark::DoNotOptimize(p);
        got = std::min<size_t>(n, 1200);
        return false;
      });
      offset += got;
    }
    q.drop(q.size());
    bytes += write;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ByteQueueAppendWalkDrop)->Arg(1200)->Arg(64 << 10);

// Receive side: in-order append of 1200-byte packets, application reads of 64 KiB.
void BM_ByteQueueReceiveRead(benchmark::State& state) {
  std::vector<uint8_t> packet(1200, 0xa5), out(64 << 10);
  stoq::quic::ByteQueue q;
  uint64_t bytes = 0;
  for (auto _ : state) {
    for (int i = 0; i < 54; ++i) q.append(packet);  // ~64 KiB
    while (!q.empty()) bytes += q.read(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ByteQueueReceiveRead);

}  // namespace

BENCHMARK_MAIN();

// STOQ messages against plain QUIC streams, between two real endpoints over loopback UDP
// (Google Benchmark). Every variant runs in the same process and run, so ratios compare like
// with like:
//   plain      a bidirectional stream per message (payload + FIN), the reference
//   msg        a STOQ message without TOKEN
//   token      with TOKEN (SHA-256, sequence, timestamp; checked by the receiver)
//   signed     TOKEN + Falcon-1024 signature (stoq/falcon_signer.h) when the Falcon library
//              is built in; otherwise a SHA-256 stand-in (protocol overhead only)
//   shard4     TOKEN + 4 shards on 4 parallel streams
//   datagram   TOKEN, as a QUIC DATAGRAM (64 B and 1 KiB only)
// Latency: one message, then wait for the receiver's 1-byte acknowledgement (round trip).
// Rate: a batch of messages in flight, wait until all were delivered.
//   messages_bench --benchmark_min_time=0.5s
// After the runs a table prints each variant's time relative to `plain`.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "stoq/cert.h"
#include "stoq/sha256.h"
#include "stoq/stoq.h"

#if STOQ_BENCH_FALCON
#include "crypto/falcon/falcon.h"
#endif

namespace {

using namespace stoq;
using namespace std::chrono_literals;

enum Variant { kPlain, kMsg, kToken, kSigned, kShard4, kDatagram };
const char* const kVariantNames[] = {"plain", "msg", "token", "signed", "shard4", "datagram"};

std::vector<uint8_t> sha_sig(std::span<const uint8_t> pk, std::span<const uint8_t> m) {
  Sha256 h;
  h.update(pk);
  h.update(m);
  auto d = h.finish();
  return {d.begin(), d.end()};
}

class StandInSigner : public MessageSigner {
 public:
  StandInSigner() : pk_(1793, 0x42) {}
  MessageSignatureAlgorithm algorithm() const override {
    return MessageSignatureAlgorithm::kFalcon1024;
  }
  std::span<const uint8_t> public_key() const override { return pk_; }
  std::optional<std::vector<uint8_t>> sign(std::span<const uint8_t> m) override {
    return sha_sig(pk_, m);
  }

 private:
  std::vector<uint8_t> pk_;
};

// A server on its own thread that counts delivered messages / plain streams and acknowledges
// each with one byte (a 1-byte message without TOKEN, or 1 byte on the bidi stream).
struct Rig {
  std::shared_ptr<Context> ctx;
  std::string dir;
  std::optional<Endpoint> server;
  std::optional<Endpoint> client;
  Connection conn;
  std::atomic<uint64_t> delivered{0};
  uint64_t acks = 0;  // client side (loop thread = bench thread)
  bool ok = false;

  Rig() {
    auto c = Context::create({});
    if (!c) return;
    ctx = *c;
    char tmpl[] = "/tmp/stoq-bench-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return;
    dir = tmpl;
    CertRequest req;
    req.common_name = "localhost";
    req.dns_names = {"localhost"};
    req.ip_addresses = {"127.0.0.1"};
    auto leaf = make_certificate(*ctx, req, nullptr);
    if (!leaf) return;
    auto pin = spki_pin(*ctx, leaf->certificate);
    if (!pin) return;
    if (!write_file(dir + "/cert.pem", leaf->certificate, false) ||
        !write_file(dir + "/key.pem", leaf->private_key, true)) {
      return;
    }
    std::shared_ptr<MessageSigner> signer = std::make_shared<StandInSigner>();
    MessageVerifier verifier = [](MessageSignatureAlgorithm, std::span<const uint8_t> pk,
                                  std::span<const uint8_t> m, std::span<const uint8_t> sig) {
      auto want = sha_sig(pk, m);
      return sig.size() == want.size() && std::equal(sig.begin(), sig.end(), want.begin());
    };
#if STOQ_BENCH_FALCON
    auto kp = falcon::generate_keypair(falcon::Level::k1024);
    if (!kp) return;
    auto fs = make_falcon_signer(kp->public_key.bytes(), kp->secret_key.bytes());
    if (!fs) return;
    signer = *fs;
    verifier = falcon_message_verifier();
    std::fprintf(stderr, "signed = Falcon-1024\n");
#endif
    EndpointConfig scfg;
    scfg.tls.cert_chain_file = dir + "/cert.pem";
    scfg.tls.private_key_file = dir + "/key.pem";
    scfg.messaging.verifier = verifier;
    scfg.messaging.token_window = 65536;
    if (std::getenv("STOQ_BENCH_BIGWIN")) scfg.transport.connection_window = uint64_t{1} << 30;
    // A rate batch keeps up to 128 sharded messages in reassembly at once.
    scfg.messaging.max_messages_in_reassembly = 1024;
    auto s = Endpoint::create(ctx, scfg);
    if (!s) return;
    server.emplace(std::move(s).value());
    if (!server->listen(SocketAddress::loopback_v4(0))) return;
    server->on_connection([this](Connection c) {
      c.on_message([this, w = c.weak()](const ReceivedMessage&) {
        ++delivered;
        const uint8_t one = 1;
        MessageOptions o;
        o.token = false;
        o.datagram_if_small = false;
        (void)w.lock().send_message(std::span<const uint8_t>(&one, 1), o);
      });
      c.on_stream([this](Stream st) {
        auto buf = std::make_shared<std::vector<uint8_t>>(65536);
        st.on_readable([this, st, buf]() mutable {
          for (;;) {
            auto r = st.read(*buf);
            if (!r) return;
            if (*r == 0) {
              ++delivered;
              const uint8_t one = 1;
              (void)st.write(std::span<const uint8_t>(&one, 1));
              (void)st.finish();
              return;
            }
          }
        });
      });
    });
    if (!server->start()) return;
    EndpointConfig ccfg;
    ccfg.tls.spki_pins = {*pin};
    ccfg.messaging.signer = signer;
    ccfg.messaging.max_pending_send_bytes = uint64_t{1} << 30;
    auto cl = Endpoint::create(ctx, ccfg);
    if (!cl) return;
    client.emplace(std::move(cl).value());
    auto cc = client->connect(server->local_address(), "localhost");
    if (!cc) return;
    conn = *cc;
    conn.on_message([this](const ReceivedMessage&) { ++acks; });
    ok = pump([&] { return conn.messages_ready() || !conn.is_open(); }, 10s) &&
         conn.messages_ready();
  }
  ~Rig() {
    if (server) {
      server->stop();
      server->join();
    }
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }

  template <class P>
  bool pump(P done, std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > end) return false;
      client->run_one(1ms);
    }
    return true;
  }

  // Starts one message (or plain stream); retries while flow or stream credit is short.
  bool send(Variant v, const std::vector<uint8_t>& payload) {
    if (v == kPlain) {
      for (int tries = 0; tries < 100000; ++tries) {
        auto s = conn.open_bidi_stream();
        if (!s) {
          client->run_one(1ms);
          continue;
        }
        Stream st = *s;
        st.on_readable([this, st]() mutable {
          uint8_t b[16];
          for (;;) {
            auto r = st.read(b);
            if (!r || *r == 0) return;
            ++acks;
          }
        });
        size_t done = 0;
        while (done < payload.size()) {
          auto w = st.write(std::span<const uint8_t>(payload).subspan(done));
          if (!w && w.error() != make_error_code(Errc::kWouldBlock)) return false;
          if (w) done += *w;
          if (done < payload.size()) client->run_one(1ms);
        }
        return st.finish().ok();
      }
      return false;
    }
    MessageOptions o;
    o.token = v != kMsg;
    o.sign = v == kSigned;
    o.shards = v == kShard4 ? 4 : 1;
    o.datagram_if_small = v == kDatagram;
    for (int tries = 0; tries < 100000; ++tries) {
      auto r = conn.send_message(std::span<const uint8_t>(payload), o);
      if (r) return true;
      if (r.error() != make_error_code(Errc::kWouldBlock) &&
          r.error() != make_error_code(Errc::kStreamLimit)) {
        std::fprintf(stderr, "send_message: %s\n", r.message().c_str());
        return false;
      }
      client->run_one(1ms);
    }
    return false;
  }
};

Rig& rig() {
  static Rig r;
  return r;
}

std::map<std::string, double> g_ns_per_item;  // "latency/1024/token" -> ns per message

void BM_Latency(benchmark::State& state) {
  const auto size = static_cast<size_t>(state.range(0));
  const auto v = static_cast<Variant>(state.range(1));
  Rig& r = rig();
  if (!r.ok) return state.SkipWithError("rig setup failed");
  const std::vector<uint8_t> payload(size, 0xAB);
  for (auto _ : state) {
    const uint64_t want = r.acks + 1;
    if (!r.send(v, payload) || !r.pump([&] { return r.acks >= want; }, 5s)) {
      std::fprintf(stderr, "no ack: open=%d close=%s %s delivered=%llu acks=%llu\n",
                   r.conn.is_open() ? 1 : 0, r.conn.close_info().error.message().c_str(),
                   r.conn.close_info().reason.c_str(),
                   static_cast<unsigned long long>(r.delivered.load()),
                   static_cast<unsigned long long>(r.acks));
      return state.SkipWithError("message not acknowledged in time");
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
  state.SetLabel(kVariantNames[v]);
}

void BM_Rate(benchmark::State& state) {
  const auto size = static_cast<size_t>(state.range(0));
  const auto v = static_cast<Variant>(state.range(1));
  Rig& r = rig();
  if (!r.ok) return state.SkipWithError("rig setup failed");
  const std::vector<uint8_t> payload(size, 0xCD);
  const int batch = size >= (1u << 20) ? 16 : 128;
  for (auto _ : state) {
    const uint64_t want = r.delivered.load() + batch;
    for (int i = 0; i < batch; ++i) {
      if (!r.send(v, payload)) return state.SkipWithError("send failed");
    }
    if (!r.pump([&] { return r.delivered.load() >= want; }, 20s)) {
      std::fprintf(stderr, "batch: open=%d close=%s %s app=%llu delivered=%llu want=%llu\n",
                   r.conn.is_open() ? 1 : 0, r.conn.close_info().error.message().c_str(),
                   r.conn.close_info().reason.c_str(),
                   static_cast<unsigned long long>(r.conn.close_info().app_error_code),
                   static_cast<unsigned long long>(r.delivered.load()),
                   static_cast<unsigned long long>(want));
      const MessageStats ms = r.conn.message_stats();
      std::fprintf(stderr, "client: sent=%llu pending=%llu failures=%llu recv=%llu rejected=%llu\n",
                   static_cast<unsigned long long>(ms.messages_sent),
                   static_cast<unsigned long long>(ms.pending_send_bytes),
                   static_cast<unsigned long long>(ms.send_failures),
                   static_cast<unsigned long long>(ms.messages_received),
                   static_cast<unsigned long long>(ms.messages_rejected));
      return state.SkipWithError("batch not delivered in time");
    }
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch * size));
  state.SetLabel(kVariantNames[v]);
}

void variants(benchmark::internal::Benchmark* b) {
  for (int64_t size : {64, 1024, 1 << 20}) {
    for (int v = kPlain; v <= kDatagram; ++v) {
      if (v == kDatagram && size > 1024) continue;
      b->Args({size, v});
    }
  }
}

BENCHMARK(BM_Latency)->Apply(variants)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Rate)->Apply(variants)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Records real time per message so the ratios can be printed after the run.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) {
      if (run.error_occurred || run.run_type != Run::RT_Iteration) continue;
      auto it = run.counters.find("items_per_second");
      if (it == run.counters.end() || it->second.value <= 0) continue;
      g_ns_per_item[run.benchmark_name()] = 1e9 / it->second.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

void print_ratios() {
  std::printf("\nTime per message relative to plain streams (same run; < 1 is faster):\n");
  std::printf("%-8s %-9s %10s %10s %10s %10s %10s\n", "kind", "size", "msg", "token", "signed",
              "shard4", "datagram");
  for (const char* kind : {"BM_Latency", "BM_Rate"}) {
    for (int64_t size : {64, 1024, 1 << 20}) {
      auto key = [&](int v) {
        return std::string(kind) + "/" + std::to_string(size) + "/" + std::to_string(v) +
               "/real_time";
      };
      auto base = g_ns_per_item.find(key(kPlain));
      if (base == g_ns_per_item.end()) continue;
      std::printf("%-8s %-9lld", kind + 3, static_cast<long long>(size));
      for (int v = kMsg; v <= kDatagram; ++v) {
        auto it = g_ns_per_item.find(key(v));
        if (it == g_ns_per_item.end()) {
          std::printf(" %10s", "-");
        } else {
          std::printf(" %10.2f", it->second / base->second);
        }
      }
      std::printf("   (plain: %.1f us/msg)\n", base->second / 1e3);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  print_ratios();
  benchmark::Shutdown();
  return 0;
}

#include "bench/stoq_client.h"

#include <strings.h>

#include <charconv>
#include <cstdio>
#include <memory>
#include <vector>

#include "bench/histogram.h"
#include "bench/protocol.h"
#include "bench/sys.h"
#include "core/printable.h"
#include "pattern.h"

namespace stoq::cli::bench {
namespace {

constexpr size_t kChunk = 64 * 1024;
constexpr double kGiB = 1024.0 * 1024 * 1024;

const char* expected_group(const std::string& kex) {
  if (kex == "hybrid-required") return "X25519MLKEM768";
  if (kex == "classical") return "X25519";
  return nullptr;  // hybrid-preferred: either
}

Result<Endpoint> make_endpoint(const StoqClientSetup& s, EndpointConfig cfg) {
  return Endpoint::create(s.ctx, std::move(cfg));
}

// Keeps nothing: every connection is a first contact (no session ticket, so a full
// handshake with the server's signature; no NEW_TOKEN). Without it an endpoint resumes
// its later connections to the same server with the tickets of the earlier ones.
class NoSessionCache final : public SessionCache {
 public:
  void put_ticket(const std::string&, std::vector<uint8_t>) override {}
  std::optional<std::vector<uint8_t>> take_ticket(const std::string&) override { return {}; }
  void put_token(const std::string&, std::vector<uint8_t>) override {}
  std::optional<std::vector<uint8_t>> take_token(const std::string&) override { return {}; }
};

// Handshake and scale runs: full handshakes unless --resume.
EndpointConfig connection_config(const StoqClientSetup& s, const BenchParams& p) {
  EndpointConfig cfg = s.config;
  if (!p.resume) {
    cfg.transport.session_resumption = false;                // no ticket is offered or waited for
    cfg.session_cache = std::make_shared<NoSessionCache>();  // nor a NEW_TOKEN kept
  }
  return cfg;
}

// Runs the loop until `done()` or the time limit; returns false on timeout.
template <typename Done, typename Tick>
bool drive(Endpoint& ep, double limit_s, Done done, Tick tick) {
  const double deadline = now_seconds() + limit_s;
  while (!done()) {
    if (now_seconds() > deadline) return false;
    ep.run_one(std::chrono::milliseconds(50));
    tick();
  }
  return true;
}

void note_connection(Sample& out, const ConnectionInfo& i) {
  out.info["tls_group"] = i.tls_group;
  out.info["cipher_suite"] = i.cipher_suite;
  out.info["server_signature"] = i.peer_signature_algorithm;
}

// ---- throughput ----

struct TpConn {
  Connection conn;
  Stream stream;
  bool established = false, failed = false, done = false, ok = false;
  uint64_t target = 0, sent = 0;
  std::string header;
  size_t header_sent = 0;
  std::string reply;
  std::unique_ptr<PatternChecker> checker;
  std::vector<uint8_t>* rx = nullptr;
  std::shared_ptr<const Pattern> pattern;  // shared with the stream: write_shared, no copy
  bool download = false;
  std::string error;

  void fail(std::string why) {
    if (done) return;
    error = std::move(why);
    failed = done = true;
  }
  void pump() {
    while (header_sent < header.size()) {
      auto w = stream.write(std::string_view(header).substr(header_sent));
      if (!w) {
        if (w.error() != Errc::kWouldBlock) fail("write: " + w.message());
        return;
      }
      header_sent += *w;
    }
    if (download) {
      if (!finished_) {
        finished_ = true;
        (void)stream.finish();
      }
      return;
    }
    while (sent < target) {
      auto piece =
          pattern->piece(sent, static_cast<size_t>(std::min<uint64_t>(target - sent, kChunk)));
      auto w = stream.write_shared(piece, pattern);
      if (!w) {
        if (w.error() != Errc::kWouldBlock) fail("write: " + w.message());
        return;
      }
      sent += *w;
      if (*w < piece.size()) return;
    }
    if (sent == target && !finished_) {
      finished_ = true;
      (void)stream.finish();
    }
  }
  void receive() {
    for (;;) {
      // Downloads are checked where the stream holds the bytes (no copy).
      auto r = download ? stream.read_view([this](std::span<const uint8_t> d) { checker->feed(d); })
                        : stream.read(*rx);
      if (!r) {
        if (r.error() != Errc::kWouldBlock) fail("read: " + r.message());
        return;
      }
      if (*r == 0) {
        complete();
        return;
      }
      if (download) continue;
      if (reply.size() + *r <= kMaxHeader) {
        reply.append(reinterpret_cast<const char*>(rx->data()), *r);
      } else {
        fail("reply too long");
        return;
      }
    }
  }
  void complete() {
    if (done) return;
    done = true;
    if (download) {
      ok = checker->ok() && checker->offset() == target;
      if (!ok) {
        error = checker->ok() ? "received " + std::to_string(checker->offset()) + " of " +
                                    std::to_string(target) + " bytes"
                              : "pattern mismatch at byte " + std::to_string(checker->first_bad());
      }
    } else {
      ok = reply == "OK " + std::to_string(target) + "\n";
      if (!ok) error = "server answered '" + reply.substr(0, reply.find('\n')) + "'";
    }
  }

 private:
  bool finished_ = false;
};

}  // namespace

Sample stoq_throughput(const StoqClientSetup& s, const BenchParams& p, Progress& progress) {
  Sample out;
  auto pattern = std::make_shared<const Pattern>();
  std::vector<uint8_t> rx(kChunk);
  const unsigned n = std::max(1u, p.connections);
  std::vector<std::unique_ptr<TpConn>> conns;
  auto ep = make_endpoint(s, s.config);
  if (!ep) {
    out.error = ep.message();
    return out;
  }
  for (unsigned i = 0; i < n; ++i) {
    auto c = std::make_unique<TpConn>();
    c->target = p.bytes / n + (i == 0 ? p.bytes % n : 0);
    c->download = p.download;
    c->rx = &rx;
    c->pattern = pattern;
    c->checker = std::make_unique<PatternChecker>(*pattern);
    c->header =
        format_request({p.download ? RequestKind::kDownload : RequestKind::kUpload, c->target});
    auto conn = ep->connect(s.server, s.server_name);
    if (!conn) {
      out.error = conn.message();
      return out;
    }
    c->conn = *conn;
    TpConn* raw = c.get();
    c->conn.on_established([raw] { raw->established = true; });
    c->conn.on_closed([raw](const CloseInfo& ci) {
      if (!raw->done)
        raw->fail(ci.error.message() +
                  (ci.reason.empty() ? "" : ": " + stoq::detail::printable(ci.reason)));
    });
    conns.push_back(std::move(c));
  }
  auto all = [&](auto pred) {
    for (auto& c : conns)
      if (!pred(*c)) return false;
    return true;
  };
  auto any_failed = [&] {
    for (auto& c : conns)
      if (c->failed) return true;
    return false;
  };
  if (!drive(
          *ep, p.time_limit,
          [&] { return any_failed() || all([](auto& c) { return c.established; }); }, [] {})) {
    out.error = "handshakes did not complete in time";
    return out;
  }
  for (auto& c : conns) {
    if (c->failed) {
      out.error = "handshake: " + c->error;
      return out;
    }
  }
  note_connection(out, conns[0]->conn.info());
  auto before = server_snapshot(s.control);
  const double cpu0 = process_cpu_seconds();
  const double t0 = now_seconds();
  for (auto& c : conns) {
    auto st = c->conn.open_bidi_stream();
    if (!st) {
      out.error = "open stream: " + st.message();
      return out;
    }
    c->stream = *st;
    TpConn* raw = c.get();
    c->stream.on_writable([raw] { raw->pump(); });
    c->stream.on_readable([raw] { raw->receive(); });
    raw->pump();
  }
  auto moved = [&] {
    uint64_t b = 0;
    for (auto& c : conns) b += p.download ? c->checker->offset() : c->sent;
    return b;
  };
  const bool finished = drive(
      *ep, p.time_limit, [&] { return all([](auto& c) { return c.done; }); },
      [&] {
        char line[96];
        std::snprintf(line, sizeof(line), "stoq %s: %.1f of %.1f MiB",
                      p.download ? "download" : "upload", static_cast<double>(moved()) / 1048576.0,
                      static_cast<double>(p.bytes) / 1048576.0);
        progress.update(line);
      });
  const double elapsed = now_seconds() - t0;
  const double cpu = process_cpu_seconds() - cpu0;
  progress.clear();
  // Packet counts of the client side (all connections, handshakes included), so per-packet
  // costs can be derived from the CPU and system-call figures.
  uint64_t packets_sent = 0, packets_received = 0, packets_lost = 0;
  for (auto& c : conns) {
    const auto i = c->conn.info();
    packets_sent += i.packets_sent;
    packets_received += i.packets_received;
    packets_lost += i.packets_lost;
  }
  // What the client's Path MTU Discovery reached (1452 unless --max-udp-payload allows
  // more): the size of the data packets on upload, of the ACK path on download.
  out.info["udp_payload"] =
      "client packets up to " + std::to_string(conns[0]->conn.info().path_max_udp_payload) + " B";
  auto after = server_snapshot(s.control);
  for (auto& c : conns) {
    c->stream.on_readable(nullptr);
    c->stream.on_writable(nullptr);
    c->conn.close(0, "bench done");
  }
  for (int i = 0; i < 5 && ep->connection_count() > 0; ++i)
    ep->run_one(std::chrono::milliseconds(2));
  if (!finished) {
    out.error =
        "transfer did not finish within " + std::to_string(static_cast<int>(p.time_limit)) + " s";
    return out;
  }
  out.ok = true;
  out.verified = all([](auto& c) { return c.ok; });
  for (auto& c : conns) {
    if (!c->ok) {
      out.error = c->error;
      break;
    }
  }
  const double bytes = static_cast<double>(p.bytes);
  out.set("bytes", bytes);
  out.set("seconds", elapsed);
  out.set("gbit_per_s", bytes * 8 / elapsed / 1e9);
  out.set("client_cpu_s_per_gib", cpu / (bytes / kGiB));
  if (before && after)
    out.set("server_cpu_s_per_gib", (after->cpu_s - before->cpu_s) / (bytes / kGiB));
  out.set("client_packets_sent", static_cast<double>(packets_sent));
  out.set("client_packets_received", static_cast<double>(packets_received));
  out.set("packets_lost", static_cast<double>(packets_lost));
  return out;
}

// ---- rr ----

Sample stoq_rr(const StoqClientSetup& s, const BenchParams& p, Progress& progress) {
  Sample out;
  Pattern pattern;
  const uint64_t total = p.count ? p.count : 20000;
  const uint64_t warmup = std::min<uint64_t>(200, total / 10);
  Histogram hist;
  auto ep = make_endpoint(s, s.config);
  if (!ep) {
    out.error = ep.message();
    return out;
  }
  auto conn = ep->connect(s.server, s.server_name);
  if (!conn) {
    out.error = conn.message();
    return out;
  }
  bool established = false, closed = false;
  std::string close_reason;
  Connection c = *conn;
  c.on_established([&] { established = true; });
  c.on_closed([&](const CloseInfo& ci) {
    closed = true;
    close_reason =
        ci.error.message() + (ci.reason.empty() ? "" : ": " + stoq::detail::printable(ci.reason));
  });
  if (!drive(
          *ep, p.time_limit, [&] { return established || closed; }, [] {}) ||
      closed) {
    out.error = closed ? "handshake: " + close_reason : "handshake timed out";
    return out;
  }
  note_connection(out, c.info());
  auto st = c.open_bidi_stream();
  if (!st) {
    out.error = st.message();
    return out;
  }
  Stream stream = *st;
  const size_t size = std::max<size_t>(1, p.request_size);
  std::vector<uint8_t> request(size), rx(std::max<size_t>(size, 4096));
  pattern.fill(0, request);
  uint64_t done = 0, got = 0;
  bool bad = false, failed = false;
  std::string error;
  double sent_at = 0;
  std::string header = format_request({RequestKind::kEcho, 0});
  auto send_one = [&] {
    sent_at = now_seconds();
    std::span<const uint8_t> rest(request);
    while (!rest.empty()) {
      auto w = stream.write(rest);
      if (!w) {  // 64-byte requests never fill a 4 MiB buffer; anything else is an error
        failed = true;
        error = "write: " + w.message();
        return;
      }
      rest = rest.subspan(*w);
    }
  };
  stream.on_readable([&] {
    for (;;) {
      auto r = stream.read(rx);
      if (!r) {
        if (r.error() != Errc::kWouldBlock) {
          failed = true;
          error = "read: " + r.message();
        }
        return;
      }
      if (*r == 0) {
        failed = true;
        error = "server ended the stream";
        return;
      }
      // Echoed bytes must equal the request, byte for byte.
      for (size_t i = 0; i < *r; ++i) bad |= rx[i] != request[(got + i) % size];
      got += *r;
      if (got >= size) {
        got -= size;
        const double lat = now_seconds() - sent_at;
        if (done >= warmup) hist.record(static_cast<uint64_t>(lat * 1e9));
        ++done;
        if (done < total + warmup) send_one();
      }
    }
  });
  if (auto w = stream.write(header); !w) {
    out.error = w.message();
    return out;
  }
  const double t0 = now_seconds();
  double t_measure = 0;
  send_one();
  const bool finished = drive(
      *ep, p.time_limit, [&] { return failed || closed || done >= total + warmup; },
      [&] {
        if (done == warmup && t_measure == 0) t_measure = now_seconds();
        progress.update("stoq rr: " + std::to_string(done) + " of " +
                        std::to_string(total + warmup) + " requests");
      });
  const double elapsed = now_seconds() - (t_measure > 0 ? t_measure : t0);
  progress.clear();
  const bool closed_early = closed;
  stream.on_readable(nullptr);
  c.close(0, "bench done");
  for (int i = 0; i < 5 && ep->connection_count() > 0; ++i)
    ep->run_one(std::chrono::milliseconds(2));
  if (!finished || failed || closed_early) {
    out.error = failed ? error : closed_early ? "connection closed: " + close_reason : "timed out";
    return out;
  }
  out.ok = true;
  out.verified = !bad;
  if (bad) out.error = "an echoed response differed from its request";
  out.set("requests", static_cast<double>(hist.count()));
  out.set("requests_per_s", static_cast<double>(hist.count()) / elapsed);
  out.set("p50_us", hist.quantile(0.50) / 1e3);
  out.set("p90_us", hist.quantile(0.90) / 1e3);
  out.set("p99_us", hist.quantile(0.99) / 1e3);
  out.set("p999_us", hist.quantile(0.999) / 1e3);
  out.set("max_us", hist.max() / 1e3);
  out.set("mean_us", hist.mean() / 1e3);
  return out;
}

// ---- handshake ----

namespace {

struct HandshakeRun {
  uint64_t completed = 0, failed = 0;
  uint64_t resumed = 0;  // completed handshakes that resumed a session
  double seconds = 0;
  std::string first_error;
  ConnectionInfo info;
};

// Shared with the connections' callbacks, which may outlive one call of run_handshakes.
struct HandshakeState {
  HandshakeRun run;
  Histogram hist;
  uint64_t in_flight = 0;
};

// Keeps `concurrency` handshakes in flight until `n` completed or failed.
HandshakeRun run_handshakes(Endpoint& ep, const StoqClientSetup& s, uint64_t n,
                            unsigned concurrency, double limit, Histogram& hist, Progress& progress,
                            const char* label) {
  auto st = std::make_shared<HandshakeState>();
  uint64_t started = 0;
  const double t0 = now_seconds();
  auto start_one = [&]() -> bool {
    auto conn = ep.connect(s.server, s.server_name);
    if (!conn) {
      ++st->run.failed;
      if (st->run.first_error.empty()) st->run.first_error = conn.message();
      return false;
    }
    ++started;
    ++st->in_flight;
    auto finished = std::make_shared<bool>(false);
    const double begun = now_seconds();
    Connection c = *conn;
    // Established at the client is not yet served by the server: a one-byte echo on a
    // stream, sent with the client's Finished, proves the server completed its side too.
    c.on_established([st, finished, begun, w = c.weak()] {
      if (*finished) return;
      st->hist.record(static_cast<uint64_t>((now_seconds() - begun) * 1e9));
      auto live = w.lock();
      const ConnectionInfo info = live.info();
      if (info.resumed) ++st->run.resumed;
      if (st->run.info.tls_group.empty()) st->run.info = info;
      auto stream = live.open_bidi_stream();
      if (!stream || !stream->write(std::string_view("E\nx")) || !stream->finish()) {
        live.close(1, "cannot open the confirmation stream");
        return;
      }
      auto got = std::make_shared<std::string>();
      Stream sref = *stream;
      sref.on_readable([st, finished, got, sref, w]() mutable {
        uint8_t b[16];
        for (int guard = 0; guard < 4; ++guard) {
          auto r = sref.read(b);
          if (!r) return;
          if (*r > 0 && got->size() < 8) {
            got->append(reinterpret_cast<const char*>(b), *r);
            continue;
          }
          // (No on_readable(nullptr) here: that would destroy this closure while it runs;
          // the stream drops its callbacks when it closes.)
          if (*finished) return;
          *finished = true;
          --st->in_flight;
          if (*got == "x") {
            ++st->run.completed;
          } else {
            ++st->run.failed;
            if (st->run.first_error.empty()) st->run.first_error = "bad confirmation echo";
          }
          w.lock().close(0, "handshake bench");
          return;
        }
      });
    });
    c.on_closed([st, finished](const CloseInfo& ci) {
      if (*finished) return;
      *finished = true;
      ++st->run.failed;
      --st->in_flight;
      if (st->run.first_error.empty())
        st->run.first_error = ci.error.message() +
                              (ci.reason.empty() ? "" : ": " + stoq::detail::printable(ci.reason));
    });
    return true;
  };
  const double deadline = t0 + limit;
  while (st->run.completed + st->run.failed < n && now_seconds() < deadline) {
    while (st->in_flight < concurrency && started < n) {
      if (!start_one()) break;
    }
    ep.run_one(std::chrono::milliseconds(20));
    progress.update(std::string("stoq handshakes (") + label +
                    "): " + std::to_string(st->run.completed) + " of " + std::to_string(n));
  }
  st->run.seconds = now_seconds() - t0;
  // Let the last CONNECTION_CLOSEs go out.
  for (int i = 0; i < 200 && (st->in_flight > 0 || ep.connection_count() > 0); ++i)
    ep.run_one(std::chrono::milliseconds(5));
  progress.clear();
  hist.merge(st->hist);
  return st->run;
}

}  // namespace

Sample stoq_handshake(const StoqClientSetup& s, const BenchParams& p, Progress& progress) {
  Sample out;
  const uint64_t n = p.count ? p.count : 500;
  const unsigned conc = p.concurrency ? p.concurrency : 8;
  EndpointConfig cfg = connection_config(s, p);
  cfg.transport.max_connections = std::max<size_t>(cfg.transport.max_connections, 4 * conc + 16);
  auto ep = make_endpoint(s, cfg);
  if (!ep) {
    out.error = ep.message();
    return out;
  }
  // One at a time: the latency of a first contact (one round trip plus crypto).
  Histogram lat;
  auto seq = run_handshakes(*ep, s, std::max<uint64_t>(10, n / 4), 1, p.time_limit, lat, progress,
                            "one at a time");
  // `conc` in flight: how many the server completes per second.
  Histogram busy;
  const CpuReading cpu0 = read_cpu(s.control);
  auto par = run_handshakes(*ep, s, n, conc, p.time_limit, busy, progress, "concurrent");
  const CpuReading cpu1 = read_cpu(s.control);
  set_cpu_per_unit_us(out, cpu0, cpu1, static_cast<double>(par.completed), "client_cpu_us_per_hs",
                      "server_cpu_us_per_hs");
  out.ok = seq.completed > 0 && par.completed > 0;
  if (!out.ok || seq.failed + par.failed > 0) {
    out.error = std::to_string(seq.failed + par.failed) + " handshakes failed" +
                (seq.first_error.empty() && par.first_error.empty()
                     ? std::string()
                     : ": " + (seq.first_error.empty() ? par.first_error : seq.first_error));
  }
  note_connection(out, seq.info);
  // Full handshakes must be full. With --resume, a connection resumes when a ticket is
  // in the cache: not the first, nor those started before earlier ones sent theirs; the
  // count is reported.
  const uint64_t resumed = seq.resumed + par.resumed;
  std::string session_error;
  if (!p.resume && resumed > 0) {
    session_error = std::to_string(resumed) + " handshakes resumed a session";
  }
  out.info["session"] = p.resume ? "resumed" : "full handshakes";
  const char* want = expected_group(p.kex);
  // OpenSSL names groups in either case ("X25519" / "x25519").
  out.verified = out.ok && seq.failed + par.failed == 0 &&
                 (want == nullptr || strcasecmp(seq.info.tls_group.c_str(), want) == 0);
  if (out.ok && !out.verified && out.error.empty())
    out.error = "negotiated " + seq.info.tls_group + ", expected " + want;
  if (!session_error.empty()) {
    out.verified = false;
    if (out.error.empty()) out.error = session_error;
  }
  out.set("resumed", static_cast<double>(resumed));
  out.set("handshakes", static_cast<double>(seq.completed + par.completed));
  out.set("handshakes_per_s", static_cast<double>(par.completed) / par.seconds);
  out.set("sequential_per_s", static_cast<double>(seq.completed) / seq.seconds);
  out.set("p50_us", lat.quantile(0.5) / 1e3);
  out.set("p99_us", lat.quantile(0.99) / 1e3);
  out.set("loaded_p50_us", busy.quantile(0.5) / 1e3);
  out.set("loaded_p99_us", busy.quantile(0.99) / 1e3);
  out.set("concurrency", conc);
  return out;
}

// ---- scale ----

Sample stoq_scale(const StoqClientSetup& s, const BenchParams& p, Progress& progress) {
  Sample out;
  const uint64_t n = p.connections > 1 ? p.connections : 1000;
  const unsigned conc = p.concurrency ? p.concurrency : 64;
  EndpointConfig cfg = connection_config(s, p);
  cfg.transport.max_connections = n + 16;
  // Connections sit idle while the others are opened: the idle timeout must outlast that.
  cfg.transport.idle_timeout = std::chrono::milliseconds(static_cast<int64_t>(p.time_limit * 3000));
  // Everything the callbacks reference is declared before the endpoint, so it outlives it.
  struct Slot {
    Connection conn;
    bool established = false, closed = false, answered = false;
    std::string got;
  };
  std::vector<std::unique_ptr<Slot>> slots;
  slots.reserve(n);
  uint64_t established = 0, failed = 0, in_flight = 0;
  uint64_t answered = 0, asked = 0;
  std::vector<uint8_t> rx(256);
  std::string first_error;
  auto ep = make_endpoint(s, cfg);
  if (!ep) {
    out.error = ep.message();
    return out;
  }
  auto before = server_snapshot(s.control);
  const uint64_t client_rss0 = current_rss_bytes();
  const double t0 = now_seconds();
  const double deadline = t0 + p.time_limit;
  while (established + failed < n && now_seconds() < deadline) {
    while (in_flight < conc && slots.size() < n) {
      auto conn = ep->connect(s.server, s.server_name);
      if (!conn) {
        out.error = conn.message();
        return out;
      }
      auto slot = std::make_unique<Slot>();
      Slot* raw = slot.get();
      slot->conn = *conn;
      slot->conn.on_established([&, raw] {
        raw->established = true;
        ++established;
        --in_flight;
      });
      slot->conn.on_closed([&, raw](const CloseInfo& ci) {
        if (!raw->established) --in_flight;
        if (!raw->closed) ++failed;
        raw->closed = true;
        if (first_error.empty())
          first_error = ci.error.message() +
                        (ci.reason.empty() ? "" : ": " + stoq::detail::printable(ci.reason));
      });
      slots.push_back(std::move(slot));
      ++in_flight;
    }
    ep->run_one(std::chrono::milliseconds(20));
    progress.update("stoq scale: " + std::to_string(established) + " of " + std::to_string(n) +
                    " connections");
  }
  const double ramp = now_seconds() - t0;
  // Settle: let the last handshake packets (HANDSHAKE_DONE, tickets) go both ways.
  for (int i = 0; i < 20; ++i) ep->run_one(std::chrono::milliseconds(5));
  auto during = server_snapshot(s.control);
  const uint64_t client_rss1 = current_rss_bytes();
  if (!slots.empty() && slots[0]->established) note_connection(out, slots[0]->conn.info());
  // Final round: every connection must still answer a small request.
  const std::string probe = "E\n0123456789abcdef";
  const std::string expect = "0123456789abcdef";
  std::vector<Stream> streams;
  streams.reserve(slots.size());
  const double t1 = now_seconds();
  for (auto& slot : slots) {
    if (!slot->established || slot->closed) continue;
    auto st = slot->conn.open_bidi_stream();
    if (!st) continue;
    Stream stream = *st;
    Slot* raw = slot.get();
    stream.on_readable([&, raw, stream]() mutable {
      for (int guard = 0; guard < 16; ++guard) {
        auto r = stream.read(rx);
        if (!r) return;
        if (*r == 0) {
          if (!raw->answered && raw->got == expect) {
            raw->answered = true;
            ++answered;
          }
          return;
        }
        if (raw->got.size() + *r > 64) return;
        raw->got.append(reinterpret_cast<const char*>(rx.data()), *r);
      }
    });
    if (stream.write(probe) && stream.finish()) ++asked;
    streams.push_back(stream);
  }
  const double deadline2 = now_seconds() + p.time_limit;
  while (answered < asked && now_seconds() < deadline2) {
    ep->run_one(std::chrono::milliseconds(20));
    progress.update("stoq scale: " + std::to_string(answered) + " of " + std::to_string(asked) +
                    " answered");
  }
  const double answer_s = now_seconds() - t1;
  progress.clear();
  for (auto& st : streams) st.on_readable(nullptr);
  streams.clear();
  // Memory again once every connection has carried a stream: ngtcp2 keeps the pools that
  // stream used, so an idle connection that was used costs more than a fresh one.
  for (int i = 0; i < 20; ++i) ep->run_one(std::chrono::milliseconds(5));
  auto after = server_snapshot(s.control);
  const uint64_t client_rss2 = current_rss_bytes();
  for (auto& slot : slots) slot->conn.close(0, "bench done");
  for (int i = 0; i < 100 && ep->connection_count() > 0; ++i)
    ep->run_one(std::chrono::milliseconds(5));
  // Scale is about every connection staying usable: one that did not answer fails the run.
  out.ok = answered == n;
  out.verified = out.ok;
  if (!out.verified) {
    out.error = std::to_string(established) + " of " + std::to_string(n) + " established, " +
                std::to_string(answered) + " answered" +
                (first_error.empty() ? std::string() : " (first error: " + first_error + ")");
  }
  out.set("connections", static_cast<double>(n));
  out.set("established", static_cast<double>(established));
  out.set("answered", static_cast<double>(answered));
  out.set("accept_per_s", static_cast<double>(established) / ramp);
  out.set("answer_round_s", answer_s);
  if (established > 0) {
    out.set("client_kib_per_conn",
            (static_cast<double>(client_rss1) - static_cast<double>(client_rss0)) / 1024.0 /
                static_cast<double>(established));
    out.set("client_kib_per_used_conn",
            (static_cast<double>(client_rss2) - static_cast<double>(client_rss0)) / 1024.0 /
                static_cast<double>(established));
    if (before && during) {
      out.set("server_kib_per_conn",
              (static_cast<double>(during->rss) - static_cast<double>(before->rss)) / 1024.0 /
                  static_cast<double>(established));
    }
    if (before && after) {
      out.set("server_kib_per_used_conn",
              (static_cast<double>(after->rss) - static_cast<double>(before->rss)) / 1024.0 /
                  static_cast<double>(established));
    }
  }
  return out;
}

}  // namespace stoq::cli::bench

#include "bench/server.h"

#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "bench/protocol.h"
#include "bench/sys.h"
#include "bench/tls.h"
#include "bench/udp.h"
#include "pattern.h"
#include "stop_signals.h"

namespace stoq::cli::bench {
namespace {

constexpr size_t kChunk = 64 * 1024;

struct Counters {
  std::atomic<uint64_t> accepted{0}, open{0};
};

// Where streams read into: one buffer for all streams of the server's (single) loop thread,
// since every read is consumed before on_readable returns. A per-stream buffer cost 4 KiB
// of every idle connection in scale runs.
using ReadBuffer = std::shared_ptr<std::vector<uint8_t>>;

// One stream's server side: reads the header, then uploads are checked against the
// pattern, downloads generated, echo requests answered. Lives as long as the stream's
// callbacks.
class BenchStream : public std::enable_shared_from_this<BenchStream> {
 public:
  BenchStream(Stream s, std::shared_ptr<const Pattern> p, ReadBuffer buf)
      : s_(std::move(s)), pattern_(std::move(p)), check_(*pattern_), buf_(std::move(buf)) {}

  void start() {
    auto self = shared_from_this();
    s_.on_readable([self] { self->on_readable(); });
    s_.on_writable([self] { self->on_writable(); });
  }

 private:
  void on_readable() {
    while (!done_reading_ && pending_.empty()) {
      if (req_ && req_->kind == RequestKind::kUpload) {
        // Upload payload: check the bytes where the stream holds them (no copy).
        if (!got_data(s_.read_view([this](std::span<const uint8_t> d) { check_.feed(d); }))) {
          return;
        }
        continue;
      }
      auto r = s_.read(*buf_);
      if (!got_data(r)) return;
      std::span<const uint8_t> data(buf_->data(), *r);
      if (!req_) {
        // Header bytes up to '\n'; what follows is payload.
        size_t i = 0;
        while (i < data.size() && data[i] != '\n') header_ += static_cast<char>(data[i++]);
        if (header_.size() > kMaxHeader) return fail(1);
        if (i == data.size()) continue;
        req_ = parse_request(header_);
        if (!req_) return fail(2);
        data = data.subspan(i + 1);
        if (req_->kind == RequestKind::kDownload) send_download();
      }
      if (data.empty()) continue;
      switch (req_->kind) {
        case RequestKind::kUpload:
          check_.feed(data);
          break;
        case RequestKind::kEcho:
          pending_.assign(data.begin(), data.end());
          flush();
          break;
        case RequestKind::kDownload:
          return fail(3);  // a download request carries no payload
      }
    }
  }

  // False when the read brought no data: nothing yet, an error, or the end (handled here).
  bool got_data(Result<size_t> r) {
    if (!r) {
      if (r.error() != Errc::kWouldBlock) done_reading_ = true;
      return false;
    }
    if (*r == 0) {
      done_reading_ = true;
      on_end();
      return false;
    }
    return true;
  }

  void on_end() {
    if (!req_) return fail(2);
    if (req_->kind == RequestKind::kUpload) {
      std::string reply =
          check_.ok() && check_.offset() == req_->bytes
              ? "OK " + std::to_string(check_.offset()) + "\n"
              : "BAD " + std::to_string(check_.ok() ? check_.offset() : check_.first_bad()) + "\n";
      pending_.assign(reply.begin(), reply.end());
      flush();
    } else if (req_->kind == RequestKind::kEcho) {
      flush();
    }
  }

  void flush() {
    while (!pending_.empty()) {
      auto w = s_.write(pending_);
      if (!w) return;  // kWouldBlock: on_writable continues
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(*w));
    }
    if (done_reading_ && !finished_) {
      finished_ = true;
      (void)s_.finish();
    }
  }

  void send_download() {
    while (sent_ < req_->bytes) {
      auto piece = pattern_->piece(
          sent_, static_cast<size_t>(std::min<uint64_t>(req_->bytes - sent_, kChunk)));
      auto w = s_.write_shared(piece, pattern_);  // no copy: the stream holds the pattern
      if (!w) return;
      sent_ += *w;
      if (*w < piece.size()) return;
    }
    if (!finished_) {
      finished_ = true;
      (void)s_.finish();
    }
  }

  void on_writable() {
    if (req_ && req_->kind == RequestKind::kDownload) return send_download();
    flush();
    if (pending_.empty() && !done_reading_) on_readable();
  }

  void fail(uint64_t code) {
    done_reading_ = true;
    s_.reset(code);
  }

  Stream s_;
  std::shared_ptr<const Pattern> pattern_;
  PatternChecker check_;
  ReadBuffer buf_;
  std::string header_;
  std::optional<Request> req_;
  std::vector<uint8_t> pending_;
  uint64_t sent_ = 0;
  bool done_reading_ = false, finished_ = false;
};

std::string control_answer(const std::string& line, const Counters& c, const UdpSink& udp) {
  if (line != "C STATS") return R"({"error":"unknown control request"})";
  const auto u = udp.counters();
  nlohmann::json j = {
      {"cpu_s", process_cpu_seconds()},
      {"rss_bytes", current_rss_bytes()},
      {"peak_rss_bytes", peak_rss_bytes()},
      {"stoq_accepted", c.accepted.load()},
      {"stoq_open", c.open.load()},
      {"udp_port", udp.port()},
      {"udp_gro", udp.gro()},
      {"udp",
       {{"run", u.run},
        {"datagrams", u.datagrams},
        {"bytes", u.bytes},
        {"bad", u.bad},
        {"first_s", u.first_s},
        {"last_s", u.last_s}}},
  };
  return j.dump();
}

}  // namespace

int run_bench_server(const ServerOptions& o) {
  StopSignals stop;  // first: the TCP and UDP baseline threads inherit the blocked signals
  auto ctx = make_context(o.common);
  if (!ctx) {
    print_error("bench server", ctx.message());
    return kExitFailure;
  }
  auto tls = make_tls_config(o.tls);
  auto addr = SocketAddress::parse(o.listen);
  if (!tls || !addr) {
    print_error("bench server", !tls ? tls.message() : addr.message());
    return kExitUsage;
  }
  EndpointConfig cfg;
  cfg.tls = *tls;
  cfg.transport.max_connections = o.max_connections;
  cfg.transport.max_udp_payload = o.max_udp_payload;
  // Every bench client connects from one address: the per-source limit must not apply.
  cfg.transport.max_connections_per_source = o.max_connections;
  cfg.transport.idle_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(o.idle_timeout * 1000));
  auto ep = Endpoint::create(*ctx, cfg);
  if (!ep) {
    print_error("bench server", ep.message());
    return kExitUsage;
  }
  if (auto st = ep->listen(*addr); !st) {
    print_error("bench server", st.message());
    return kExitFailure;
  }
  const SocketAddress bound = ep->local_address();
  auto ssl =
      make_tls_server_ctx(**ctx, o.tls.cert, o.tls.key, o.tls.kex, cfg.transport.session_tickets);
  if (!ssl) {
    print_error("bench server", ssl.message());
    return kExitUsage;
  }
  SocketAddress udp_addr = bound;
  udp_addr.set_port(0);
  auto udp = UdpSink::start(udp_addr);
  if (!udp) {
    print_error("bench server", udp.message());
    return kExitFailure;
  }
  Counters counters;
  auto tcp = TcpServer::start(bound, ssl->get(), [&counters, &u = **udp](const std::string& line) {
    return control_answer(line, counters, u);
  });
  if (!tcp) {
    print_error("bench server",
                tcp.message() +
                    " (the TCP baseline and the control channel use the same port number as STOQ)");
    return kExitFailure;
  }
  auto pattern = std::make_shared<const Pattern>();
  auto read_buffer = std::make_shared<std::vector<uint8_t>>(kChunk);
  ep->on_connection([&counters, pattern, read_buffer](Connection c) {
    ++counters.accepted;
    ++counters.open;
    c.on_stream([pattern, read_buffer](Stream s) {
      std::make_shared<BenchStream>(std::move(s), pattern, read_buffer)->start();
    });
    c.on_closed([&counters](const CloseInfo&) { --counters.open; });
  });
  if (o.common.json) {
    nlohmann::json j = {{"event", "listening"},
                        {"address", bound.to_string()},
                        {"udp_port", (*udp)->port()},
                        {"kex", o.tls.kex}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf(
        "stoq bench server: STOQ on %s (UDP), TCP+TLS and control on the same port (TCP), raw UDP "
        "on port %u, kex %s\n",
        bound.to_string().c_str(), (*udp)->port(), o.tls.kex.c_str());
  }
  std::fflush(stdout);
  const double start = now_seconds();
  for (;;) {
    ep->run_one(std::chrono::milliseconds(100));
    if (stop.requested()) break;
    if (o.duration > 0 && now_seconds() - start > o.duration) break;
  }
  if (o.common.verbosity > 0) {
    std::fprintf(stderr, "stoq bench server: %llu STOQ connections accepted\n",
                 static_cast<unsigned long long>(counters.accepted.load()));
  }
  return kExitOk;
}

}  // namespace stoq::cli::bench

// Client side of the TCP + TLS baseline: blocking sockets, one thread per connection.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

#include "bench/histogram.h"
#include "bench/protocol.h"
#include "bench/sys.h"
#include "bench/tls.h"
#include "pattern.h"

namespace stoq::cli::bench {
namespace {

constexpr size_t kChunk = 64 * 1024;
constexpr double kGiB = 1024.0 * 1024 * 1024;

// One TLS connection over TCP, closed on destruction.
class TlsConn {
 public:
  TlsConn() = default;
  TlsConn(const TlsConn&) = delete;
  TlsConn& operator=(const TlsConn&) = delete;
  ~TlsConn() {
    if (ssl_ != nullptr) {
      SSL_shutdown(ssl_);
      SSL_free(ssl_);
    }
    if (fd_ >= 0) close(fd_);
  }

  // `resume`, if not null, is offered for resumption.
  Status open(const TlsClientSetup& s, int timeout_s, SSL_SESSION* resume = nullptr) {
    fd_ = socket(s.server.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return {Errc::kSocketError, std::strerror(errno)};
    timeval tv{timeout_s, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd_, s.server.data(), s.server.size()) != 0)
      return {Errc::kSocketError,
              "TCP connect " + s.server.to_string() + ": " + std::strerror(errno)};
    ssl_ = SSL_new(s.ssl);
    if (ssl_ == nullptr) return {Errc::kTlsError, "SSL_new"};
    SSL_set_fd(ssl_, fd_);
    if (resume != nullptr) SSL_set_session(ssl_, resume);
    if (!s.server_name.empty()) {
      SSL_set_tlsext_host_name(ssl_, s.server_name.c_str());
      SSL_set1_host(ssl_, s.server_name.c_str());
    }
    if (int rc = SSL_connect(ssl_); rc != 1) {
      const int err = SSL_get_error(ssl_, rc);
      const int sys = errno;
      char buf[256] = {0};
      ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
      ERR_clear_error();
      return {Errc::kHandshakeFailed,
              std::string("TLS handshake: ") +
                  (err == SSL_ERROR_SYSCALL ? std::string(std::strerror(sys)) : std::string(buf))};
    }
    return ok_status();
  }
  bool write_all(std::span<const uint8_t> d) {
    while (!d.empty()) {
      int w = SSL_write(ssl_, d.data(), static_cast<int>(d.size()));
      if (w <= 0) return false;
      d = d.subspan(static_cast<size_t>(w));
    }
    return true;
  }
  bool write_all(std::string_view s) {
    return write_all({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
  }
  // The one-byte echo that shows the server finished its side of the handshake (as the
  // STOQ handshake bench does).
  bool confirm() {
    if (!write_all(std::string_view("E\nx"))) return false;
    uint8_t b = 0;
    return read({&b, 1}) == 1 && b == 'x';
  }
  int read(std::span<uint8_t> out) {
    return SSL_read(ssl_, out.data(), static_cast<int>(out.size()));
  }
  SSL* ssl() const { return ssl_; }
  bool resumed() const { return ssl_ != nullptr && SSL_session_reused(ssl_) == 1; }

 private:
  int fd_ = -1;
  SSL* ssl_ = nullptr;
};

void note_tls(Sample& out, SSL* ssl) {
  const char* group = SSL_group_to_name(ssl, SSL_get_negotiated_group(ssl));
  const char* cipher = SSL_get_cipher_name(ssl);
  out.info["tls_group"] = group != nullptr ? group : "";
  out.info["cipher_suite"] = cipher != nullptr ? cipher : "";
}

struct TpResult {
  bool ok = false;
  std::string error;
  uint64_t moved = 0;
};

TpResult tls_transfer(TlsConn& c, uint64_t bytes, bool download, const Pattern& pattern,
                      std::atomic<uint64_t>& progress) {
  TpResult r;
  if (!c.write_all(
          format_request({download ? RequestKind::kDownload : RequestKind::kUpload, bytes}))) {
    r.error = "write failed";
    return r;
  }
  std::vector<uint8_t> buf(kChunk);
  if (download) {
    PatternChecker check(pattern);
    while (check.offset() < bytes) {
      int n = c.read({buf.data(),
                      static_cast<size_t>(std::min<uint64_t>(buf.size(), bytes - check.offset()))});
      if (n <= 0) break;
      check.feed({buf.data(), static_cast<size_t>(n)});
      progress += static_cast<uint64_t>(n);
    }
    r.moved = check.offset();
    r.ok = check.ok() && check.offset() == bytes;
    if (!r.ok)
      r.error = check.ok() ? "short download"
                           : "pattern mismatch at byte " + std::to_string(check.first_bad());
    return r;
  }
  uint64_t sent = 0;
  while (sent < bytes) {
    auto piece = pattern.piece(sent, static_cast<size_t>(std::min<uint64_t>(bytes - sent, kChunk)));
    if (!c.write_all(piece)) {
      r.error = "write failed after " + std::to_string(sent) + " bytes";
      return r;
    }
    sent += piece.size();
    progress += piece.size();
  }
  r.moved = sent;
  std::string reply;
  while (reply.find('\n') == std::string::npos && reply.size() < kMaxHeader) {
    int n = c.read(buf);
    if (n <= 0) break;
    reply.append(reinterpret_cast<const char*>(buf.data()), static_cast<size_t>(n));
  }
  r.ok = reply == "OK " + std::to_string(bytes) + "\n";
  if (!r.ok) r.error = "server answered '" + reply.substr(0, reply.find('\n')) + "'";
  return r;
}

}  // namespace

Sample tls_throughput(const TlsClientSetup& s, const BenchParams& p, Progress& progress) {
  Sample out;
  Pattern pattern;
  const unsigned n = std::max(1u, std::min(p.connections, TcpServer::kThreads));
  std::vector<std::unique_ptr<TlsConn>> conns;
  for (unsigned i = 0; i < n; ++i) {
    conns.push_back(std::make_unique<TlsConn>());
    if (auto st = conns.back()->open(s, static_cast<int>(p.time_limit)); !st) {
      out.error = st.message();
      return out;
    }
  }
  note_tls(out, conns[0]->ssl());
  std::vector<TpResult> results(n);
  std::atomic<uint64_t> moved{0};
  std::atomic<unsigned> finished{0};
  std::vector<double> ends(n), cpu_end(n);
  auto before = server_snapshot(s.control);
  const double cpu0 = process_cpu_seconds();
  const double t0 = now_seconds();
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < n; ++i) {
    const uint64_t share = p.bytes / n + (i == 0 ? p.bytes % n : 0);
    threads.emplace_back([&, i, share] {
      results[i] = tls_transfer(*conns[i], share, p.download, pattern, moved);
      ends[i] = now_seconds();
      cpu_end[i] = process_cpu_seconds();
      ++finished;
    });
  }
  // The sockets' 30 s timeouts bound each thread; this loop only shows progress.
  while (finished.load() < n) {
    usleep(20'000);
    progress.update("tcp+tls: " + std::to_string(moved.load() >> 20) + " of " +
                    std::to_string(p.bytes >> 20) + " MiB");
  }
  for (auto& t : threads) t.join();
  const double elapsed = *std::max_element(ends.begin(), ends.end()) - t0;
  const double cpu = *std::max_element(cpu_end.begin(), cpu_end.end()) - cpu0;
  progress.clear();
  auto after = server_snapshot(s.control);
  out.ok = true;
  out.verified = true;
  for (auto& r : results) {
    if (!r.ok) {
      out.verified = false;
      out.error = r.error;
    }
  }
  const double bytes = static_cast<double>(p.bytes);
  out.set("bytes", bytes);
  out.set("seconds", elapsed);
  out.set("gbit_per_s", bytes * 8 / elapsed / 1e9);
  out.set("client_cpu_s_per_gib", cpu / (bytes / kGiB));
  if (before && after)
    out.set("server_cpu_s_per_gib", (after->cpu_s - before->cpu_s) / (bytes / kGiB));
  if (n < p.connections)
    out.info["note"] = "TCP baseline capped at " + std::to_string(n) + " connections";
  return out;
}

Sample tls_rr(const TlsClientSetup& s, const BenchParams& p, Progress& progress) {
  Sample out;
  Pattern pattern;
  TlsConn c;
  if (auto st = c.open(s, static_cast<int>(p.time_limit)); !st) {
    out.error = st.message();
    return out;
  }
  note_tls(out, c.ssl());
  const uint64_t total = p.count ? p.count : 20000;
  const uint64_t warmup = std::min<uint64_t>(200, total / 10);
  const size_t size = std::max<size_t>(1, p.request_size);
  std::vector<uint8_t> request(size), rx(std::max<size_t>(size, 4096));
  pattern.fill(0, request);
  if (!c.write_all(format_request({RequestKind::kEcho, 0}))) {
    out.error = "write failed";
    return out;
  }
  Histogram hist;
  bool bad = false;
  const double start = now_seconds();
  double t_measure = start;
  for (uint64_t i = 0; i < total + warmup; ++i) {
    if (i == warmup) t_measure = now_seconds();
    if (now_seconds() - start > p.time_limit) {
      out.error = "timed out";
      return out;
    }
    const double t0 = now_seconds();
    if (!c.write_all(request)) {
      out.error = "write failed";
      return out;
    }
    size_t got = 0;
    while (got < size) {
      int n = c.read({rx.data(), std::min(rx.size(), size - got)});
      if (n <= 0) {
        out.error = "read failed";
        return out;
      }
      for (int k = 0; k < n; ++k)
        bad |= rx[static_cast<size_t>(k)] != request[got + static_cast<size_t>(k)];
      got += static_cast<size_t>(n);
    }
    if (i >= warmup) hist.record(static_cast<uint64_t>((now_seconds() - t0) * 1e9));
    if ((i & 1023) == 0) progress.update("tcp+tls rr: " + std::to_string(i) + " requests");
  }
  const double elapsed = now_seconds() - t_measure;
  progress.clear();
  out.ok = true;
  out.verified = !bad;
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

// --resume: the session of the latest connection (its ticket arrived before the
// confirmation echo), offered by the next ones. Shared by the handshake threads.
class SessionSlot {
 public:
  ~SessionSlot() { SSL_SESSION_free(session_); }
  // A reference the caller frees (null when there is none yet).
  SSL_SESSION* get() {
    std::lock_guard lock(mu_);
    if (session_ != nullptr) SSL_SESSION_up_ref(session_);
    return session_;
  }
  void keep(SSL* ssl) {
    SSL_SESSION* s = SSL_get1_session(ssl);
    if (s == nullptr) return;
    if (SSL_SESSION_is_resumable(s) != 1) {
      SSL_SESSION_free(s);
      return;
    }
    std::lock_guard lock(mu_);
    SSL_SESSION_free(session_);
    session_ = s;
  }

 private:
  std::mutex mu_;
  SSL_SESSION* session_ = nullptr;
};

Sample tls_handshake(const TlsClientSetup& s, const BenchParams& p, Progress& progress) {
  Sample out;
  SessionSlot slot;
  std::atomic<uint64_t> resumed{0};
  // One connection attempt; the session is kept for the next when resuming.
  auto open = [&](TlsConn& c) {
    SSL_SESSION* offer = p.resume ? slot.get() : nullptr;
    Status st = c.open(s, 10, offer);
    SSL_SESSION_free(offer);
    return st;
  };
  auto after_confirm = [&](TlsConn& c) {
    if (c.resumed()) ++resumed;
    if (p.resume) slot.keep(c.ssl());
  };
  const uint64_t n = p.count ? p.count : 500;
  const unsigned conc = std::min(p.concurrency ? p.concurrency : 8, TcpServer::kThreads);
  std::mutex mu;
  std::string first_error;
  uint64_t failed = 0;
  // One at a time: first-contact latency (TCP handshake + TLS round trip + crypto).
  Histogram lat;
  const uint64_t n_seq = std::max<uint64_t>(10, n / 4);
  const double t_seq = now_seconds();
  for (uint64_t i = 0; i < n_seq && now_seconds() - t_seq < p.time_limit; ++i) {
    const double t0 = now_seconds();
    TlsConn c;
    if (auto st = open(c); !st) {
      ++failed;
      if (first_error.empty()) first_error = st.message();
      continue;
    }
    lat.record(static_cast<uint64_t>((now_seconds() - t0) * 1e9));
    if (!c.confirm()) {
      ++failed;
      if (first_error.empty()) first_error = "no confirmation echo";
    } else {
      after_confirm(c);
    }
    if (i == 0) note_tls(out, c.ssl());
    progress.update("tcp+tls handshakes (one at a time): " + std::to_string(i));
  }
  const double seq_s = now_seconds() - t_seq;
  // `conc` threads: handshakes per second the server completes.
  Histogram busy;
  std::atomic<uint64_t> next{0}, done{0};
  const CpuReading cpu0 = read_cpu(s.control);
  const double t0 = now_seconds();
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < conc; ++t) {
    threads.emplace_back([&] {
      Histogram local;
      while (next.fetch_add(1) < n && now_seconds() - t0 < p.time_limit) {
        const double a = now_seconds();
        TlsConn c;
        if (auto st = open(c); !st) {
          std::lock_guard lock(mu);
          ++failed;
          if (first_error.empty()) first_error = st.message();
          continue;
        }
        local.record(static_cast<uint64_t>((now_seconds() - a) * 1e9));
        if (!c.confirm()) {
          std::lock_guard lock(mu);
          ++failed;
          if (first_error.empty()) first_error = "no confirmation echo";
          continue;
        }
        after_confirm(c);
        ++done;
      }
      std::lock_guard lock(mu);
      busy.merge(local);
    });
  }
  while (done.load() + failed < n && now_seconds() - t0 < p.time_limit + 1) {
    usleep(50'000);
    progress.update("tcp+tls handshakes (concurrent): " + std::to_string(done.load()));
    bool finished = next.load() >= n + conc;
    if (finished) break;
  }
  for (auto& t : threads) t.join();
  const double par_s = now_seconds() - t0;
  const CpuReading cpu1 = read_cpu(s.control);
  set_cpu_per_unit_us(out, cpu0, cpu1, static_cast<double>(busy.count()), "client_cpu_us_per_hs",
                      "server_cpu_us_per_hs");
  progress.clear();
  out.ok = lat.count() > 0 && busy.count() > 0;
  out.verified = out.ok && failed == 0;
  if (failed) out.error = std::to_string(failed) + " handshakes failed: " + first_error;
  // As for STOQ: full handshakes unless --resume, then resumptions after the first.
  const uint64_t total = lat.count() + busy.count();
  out.info["session"] = p.resume ? "resumed" : "full handshakes";
  if (!p.resume && resumed.load() > 0) {
    out.verified = false;
    if (out.error.empty()) out.error = std::to_string(resumed.load()) + " handshakes resumed";
  }
  out.set("resumed", static_cast<double>(resumed.load()));
  out.set("handshakes", static_cast<double>(total));
  out.set("handshakes_per_s", static_cast<double>(busy.count()) / par_s);
  out.set("sequential_per_s", static_cast<double>(lat.count()) / seq_s);
  out.set("p50_us", lat.quantile(0.5) / 1e3);
  out.set("p99_us", lat.quantile(0.99) / 1e3);
  out.set("loaded_p50_us", busy.quantile(0.5) / 1e3);
  out.set("loaded_p99_us", busy.quantile(0.99) / 1e3);
  out.set("concurrency", conc);
  return out;
}

}  // namespace stoq::cli::bench

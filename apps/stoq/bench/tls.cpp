#include "bench/tls.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bench/protocol.h"
#include "pattern.h"

namespace stoq::cli::bench {
namespace {

constexpr size_t kChunk = 64 * 1024;

std::string ssl_error(const char* what) {
  char buf[256] = {0};
  unsigned long e = ERR_get_error();
  if (e != 0) ERR_error_string_n(e, buf, sizeof(buf));
  ERR_clear_error();
  return std::string(what) + ": " + (e ? buf : "failed");
}

void set_timeouts(int fd, int seconds) {
  timeval tv{seconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

Result<SslCtxPtr> base_ctx(const Context& ctx, const std::string& kex) {
  SslCtxPtr s(SSL_CTX_new_ex(ctx.libctx(), nullptr, TLS_method()));
  if (!s) return {Errc::kTlsError, ssl_error("SSL_CTX_new_ex")};
  SSL_CTX_set_min_proto_version(s.get(), TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(s.get(), TLS1_3_VERSION);
  SSL_CTX_set_ciphersuites(s.get(), "TLS_AES_128_GCM_SHA256");
  if (SSL_CTX_set1_groups_list(s.get(), groups_for(kex)) != 1)
    return {Errc::kTlsError, ssl_error("SSL_CTX_set1_groups_list")};
  return s;
}

}  // namespace

const char* groups_for(const std::string& kex) {
  if (kex == "classical") return "X25519:secp256r1";
  if (kex == "hybrid-preferred") return "X25519MLKEM768:X25519:secp256r1";
  return "X25519MLKEM768";
}

Result<SslCtxPtr> make_tls_server_ctx(const Context& ctx, const std::string& cert,
                                      const std::string& key, const std::string& kex,
                                      unsigned session_tickets) {
  auto s = base_ctx(ctx, kex);
  if (!s) return s;
  SSL_CTX_set_num_tickets(s->get(), session_tickets);
  if (SSL_CTX_use_certificate_chain_file(s->get(), cert.c_str()) != 1)
    return {Errc::kIoError, ssl_error(("cannot load " + cert).c_str())};
  if (SSL_CTX_use_PrivateKey_file(s->get(), key.c_str(), SSL_FILETYPE_PEM) != 1)
    return {Errc::kIoError, ssl_error(("cannot load " + key).c_str())};
  return s;
}

Result<SslCtxPtr> make_tls_client_ctx(const Context& ctx, const std::string& ca,
                                      const std::string& kex) {
  auto s = base_ctx(ctx, kex);
  if (!s) return s;
  if (!ca.empty()) {
    if (SSL_CTX_load_verify_file(s->get(), ca.c_str()) != 1)
      return {Errc::kIoError, ssl_error(("cannot load " + ca).c_str())};
    SSL_CTX_set_verify(s->get(), SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(s->get(), SSL_VERIFY_NONE, nullptr);
  }
  return s;
}

Result<std::unique_ptr<TcpServer>> TcpServer::start(const SocketAddress& addr, SSL_CTX* ssl,
                                                    ControlHandler control) {
  int fd = socket(addr.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {Errc::kSocketError, std::strerror(errno)};
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (addr.family() == AF_INET6) {
    int zero = 0;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
  }
  if (bind(fd, addr.data(), addr.size()) != 0 || listen(fd, 1024) != 0) {
    std::string why = std::strerror(errno);
    close(fd);
    return {Errc::kSocketError, "TCP " + addr.to_string() + ": " + why};
  }
  std::unique_ptr<TcpServer> s(new TcpServer(fd, ssl, std::move(control)));
  for (unsigned i = 0; i < kThreads; ++i) s->threads_.emplace_back([p = s.get()] { p->serve(); });
  return s;
}

TcpServer::TcpServer(int fd, SSL_CTX* ssl, ControlHandler control)
    : fd_(fd), ssl_(ssl), control_(std::move(control)) {}

TcpServer::~TcpServer() {
  stop_ = true;
  shutdown(fd_, SHUT_RDWR);  // wakes the threads blocked in accept()
  for (auto& t : threads_) t.join();
  close(fd_);
}

void TcpServer::serve() {
  while (!stop_) {
    int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // the listening socket was shut down
    }
    set_timeouts(c, 30);
    int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    char first = 0;
    if (recv(c, &first, 1, MSG_PEEK) == 1) {
      if (first == kControlByte)
        serve_control(c);
      else
        serve_tls(c);
    }
    close(c);
  }
}

void TcpServer::serve_control(int fd) {
  std::string line;
  char ch;
  while (line.size() < kMaxHeader && recv(fd, &ch, 1, 0) == 1 && ch != '\n') line += ch;
  std::string answer = control_(line) + "\n";
  (void)send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
}

void TcpServer::serve_tls(int fd) {
  SSL* ssl = SSL_new(ssl_);
  if (ssl == nullptr) return;
  struct Free {
    SSL* s;
    ~Free() { SSL_free(s); }
  } guard{ssl};
  SSL_set_fd(ssl, fd);
  if (SSL_accept(ssl) != 1) {
    ERR_clear_error();
    return;
  }
  std::vector<uint8_t> buf(kChunk);
  // The header line, then whatever followed it in the same read.
  std::string header;
  std::span<const uint8_t> rest;
  while (header.find('\n') == std::string::npos) {
    int n = SSL_read(ssl, buf.data(), static_cast<int>(buf.size()));
    if (n <= 0 || header.size() > kMaxHeader) return;  // handshake-only client, or junk
    header.append(reinterpret_cast<const char*>(buf.data()), static_cast<size_t>(n));
  }
  const size_t nl = header.find('\n');
  std::vector<uint8_t> leftover(header.begin() + static_cast<long>(nl) + 1, header.end());
  auto req = parse_request(std::string_view(header).substr(0, nl));
  if (!req) return;
  Pattern pattern;
  auto write_all = [&](std::span<const uint8_t> d) {
    while (!d.empty()) {
      int w = SSL_write(ssl, d.data(), static_cast<int>(d.size()));
      if (w <= 0) return false;
      d = d.subspan(static_cast<size_t>(w));
    }
    return true;
  };
  switch (req->kind) {
    case RequestKind::kUpload: {
      PatternChecker check(pattern);
      check.feed(leftover);
      while (check.offset() < req->bytes) {
        int n =
            SSL_read(ssl, buf.data(),
                     static_cast<int>(std::min<uint64_t>(buf.size(), req->bytes - check.offset())));
        if (n <= 0) return;
        check.feed({buf.data(), static_cast<size_t>(n)});
      }
      std::string reply = check.ok() && check.offset() == req->bytes
                              ? "OK " + std::to_string(req->bytes) + "\n"
                              : "BAD " + std::to_string(check.first_bad()) + "\n";
      (void)write_all({reinterpret_cast<const uint8_t*>(reply.data()), reply.size()});
      break;
    }
    case RequestKind::kDownload: {
      uint64_t sent = 0;
      while (sent < req->bytes) {
        auto piece =
            pattern.piece(sent, static_cast<size_t>(std::min<uint64_t>(req->bytes - sent, kChunk)));
        if (!write_all(piece)) return;
        sent += piece.size();
      }
      break;
    }
    case RequestKind::kEcho: {
      if (!leftover.empty() && !write_all(leftover)) return;
      for (;;) {
        int n = SSL_read(ssl, buf.data(), static_cast<int>(buf.size()));
        if (n <= 0) break;
        if (!write_all({buf.data(), static_cast<size_t>(n)})) return;
      }
      break;
    }
  }
  SSL_shutdown(ssl);
}

}  // namespace stoq::cli::bench

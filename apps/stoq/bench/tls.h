// The kernel TCP + TLS 1.3 (OpenSSL) baseline of `stoq bench`: the same requests
// (protocol.h), payload pattern and verification as the STOQ runs, the same
// certificate, the same key-exchange group choice and AES-128-GCM, over loopback TCP.
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/options.h"
#include "bench/progress.h"
#include "bench/sample.h"
#include "stoq/stoq.h"

namespace stoq::cli::bench {

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

// OpenSSL group list for a --kex policy, as the STOQ TLS layer chooses them.
const char* groups_for(const std::string& kex);

// Sends `session_tickets` TLS session tickets after each handshake, as the STOQ side does.
Result<SslCtxPtr> make_tls_server_ctx(const Context& ctx, const std::string& cert,
                                      const std::string& key, const std::string& kex,
                                      unsigned session_tickets);
// Verifies the server against `ca` when given, otherwise does not verify (pins and
// --insecure: the baseline measures cost, STOQ does the trust checks).
Result<SslCtxPtr> make_tls_client_ctx(const Context& ctx, const std::string& ca,
                                      const std::string& kex);

// The TCP side of `stoq bench server`: a fixed pool of threads, each blocking in accept()
// on the shared listening socket and serving one connection at a time; the first byte of
// a connection picks the control channel ('C') or TLS.
class TcpServer {
 public:
  using ControlHandler = std::function<std::string(const std::string& line)>;
  static constexpr unsigned kThreads = 16;  // concurrent TCP connections served

  // Listens on `addr` (TCP). `ssl` must outlive the server.
  static Result<std::unique_ptr<TcpServer>> start(const SocketAddress& addr, SSL_CTX* ssl,
                                                  ControlHandler control);
  ~TcpServer();  // stops and joins the threads
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

 private:
  TcpServer(int fd, SSL_CTX* ssl, ControlHandler control);
  void serve();
  void serve_tls(int fd);
  void serve_control(int fd);

  int fd_;
  SSL_CTX* ssl_;
  ControlHandler control_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

struct TlsClientSetup {
  SSL_CTX* ssl = nullptr;
  SocketAddress server;  // TCP address (same port number as the STOQ endpoint)
  std::string server_name;
  std::string control;
};

Sample tls_throughput(const TlsClientSetup& s, const BenchParams& p, Progress& progress);
Sample tls_rr(const TlsClientSetup& s, const BenchParams& p, Progress& progress);
Sample tls_handshake(const TlsClientSetup& s, const BenchParams& p, Progress& progress);

}  // namespace stoq::cli::bench

// An Endpoint is a UDP socket plus the event loop that drives every QUIC connection on it.
// It acts as a server (listen), a client (connect), or both.
//
// Event loop: the application either runs the loop itself (run / run_one, on any one
// thread) or lets the endpoint run it on a thread of its own (start / stop / join). Either
// way, all callbacks run on the loop thread, and Connection / Stream handles must only be
// used there; other threads hand work to the loop with post().
//
// Errors: functions return Status / Result; nothing throws.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "stoq/address.h"
#include "stoq/config.h"
#include "stoq/connection.h"
#include "stoq/context.h"
#include "stoq/error.h"

namespace stoq {
class Endpoint;
namespace detail {
class EndpointImpl;
struct EndpointEnvironment;
// Endpoint::create with an injected environment (src/api/environment.h): simulated
// networks and virtual time in tests. Not part of the stable API.
Result<Endpoint> create_endpoint(std::shared_ptr<Context> ctx, EndpointConfig config,
                                 const EndpointEnvironment& env);
}  // namespace detail

class Endpoint {
 public:
  // Fails when the TLS configuration cannot be loaded (files, pins) or the loop cannot be
  // created.
  static Result<Endpoint> create(std::shared_ptr<Context> ctx, EndpointConfig config);
  Endpoint(Endpoint&&) noexcept;
  Endpoint& operator=(Endpoint&&) noexcept;
  ~Endpoint();  // stops the loop thread, if any, and closes every connection abruptly

  // Server role: binds `addr` (IPv6 wildcard = dual stack; port 0 picks one) and accepts
  // connections. Needs tls.cert_chain_file / private_key_file in the config.
  Status listen(const SocketAddress& addr);
  // Called for each accepted connection once its handshake completes.
  void on_connection(std::function<void(Connection)> cb);

  // Client role: starts a handshake with `addr`. `server_name` is verified against the
  // certificate (default: tls.server_name, else the address's IP). Progress arrives through
  // the connection's on_established / on_closed callbacks. Must run on the loop thread (or
  // before the loop starts).
  Result<Connection> connect(const SocketAddress& addr, std::string server_name = {});
  // The same with per-connection choices.
  struct ConnectOptions {
    std::string server_name;
    std::optional<CongestionControl> congestion_control;  // default: the endpoint's
    // Resume with a ticket from the session cache (and send 0-RTT if transport.early_data).
    bool resume = true;
  };
  Result<Connection> connect(const SocketAddress& addr, const ConnectOptions& options);

  // Client: moves every connection of this endpoint to a new local UDP port, as when the
  // host changes networks: active migration with path validation (new_cid = true), or a
  // silent change like a NAT rebinding (new_cid = false; also the fallback while active
  // migration is not possible yet). The old socket is closed. Errors:
  // kInvalidArgument on a listening endpoint, kSocketError if no new socket can be bound.
  Status migrate(bool new_cid = true);

  // The bound address (after listen or the first connect).
  SocketAddress local_address() const;
  // All workers' connections (thread-safe).
  size_t connection_count() const;
  // Per worker (index = the worker byte in its connection IDs), and how many datagrams
  // were handed from the worker that received them to the one that owns their connection.
  std::vector<size_t> worker_connection_counts() const;
  uint64_t forwarded_datagrams() const;
  // Datagrams that could not be handed over because the owning worker's queue was full
  // (4,096 datagrams or 8 MiB per worker; docs/architecture.md): dropped, as on the wire.
  uint64_t forwarded_datagrams_dropped() const;
  // Receive memory of STOQ messages over all connections and workers (thread-safe).
  MessageMemoryStats message_memory() const;

  // Application-driven loop.
  size_t run_one(std::chrono::milliseconds timeout);
  void run();  // until stop()
  // Library thread.
  Status start();
  void join();
  // Thread-safe.
  void stop();
  void post(std::function<void()> fn);

 private:
  friend Result<Endpoint> detail::create_endpoint(std::shared_ptr<Context> ctx,
                                                  EndpointConfig config,
                                                  const detail::EndpointEnvironment& env);
  explicit Endpoint(std::vector<std::unique_ptr<detail::EndpointImpl>> workers) noexcept;
  // Worker 0 is the endpoint's own loop (client role, post(), run_one); the others exist
  // only for a multi-worker server.
  std::vector<std::unique_ptr<detail::EndpointImpl>> workers_;
};

}  // namespace stoq

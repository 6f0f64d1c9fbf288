// Relay: a userspace UDP impairment relay. Clients send to the listen address; for each
// client source address the relay opens its own upstream socket (so the server sees one
// distinct source port per client) and forwards client -> server through the "up" Link
// and server -> client through the "down" Link. Both links are shared by all clients, like
// one bottleneck path.
//
// Threading: settings, counters, clients, rebinding and handle_control_request are
// thread-safe (one internal mutex) and may be used from any thread at any time, including
// while traffic flows. start(), stop(), poll_once() and destruction belong to the thread
// that owns the Relay; poll_once() is refused while the relay's own thread runs. The
// destructor stops the thread.
//
// Memory is bounded: each Link holds at most its `limit` bytes (and kMaxPendingPackets),
// at most max_clients mappings exist, and mappings idle for idle_timeout are removed.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "netsim/address.h"
#include "netsim/direction.h"
#include "netsim/link.h"
#include "netsim/link_config.h"
#include "netsim/result.h"
#include "netsim/time.h"

namespace stoq::netsim {

struct RelayOptions {
  SocketAddress listen;    // client-facing address (port 0: ephemeral)
  SocketAddress upstream;  // the server
  // Control socket: UDP (ip:port) or Unix datagram ("unix:/path"); empty: none. A UDP
  // address must be loopback unless control_allow_remote. A Unix path that exists is
  // replaced only if it is a socket (a stale one from an earlier run), otherwise create()
  // fails; the socket is made mode 0600 and removed when the relay is destroyed.
  SocketAddress control;
  bool control_allow_remote = false;
  // The shared secret every control request starts with (control_auth.h); empty: a new
  // random one, see Relay::control_secret().
  std::string control_secret;
  LinkConfig up;    // client -> server
  LinkConfig down;  // server -> client
  std::size_t max_clients = 1024;
  Duration idle_timeout = std::chrono::seconds(60);
};

struct RelayCounters {
  LinkCounters up;
  LinkCounters down;
  std::uint64_t clients_active = 0;
  std::uint64_t clients_created = 0;
  std::uint64_t clients_expired = 0;   // removed after idle_timeout
  std::uint64_t clients_rejected = 0;  // datagrams from new clients dropped: max_clients
                                       // reached or no upstream socket could be opened
  std::uint64_t rebinds = 0;
  std::uint64_t undeliverable = 0;  // delivered by a link after its client mapping expired
  std::uint64_t send_errors = 0;    // sendto failures (e.g. socket buffer full, ECONNREFUSED)
  std::uint64_t receive_errors = 0;
  std::uint64_t control_requests = 0;         // authenticated requests
  std::uint64_t control_errors = 0;           // requests answered with ok=false
  std::uint64_t control_unauthenticated = 0;  // requests dropped without a reply: bad secret
};

nlohmann::json relay_counters_to_json(const RelayCounters& counters);

struct ClientInfo {
  std::uint64_t id = 0;
  SocketAddress client;          // the client's source address
  SocketAddress upstream_local;  // the relay's source address towards the server
  std::uint64_t packets_up = 0;
  std::uint64_t packets_down = 0;
  Duration idle{0};
};

class Relay {
 public:
  // Binds the sockets. Errors: Errc::kSocketError (bind failed, address in use, ...),
  // Errc::kInvalidAddress (listen and upstream of different families is allowed; an
  // empty listen or upstream address is not; a non-loopback control address without
  // control_allow_remote; a control path that exists and is not a socket),
  // Errc::kInvalidConfig (a link configuration out of bounds, a malformed secret).
  static Expected<std::unique_ptr<Relay>> create(const RelayOptions& options);

  ~Relay();
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  // Actual bound addresses (ephemeral ports resolved).
  SocketAddress listen_address() const;
  SocketAddress control_address() const;  // empty if there is no control socket
  // The secret control requests must start with; empty if there is no control socket.
  const std::string& control_secret() const;

  // Runs the event loop on a new thread until stop(). Errc::kAlreadyRunning if running.
  Status start();
  // Stops and joins the thread; returns within about 100 ms. No-op if not running.
  void stop();
  // True while the relay's thread is running its loop (false after an error ended it).
  bool running() const noexcept { return loop_running_.load(); }
  // The error that ended the thread's loop early, if any.
  std::optional<Error> thread_error() const;

  // One turn of the event loop in the caller's thread: waits at most `max_wait` (less if a
  // link has a packet due), then reads, forwards and delivers what is ready.
  // Errc::kAlreadyRunning while the thread runs; Errc::kSocketError if epoll fails.
  Status poll_once(Duration max_wait);

  // Live reconfiguration; applies to packets received from now on.
  void set_config(Direction direction, const LinkConfig& config);
  LinkConfig config(Direction direction) const;

  // NAT rebinding: the client's traffic continues from a new upstream source port; the
  // old upstream socket is closed at once (server packets still in flight to it are lost,
  // as with a real NAT). Errc::kUnknownClient if no mapping exists for `client`;
  // Errc::kSocketError if no new socket could be opened (the old one is then kept).
  Status rebind(const SocketAddress& client);
  // Rebinds every client; returns how many were rebound.
  std::size_t rebind_all();

  RelayCounters counters() const;
  std::vector<ClientInfo> clients() const;

  // Executes one control-protocol datagram ("SECRET REQUEST", control_protocol.h) and
  // returns the JSON reply exactly as the control socket would: nullopt (no reply) when
  // the secret is missing or wrong.
  std::optional<std::string> handle_control_request(std::string_view datagram);

 private:
  struct Mapping;
  struct State;
  explicit Relay(std::unique_ptr<State> state);
  void run_loop();
  Status poll_turn(Duration max_wait);
  // The *_locked members require state_->mutex held.
  std::vector<ClientInfo> clients_locked() const;
  std::optional<std::string> handle_control_locked(std::string_view datagram);
  nlohmann::json execute_locked(std::string_view request);

  std::unique_ptr<State> state_;
  std::thread thread_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> loop_running_{false};
};

}  // namespace stoq::netsim

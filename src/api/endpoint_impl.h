// The endpoint: owns the socket, the loop and every connection, routes datagrams to
// connections by connection ID and flushes their packets.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "api/address_validation.h"
#include "api/connection_shared.h"
#include "api/endpoint_keys.h"
#include "api/environment.h"
#include "api/forward_queue.h"
#include "api/message_memory.h"
#include "api/timer_heap.h"
#include "io/loop.h"
#include "io/socket_datapath.h"
#include "proto/signer_windows.h"
#include "quic/connection.h"
#include "stoq/endpoint.h"
#include "tls/tls_context.h"

namespace stoq::detail {

class EndpointImpl;

// The workers of a multi-core server (EndpointConfig::workers): each has its own
// SO_REUSEPORT socket, loop, thread and connections; the first byte of every connection
// ID a worker issues is its index, so a packet that the kernel hashed to another worker
// (after a NAT rebinding or migration) is handed to the right one.
struct WorkerGroup {
  std::vector<EndpointImpl*> workers;
};

// What every worker of one endpoint shares, whatever thread its connections run on.
struct EndpointShared {
  std::shared_ptr<MessageMemory> message_memory;         // receive memory of STOQ messages
  std::shared_ptr<proto::SignerWindows> signer_windows;  // replay windows of signed messages
  // SHA-256 from the Context's library context, fetched once for every connection's
  // messaging; empty when the context has none (messaging then reports it per connection).
  std::optional<proto::Sha256Algorithm> sha256;
  // From EndpointConfig::messaging; what Endpoint::create shares between its workers.
  static EndpointShared make(const Context& ctx, const MessagingConfig& messaging);
};

class EndpointImpl final : public quic::ConnectionHost, public quic::PacketWriter {
 public:
  // `keys` come from Endpoint::create (api/endpoint_keys.h): the constructor draws none.
  EndpointImpl(std::shared_ptr<Context> ctx, EndpointConfig config, std::unique_ptr<io::Loop> loop,
               EndpointShared shared, const EndpointKeys& keys, const EndpointEnvironment& env);
  ~EndpointImpl() override;

  Status listen(const SocketAddress& addr, bool reuse_port = false);
  void set_worker(std::shared_ptr<WorkerGroup> group, int index);
  // Multi-worker servers: workers after the first use the first worker's TLS context.
  std::shared_ptr<tls::TlsContext> server_tls() const { return server_tls_; }
  void share_server_tls(std::shared_ptr<tls::TlsContext> tls) { server_tls_ = std::move(tls); }
  uint64_t forwarded_datagrams() const { return forwarded_.load(std::memory_order_relaxed); }
  // Datagrams other workers could not hand to this one (its inbox_ was full).
  uint64_t forward_drops() const { return inbox_.dropped(); }
  Result<Connection> connect(const SocketAddress& addr, const Endpoint::ConnectOptions& options);
  void close(ConnectionShared& shared, uint64_t code, std::string_view reason);
  Status update_keys(ConnectionShared& shared);
  Status migrate(bool new_cid);

  io::Loop& loop() { return *loop_; }
  const Context& context() const { return *ctx_; }
  std::function<void(Connection)> on_connection;
  std::optional<std::thread> thread;
  SocketAddress local_address() const;
  // Thread-safe (read by the application while the loop runs elsewhere).
  size_t connection_count() const { return count_.load(std::memory_order_relaxed); }
  const EndpointShared& shared() const { return shared_; }

 private:
  struct Entry {
    std::unique_ptr<quic::Connection> conn;
    std::shared_ptr<ConnectionShared> shared;
    std::vector<quic::ConnectionId> cids;
    std::string source;              // server: the client's IP (per-source limit)
    std::string cache_key;           // client: "name:port" in the session cache (tokens)
    std::string ticket_key;          // client: cache_key + "#" + trust binding (tickets)
    bool counted_handshake = false;  // server: counted in handshakes_
  };

  Status ensure_socket(const SocketAddress& bind_addr, bool reuse_port = false);
  Result<std::unique_ptr<io::Datapath>> open_datapath(const SocketAddress& addr,
                                                      bool reuse_port) const;
  void on_socket_readable();
  void handle_datagram(const io::ReceivedDatagram& d, uint64_t now, bool forwarded = false);
  bool forward(const io::ReceivedDatagram& d, const ngtcp2_version_cid& vc);
  void accept(const io::ReceivedDatagram& d, uint64_t now);
  void send_version_negotiation(const io::ReceivedDatagram& d, const ngtcp2_version_cid& vc);
  bool maybe_stateless_reset(const io::ReceivedDatagram& d, uint64_t now);
  void send_stateless_reset(const io::ReceivedDatagram& d, const ngtcp2_version_cid& vc,
                            uint64_t now);
  void send_stateless(const SocketAddress& remote, const std::vector<uint8_t>& packet);
  void attach_qlog(quic::ConnectionParams& p, const quic::ConnectionId& cid, bool server);
  void release_source(Entry& e);
  void on_timer();
  void flush();
  void send_pending();
  void reap(quic::Connection* c);
  void reschedule(quic::Connection* c, uint64_t now);
  void map_cid(quic::Connection& conn, const quic::ConnectionId& cid);
  void unmap_cid(quic::Connection& conn, const quic::ConnectionId& cid);
  quic::Connection* lookup_cid(const uint8_t* dcid, size_t len);
  Entry* entry(quic::Connection& conn);
  std::shared_ptr<ConnectionShared> make_shared_state(quic::Connection* conn);

  // quic::ConnectionHost
  void on_handshake_completed(quic::Connection& conn) override;
  void on_remote_stream(quic::Connection& conn, std::shared_ptr<quic::StreamState> s) override;
  void on_closed(quic::Connection& conn, const CloseInfo& info) override;
  void on_cid_added(quic::Connection& conn, const quic::ConnectionId& cid) override;
  void on_cid_removed(quic::Connection& conn, const quic::ConnectionId& cid) override;
  void on_wants_write(quic::Connection& conn) override;
  void on_datagram(quic::Connection& conn, std::span<const uint8_t> payload) override;
  void on_session_ticket(quic::Connection& conn, std::vector<uint8_t> ticket) override;
  void on_new_token(quic::Connection& conn, std::span<const uint8_t> token) override;
  // quic::PacketWriter
  uint8_t* packet_space(size_t need) override;
  void write_packet(const SocketAddress& local, const SocketAddress& remote,
                    std::span<const uint8_t> packet, uint8_t ecn) override;

  std::shared_ptr<Context> ctx_;
  EndpointConfig config_;
  EndpointShared shared_;
  std::unique_ptr<io::Loop> loop_;
  // From the environment: how datapaths are opened, and the time.
  std::function<Result<std::unique_ptr<io::Datapath>>(const SocketAddress&,
                                                      const io::DatapathConfig&)>
      open_datapath_fn_;
  std::shared_ptr<const io::Clock> clock_;
  std::function<void(uint8_t*, size_t)> protocol_random_;
  uint64_t now_ns() const { return clock_->monotonic_ns(); }
  std::unique_ptr<io::Datapath> socket_;
  bool listening_ = false;
  // Shared by all workers of a multi-worker server: one session cache and one set of
  // ticket keys, so a ticket from any worker resumes (and is single-use) on every worker.
  std::shared_ptr<tls::TlsContext> server_tls_;
  std::unique_ptr<tls::TlsContext> client_tls_;
  std::array<uint8_t, 32> reset_secret_{};
  std::unique_ptr<quic::ResetTokens> reset_tokens_;  // from reset_secret_, for every connection
  quic::RandomPool random_pool_;                     // connection IDs and ngtcp2's random requests
  std::array<uint8_t, 32> token_secret_{};
  std::optional<AddressValidator> validator_;
  std::shared_ptr<SessionCache> session_cache_;
  std::unordered_map<std::string, size_t> per_source_;  // server: connections per client IP
  size_t handshakes_ = 0;                               // server: handshakes in progress
  // Stateless resets sent in the current second (bounded: each costs a packet).
  uint64_t reset_window_start_ = 0;
  size_t resets_in_window_ = 0;

  std::unordered_map<quic::Connection*, Entry> conns_;
  std::unordered_map<quic::ConnectionId, quic::Connection*, quic::ConnectionIdHash> by_cid_;
  // by_cid_'s last hit: a run of datagrams for one connection skips the hash lookup.
  // Cleared whenever that entry leaves by_cid_.
  quic::ConnectionId last_cid_;
  quic::Connection* last_conn_ = nullptr;
  std::unordered_set<quic::Connection*> dirty_;
  TimerHeap<quic::Connection*> timers_;  // each connection's next deadline

  // Outgoing batch for sendmmsg: packet bytes live in tx_buf_ until sent.
  std::vector<uint8_t> tx_buf_;
  size_t tx_used_ = 0;
  std::vector<io::OutgoingDatagram> tx_;
  uint64_t dropped_datagrams_ = 0;
  std::shared_ptr<WorkerGroup> group_;
  int worker_ = -1;  // index in group_, -1 without workers
  std::atomic<size_t> count_{0};
  std::atomic<uint64_t> forwarded_{0};
  ForwardQueue inbox_;  // datagrams other workers hand to this one (bounded)
};

}  // namespace stoq::detail

// One QUIC connection: ngtcp2_conn + OpenSSL SSL, without any I/O.
//
// Bytes and timestamps go in (read_datagram, handle_expiry), packets come out
// (write_packets) and next_expiry() says when to call handle_expiry. Events for the
// application are queued while ngtcp2 runs and delivered afterwards, so application code
// never runs inside an ngtcp2 callback.
//
// Threading: not thread-safe; one thread (the endpoint's loop) drives it.
#pragma once

#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/fifo.h"
#include "quic/clock.h"
#include "quic/connection_id.h"
#include "quic/random_pool.h"
#include "quic/reset_token.h"
#include "quic/stream_state.h"
#include "stoq/address.h"
#include "stoq/config.h"
#include "stoq/connection_info.h"
#include "stoq/error.h"
#include "tls/tls_context.h"

typedef struct ngtcp2_crypto_ossl_ctx ngtcp2_crypto_ossl_ctx;
typedef struct ssl_session_st SSL_SESSION;

namespace stoq::quic {

class Connection;

// The environment of a connection (injected, so tests can drive it without sockets).
class ConnectionHost {
 public:
  virtual ~ConnectionHost() = default;
  virtual void on_handshake_completed(Connection& conn) = 0;
  virtual void on_remote_stream(Connection& conn, std::shared_ptr<StreamState> stream) = 0;
  virtual void on_closed(Connection& conn, const CloseInfo& info) = 0;
  // Routing: packets addressed to `cid` belong to this connection from now on / no longer.
  virtual void on_cid_added(Connection& conn, const ConnectionId& cid) = 0;
  virtual void on_cid_removed(Connection& conn, const ConnectionId& cid) = 0;
  // Something is ready to send; call write_packets() soon (outside this callback is fine).
  virtual void on_wants_write(Connection& conn) = 0;
  // An RFC 9221 DATAGRAM payload arrived (the span is valid during the call only).
  virtual void on_datagram(Connection& conn, std::span<const uint8_t> payload) {
    (void)conn;
    (void)payload;
  }
  // Client: the server issued a session ticket (encode_session_ticket format) / a NEW_TOKEN
  // token for later connections.
  virtual void on_session_ticket(Connection& conn, std::vector<uint8_t> ticket) {
    (void)conn;
    (void)ticket;
  }
  virtual void on_new_token(Connection& conn, std::span<const uint8_t> token) {
    (void)conn;
    (void)token;
  }
};

// Receives the packets write_packets() produces.
class PacketWriter {
 public:
  virtual ~PacketWriter() = default;
  // Where the next packet (at most `need` bytes) may be built in place, so write_packet
  // need not copy it; valid until the next call to either function. nullptr: the
  // connection builds in its own buffer and write_packet copies.
  virtual uint8_t* packet_space(size_t need) {
    (void)need;
    return nullptr;
  }
  virtual void write_packet(const SocketAddress& local, const SocketAddress& remote,
                            std::span<const uint8_t> packet, uint8_t ecn) = 0;
};

struct ConnectionParams {
  const tls::TlsContext* tls = nullptr;  // must outlive the connection
  TransportConfig transport;
  ConnectionHost* host = nullptr;  // must outlive the connection
  SocketAddress local;
  SocketAddress remote;
  std::string peer_name;  // client: name to verify in the server certificate
  // Endpoint secret for stateless reset tokens (32 bytes).
  std::span<const uint8_t> reset_secret;
  // The endpoint's token generator for that secret (must outlive the connection); without
  // one the connection builds its own from reset_secret.
  ResetTokens* reset_tokens = nullptr;
  // Source of the random bytes ngtcp2 asks for (packet-number skipping, shuffling of the
  // client's Initial CRYPTO frames, hash seeds). Empty: OpenSSL's RAND_bytes. Only test
  // harnesses set it, to a seeded generator, so a simulated run repeats exactly; a real
  // endpoint must not (skipped packet numbers detect optimistic ACKs only if unpredictable).
  std::function<void(uint8_t* out, size_t len)> protocol_random;
  // The endpoint's pool for connection IDs and ngtcp2's requests (must outlive the
  // connection); without one, each request calls OpenSSL's RAND_bytes.
  RandomPool* random_pool = nullptr;

  // qlog (JSON-SEQ) output; called with fin = true once at the end. Empty: no qlog.
  std::function<void(std::span<const uint8_t> data, bool fin)> qlog;
  // Client: a token from NEW_TOKEN to put in the first Initial. Server: the validated token
  // of the client's Initial (address_validated says which kind).
  std::vector<uint8_t> token;
  // Server: the client's address is validated (a Retry token or a NEW_TOKEN token checked
  // by the endpoint), so the amplification limit does not apply.
  enum class Validation { kNone, kRetry, kNewToken } validation = Validation::kNone;
  // Server, after Retry: the DCID of the client's very first Initial (from the token).
  std::optional<ngtcp2_cid> original_dcid;
  // Client: a ticket from a previous connection (encode_session_ticket format) to resume.
  std::vector<uint8_t> resume_ticket;
  // Client: tls->ticket_binding(peer_name) when the caller computed it already; else the
  // connection does.
  std::optional<tls::TrustDigest> trust_binding;
  // Our first source connection ID; datalen 0 = random (see make_cid).
  ngtcp2_cid scid{};
  // Multi-worker servers: the first byte of every connection ID we issue names the worker
  // (-1: fully random).
  int cid_worker = -1;
};

// A fresh connection ID of kCidLength random bytes (from `pool` if given); the first
// byte is `worker` if >= 0. False if the system has no randomness.
bool make_cid(ngtcp2_cid& out, int worker, RandomPool* pool = nullptr);

class Connection : private tls::TlsObserver {
 public:
  static Result<std::unique_ptr<Connection>> client(const ConnectionParams& p, Timestamp now);
  // `hd` is the result of ngtcp2_accept() on the client's first Initial.
  static Result<std::unique_ptr<Connection>> server(const ConnectionParams& p,
                                                    const ngtcp2_pkt_hd& hd, Timestamp now);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Feeds one received UDP datagram. Errors are not returned: a fatal one closes the
  // connection (on_closed is delivered).
  void read_datagram(const SocketAddress& local, const SocketAddress& remote,
                     std::span<const uint8_t> data, uint8_t ecn, Timestamp now);
  // Produces up to max_packets packets; returns how many. Returns max_packets when more
  // may be ready (call again), fewer when limited by data, flow or congestion control.
  size_t write_packets(Timestamp now, PacketWriter& writer, size_t max_packets);
  Timestamp next_expiry() const;
  void handle_expiry(Timestamp now);

  // Stream operations, used by the public Stream handle.
  Result<std::shared_ptr<StreamState>> open_stream(bool bidi);
  // With an `owner`, the bytes are queued without a copy and `owner` is kept until they
  // are acknowledged (ByteQueue::append_shared).
  Result<size_t> stream_write(StreamState& s, std::span<const uint8_t> data,
                              std::shared_ptr<const void> owner = nullptr);
  Status stream_finish(StreamState& s);
  Result<size_t> stream_read(StreamState& s, std::span<uint8_t> out);
  Result<size_t> stream_read_view(StreamState& s,
                                  const std::function<void(std::span<const uint8_t>)>& fn,
                                  size_t max);
  void stream_reset(StreamState& s, uint64_t app_code);
  void stream_stop_sending(StreamState& s, uint64_t app_code);
  size_t stream_writable(const StreamState& s) const;

  // RFC 9221 DATAGRAM. max_datagram_payload(): the largest payload send_datagram accepts
  // now (0 before the handshake or when the peer did not offer DATAGRAM); bounded by the
  // peer's max_datagram_frame_size and by the smallest QUIC path MTU (1200), so a queued
  // datagram always fits a packet. send_datagram copies the payload into a bounded queue.
  // Errors: kUnsupported (peer does not accept DATAGRAM / handshake not done),
  // kLimitExceeded (larger than max_datagram_payload(): use a stream), kWouldBlock (queue
  // full: the datagram is not sent; datagrams are unreliable, so dropping is also fine),
  // kClosed.
  size_t max_datagram_payload() const;
  Status send_datagram(std::span<const uint8_t> payload);
  // Unidirectional streams we may still open (peer's MAX_STREAMS minus opened).
  uint64_t uni_streams_left() const;

  // Closes with an application error code; the CONNECTION_CLOSE goes out with the next
  // write_packets(). on_closed is delivered.
  void close(uint64_t app_code, std::string_view reason, Timestamp now);

  // Starts a TLS key update (RFC 9001 section 6). kInvalidArgument when not possible now
  // (handshake not confirmed, or the previous update is not confirmed yet: retry later).
  Status update_keys(Timestamp now);
  // True once the connection has freed its TLS state after the handshake (release_tls).
  bool tls_released() const noexcept { return tls_facts_.has_value(); }
  // Client: moves the connection to a new local address (active migration, RFC 9000
  // section 9: a new connection ID and path validation). With `new_cid` false, or when
  // active migration is not possible yet (handshake not confirmed, no spare connection
  // ID), the change looks like a NAT rebinding to the server (same connection ID).
  Status migrate(const SocketAddress& new_local, bool new_cid, Timestamp now);
  // Server: sends a NEW_TOKEN frame with `token`.
  Status submit_new_token(std::span<const uint8_t> token);

  bool is_server() const noexcept { return is_server_; }
  const SocketAddress& local_address() const noexcept { return local_; }
  const SocketAddress& remote_address() const noexcept { return remote_; }
  bool handshake_completed() const noexcept { return handshake_done_; }
  bool is_open() const noexcept { return state_ == State::kOpen; }
  // True when the connection can be deleted (closing/draining period over, or dead).
  bool finished(Timestamp now) const noexcept;
  ConnectionInfo info() const;
  const ConnectionId& initial_cid() const noexcept { return initial_scid_; }
  const CloseInfo& close_info() const noexcept { return close_info_; }
  std::vector<ConnectionId> local_cids() const;

 private:
  enum class State { kOpen, kClosing, kDraining, kDead };
  enum class EventKind {
    kHandshake,
    kRemoteStream,
    kReadable,
    kWritable,
    kStreamClosed,
    kClosed,
    kDatagram
  };
  struct Event {
    EventKind kind;
    std::shared_ptr<StreamState> stream;
    std::shared_ptr<std::vector<uint8_t>> datagram;  // kDatagram
  };

  explicit Connection(const ConnectionParams& p, bool is_server);
  Status init_tls();
  static void fill_callbacks(ngtcp2_callbacks& cb, bool is_server);
  void fill_settings(ngtcp2_settings& s, Timestamp now) const;
  void fill_params(ngtcp2_transport_params& p) const;

  void on_tls_failure(Errc code, std::string reason) override;
  void fail(int liberr, Timestamp now);
  void enter_closing(const ngtcp2_ccerr& ccerr, Timestamp now);
  void set_closed(CloseInfo info);
  CloseInfo close_info_from_peer() const;
  CloseInfo close_info_from_tls(uint8_t alert) const;
  void dispatch_events();
  void queue(EventKind kind, std::shared_ptr<StreamState> s = nullptr);
  void schedule_send(StreamState& s);
  std::shared_ptr<StreamState> find_stream(int64_t id) const;
  std::shared_ptr<StreamState> adopt_stream(int64_t id);
  void release_streams(bool notify);

  // ngtcp2 callbacks.
  static ngtcp2_conn* get_conn(ngtcp2_crypto_conn_ref* ref);
  static void rand_cb(uint8_t* dest, size_t len, const ngtcp2_rand_ctx* ctx);
  static int get_new_cid_cb(ngtcp2_conn*, ngtcp2_cid* cid, uint8_t* token, size_t cidlen,
                            void* user);
  static int remove_cid_cb(ngtcp2_conn*, const ngtcp2_cid* cid, void* user);
  static int handshake_completed_cb(ngtcp2_conn*, void* user);
  static int stream_open_cb(ngtcp2_conn*, int64_t id, void* user);
  static int recv_stream_data_cb(ngtcp2_conn*, uint32_t flags, int64_t id, uint64_t offset,
                                 const uint8_t* data, size_t len, void* user, void* suser);
  static int acked_stream_data_cb(ngtcp2_conn*, int64_t id, uint64_t offset, uint64_t len,
                                  void* user, void* suser);
  static int stream_close_cb(ngtcp2_conn*, uint32_t flags, int64_t id, uint64_t app_code,
                             void* user, void* suser);
  static int stream_reset_cb(ngtcp2_conn*, int64_t id, uint64_t final_size, uint64_t app_code,
                             void* user, void* suser);
  static int recv_stop_sending_cb(ngtcp2_conn*, int64_t id, uint64_t app_code, void* user,
                                  void* suser);
  static int recv_datagram_cb(ngtcp2_conn*, uint32_t flags, const uint8_t* data, size_t len,
                              void* user);
  bool write_datagram(Timestamp now, ngtcp2_path_storage& ps, ngtcp2_pkt_info& pi, uint8_t* buf,
                      ngtcp2_ssize& nwrite);
  uint8_t* packet_space(PacketWriter& writer);
  // Writes the pending CONNECTION_CLOSE, if any; returns the packets written (0 or 1).
  size_t flush_close_packet(PacketWriter& writer);
  // A fatal error while writing: closes (fail), delivers the events (on_closed) and sends
  // the CONNECTION_CLOSE that fail() built, so it leaves in this write_packets() call.
  // Returns the packets written (0 or 1).
  size_t fail_and_flush(int liberr, Timestamp now, PacketWriter& writer);
  void emit(PacketWriter& writer, const ngtcp2_path& path, const uint8_t* buf, ngtcp2_ssize len,
            uint8_t ecn);
  static int extend_max_stream_data_cb(ngtcp2_conn*, int64_t id, uint64_t max_data, void* user,
                                       void* suser);
  static int update_key_cb(ngtcp2_conn*, uint8_t* rx_secret, uint8_t* tx_secret,
                           ngtcp2_crypto_aead_ctx* rx_aead_ctx, uint8_t* rx_iv,
                           ngtcp2_crypto_aead_ctx* tx_aead_ctx, uint8_t* tx_iv,
                           const uint8_t* current_rx_secret, const uint8_t* current_tx_secret,
                           size_t secretlen, void* user);
  static int recv_stateless_reset_cb(ngtcp2_conn*, const ngtcp2_pkt_stateless_reset* sr,
                                     void* user);
  static int recv_new_token_cb(ngtcp2_conn*, const uint8_t* token, size_t len, void* user);
  static int early_data_rejected_cb(ngtcp2_conn*, void* user);
  static void qlog_cb(void* user, uint32_t flags, const void* data, size_t len);

  // Resumption (connection_resumption.cpp).
  Status resume(const std::vector<uint8_t>& ticket);
  void reopen_early_streams();
  void sample_delivery_rate(Timestamp now);

  // What info() reports about TLS, kept when a server frees its TLS state once the
  // handshake is done (release_tls): QUIC needs no TLS after that on a server (key updates
  // are derived by ngtcp2, tickets were sent with the handshake), and the SSL object with
  // its handshake state is about a third of a server connection's memory.
  struct TlsFacts {
    std::string group, cipher, peer_signature, peer_key_type, alpn;
    bool resumed = false, early_data_accepted = false;
  };
  // OpenSSL new-session callback for client SSL_CTXs (installed by configure_resumption).
  static int new_session_cb(SSL* ssl, SSL_SESSION* session);
  friend void configure_resumption(const tls::TlsContext& tls, const TransportConfig& transport);
  static int recv_crypto_data_cb(ngtcp2_conn* conn, ngtcp2_encryption_level level, uint64_t offset,
                                 const uint8_t* data, size_t len, void* user);
  TlsFacts read_tls_facts() const;
  void maybe_release_tls(Timestamp now);
  // After a read took bytes from `s`: returns flow-control credit for them; passes `r` on.
  Result<size_t> consumed(StreamState& s, Result<size_t> r);
  void release_tls();
  static int handshake_confirmed_cb(ngtcp2_conn* conn, void* user);

  const tls::TlsContext& tls_;
  TransportConfig transport_;
  ConnectionHost& host_;
  SocketAddress local_;
  SocketAddress remote_;
  std::string peer_name_;
  tls::TrustDigest trust_binding_{};  // client: what its tickets are bound to
  std::unique_ptr<ResetTokens> own_reset_tokens_;
  ResetTokens* reset_tokens_ = nullptr;
  RandomPool* random_pool_ = nullptr;
  std::function<void(uint8_t*, size_t)> protocol_random_;
  bool is_server_;

  ngtcp2_conn* conn_ = nullptr;
  ngtcp2_crypto_ossl_ctx* ossl_ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::optional<TlsFacts> tls_facts_;
  // A client frees its TLS state once confirmed and holding transport.session_tickets
  // tickets, or this long after confirmation (maybe_release_tls).
  static constexpr Timestamp kTicketWait = 2 * NGTCP2_SECONDS;
  bool handshake_confirmed_ = false;
  Timestamp confirmed_at_ = 0;
  uint32_t tickets_received_ = 0;
  ngtcp2_crypto_conn_ref conn_ref_{};
  ConnectionId initial_scid_;
  std::vector<ConnectionId> scids_;

  State state_ = State::kOpen;
  bool handshake_done_ = false;
  Timestamp created_ = 0;
  Timestamp handshake_at_ = 0;
  Timestamp close_deadline_ = 0;
  std::vector<uint8_t> close_packet_;
  bool close_packet_pending_ = false;
  CloseInfo close_info_;
  bool closed_reported_ = false;
  Errc tls_failure_code_ = Errc::kOk;
  std::string tls_failure_reason_;

  std::unordered_map<int64_t, std::shared_ptr<StreamState>> streams_;
  // Closed streams whose received bytes were not all read yet (they keep `conn` so reading
  // them returns connection-level credit).
  std::unordered_map<StreamState*, std::shared_ptr<StreamState>> closed_unread_;
  Fifo<std::shared_ptr<StreamState>> send_queue_;
  std::vector<Event> events_;
  bool dispatching_ = false;
  std::vector<uint8_t> packet_buf_;     // only for writers without packet_space()
  size_t max_payload_ = 0;              // TransportConfig::max_udp_payload, clamped
  std::vector<uint16_t> pmtud_probes_;  // empty: ngtcp2's own (up to 1452 bytes)
  Fifo<std::vector<uint8_t>> datagram_queue_;

  std::function<void(std::span<const uint8_t>, bool)> qlog_;
  std::vector<uint8_t> token_;
  ConnectionParams::Validation validation_ = ConnectionParams::Validation::kNone;
  std::optional<ngtcp2_cid> original_dcid_;
  int cid_worker_ = -1;
  bool early_data_attempted_ = false;
  bool early_data_rejected_ = false;
  bool stateless_reset_ = false;
  // ngtcp2 requires non-decreasing timestamps; the endpoint takes `now` once per batch
  // while application calls (close, update_keys) take a fresh one, so every entry point
  // clamps to the latest time seen.
  Timestamp last_ts_ = 0;
  Timestamp monotonic(Timestamp now) {
    if (now > last_ts_) last_ts_ = now;
    return last_ts_;
  }
  uint64_t key_updates_ = 0;
  uint64_t key_generations_prepared_ = 0;
  uint64_t migrations_ = 0;
  // Delivery rate: acknowledged stream bytes over the last sampling interval.
  uint64_t acked_bytes_ = 0;
  uint64_t rate_sample_bytes_ = 0;
  Timestamp rate_sample_at_ = 0;
  uint64_t delivery_rate_ = 0;  // bytes per second
};

}  // namespace stoq::quic

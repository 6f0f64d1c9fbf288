// A QUIC connection to one peer.
//
// Connection is a cheap, copyable handle; the endpoint owns the connection itself. After
// the connection ends, handles stay valid: calls return Errc::kClosed and info() returns the
// last known values. Threading: as for Stream, use it only on the endpoint's loop thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>

#include "stoq/connection_info.h"
#include "stoq/error.h"
#include "stoq/message.h"
#include "stoq/stream.h"

namespace stoq {
namespace detail {
struct ConnectionShared;
}

class WeakConnection;

class Connection {
 public:
  Connection() = default;
  explicit Connection(std::shared_ptr<detail::ConnectionShared> shared) noexcept;

  explicit operator bool() const noexcept { return static_cast<bool>(c_); }
  bool is_open() const noexcept;
  bool is_established() const noexcept;

  // Opens a stream. Errc::kStreamLimit when the peer's limit is reached (retry after some
  // streams close), Errc::kClosed when the connection is over.
  // With messaging on (MessagingConfig::enabled), unidirectional streams are typed: the
  // library writes the APPLICATION stream type (0x41, bytes 40 41) first on each stream
  // open_uni_stream returns, and strips it from the peer's application streams before
  // on_stream hands them over, so applications see only their own bytes on both sides.
  // (A plain QUIC peer would see those two bytes; use bidirectional streams with it.)
  Result<Stream> open_bidi_stream();
  Result<Stream> open_uni_stream();

  // Closes the connection with an application error code and reason (sent to the peer).
  // Idempotent. on_closed runs with Errc::kApplicationClosed.
  void close(uint64_t app_code = 0, std::string_view reason = {});

  // What was negotiated plus live path statistics (RTT, cwnd, bytes in flight, packets
  // sent/received/lost, delivery rate): this is the per-connection stats API.
  ConnectionInfo info() const;

  // ---- RFC 9221 DATAGRAM (unreliable, unordered) ----
  // Largest payload send_datagram accepts now: bounded by the peer's
  // max_datagram_frame_size and the smallest QUIC path (1200 bytes); 0 before the
  // handshake or when the peer does not accept DATAGRAM.
  size_t max_datagram_size() const;
  // Queues one datagram (copied). Errors (nothing is sent): kUnsupported (no DATAGRAM
  // support on the peer, or handshake not complete), kLimitExceeded (larger than
  // max_datagram_size(): use a stream), kWouldBlock (the bounded send queue is full;
  // TransportConfig::datagram_send_queue), kClosed. Datagrams may be lost; empty
  // payloads are not delivered.
  Status send_datagram(std::span<const uint8_t> payload);
  // Called for each datagram that arrives (the span is valid during the call only).
  void on_datagram(std::function<void(std::span<const uint8_t>)> cb);

  // Starts a TLS key update (RFC 9001 section 6); data in flight is unaffected. Errors:
  // kInvalidArgument when not possible yet (handshake not confirmed, or the previous update
  // not confirmed by the peer: retry a round trip later), kClosed.
  Status update_keys();
  // Why the connection ended (empty error while it is open).
  CloseInfo close_info() const;

  // Called once the handshake has completed and the peer is authenticated.
  void on_established(std::function<void()> cb);
  // Called for each stream the peer opens.
  void on_stream(std::function<void(Stream)> cb);
  // Called once when the connection ends, whatever the reason. Afterwards the connection
  // releases all its callbacks (and what they capture).
  void on_closed(std::function<void(const CloseInfo&)> cb);

  // ---- STOQ messages (stoq/message.h) ----
  // Sends one message. Returns the message's sequence number (its TOKEN sequence when a
  // token is sent). The span form copies the payload; the vector form takes it over only
  // on success (on error `payload` is left as it was). The payload is released once all
  // of it is handed to QUIC streams. Errors (nothing was sent):
  //   kWouldBlock: the peer's SETTINGS have not arrived yet, or max_pending_send_bytes is
  //     reached; wait for on_message_sendable.
  //   kStreamLimit: not enough unidirectional stream credit for the shards; retry later.
  //   kLimitExceeded: payload or shard count above the peer's limits.
  //   kInvalidArgument: bad options (sign without token or signer, 0 shards, more shards
  //     than payload bytes).
  //   kUnsupported: messaging is off, or the peer disabled a requested extension.
  //   kInternal: the signer failed. kClosed: the connection is over.
  Result<uint64_t> send_message(std::span<const uint8_t> payload,
                                const MessageOptions& options = {});
  Result<uint64_t> send_message(std::vector<uint8_t>&& payload, const MessageOptions& options = {});
  // True once the peer's SETTINGS arrived (send_message can work).
  bool messages_ready() const noexcept;
  // Largest payload the peer accepts (its max_message_size); 0 before messages_ready().
  uint64_t peer_max_message_size() const noexcept;
  // Called for each message that passed every check.
  void on_message(std::function<void(const ReceivedMessage&)> cb);
  // Called for each message that was dropped (bad token, replay, corrupted or missing
  // shards, bad or untrusted signature, limits).
  void on_message_rejected(std::function<void(const RejectedMessage&)> cb);
  // Called when send_message may succeed after it returned kWouldBlock (peer SETTINGS
  // arrived, or queued message bytes drained).
  void on_message_sendable(std::function<void()> cb);
  MessageStats message_stats() const;

  // A reference that does not keep the connection's state alive; capture this, not a
  // Connection, in the connection's own callbacks.
  WeakConnection weak() const noexcept;

 private:
  std::shared_ptr<detail::ConnectionShared> c_;
};

class WeakConnection {
 public:
  WeakConnection() = default;
  explicit WeakConnection(std::weak_ptr<detail::ConnectionShared> w) noexcept : w_(std::move(w)) {}
  Connection lock() const noexcept { return Connection(w_.lock()); }

 private:
  std::weak_ptr<detail::ConnectionShared> w_;
};

}  // namespace stoq

// Messaging: the STOQ extension protocol on one connection, between the sans-IO
// proto::Session and the QUIC connection.
//
// Receive: every peer-opened unidirectional stream comes here first. Its stream type is
// read byte by byte (at most 8 bytes); an APPLICATION stream (0x41) is then handed to the
// application's on_stream with the type already consumed, so the application reads only its
// own bytes; every other stream (control, message, unknown/grease) is read to its end and fed
// to the session. DATAGRAM payloads go to the session too. Session events become the
// public on_message / on_message_rejected callbacks, STOP_SENDING on refused streams, and
// the "peer settings known" state. A session error closes the connection with the STOQ
// error code and reason.
//
// Send: the control stream (SETTINGS, FALCON_KEY of the signer) right after the handshake
// on a client, and on a server as soon as the client's control stream arrives; then
// send() turns a payload into one message stream, N shard streams or one DATAGRAM and
// writes the streams as flow control allows (on_writable), keeping the payload until its
// last byte is queued.
//
// Lifetime: owned by ConnectionShared; it reaches the QUIC connection only through
// shared.conn (null once the endpoint released it). Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <unordered_map>
#include <vector>

#include "io/clock.h"
#include "proto/control_stream.h"
#include "proto/session.h"
#include "stoq/connection.h"
#include "stoq/context.h"
#include "stoq/message.h"
#include "stoq/stream.h"

namespace stoq::quic {
struct StreamState;
}

namespace stoq::detail {

struct ConnectionShared;

// What a connection's messaging shares with the rest of its endpoint (api/endpoint_impl.h).
struct MessagingEnvironment {
  std::shared_ptr<proto::MemoryBudget> budget;           // null: per-connection caps only
  std::shared_ptr<proto::SignerWindows> signer_windows;  // null: windows of its own
  std::shared_ptr<const io::Clock> clock;                // null: the system's clocks
  const proto::Sha256Algorithm* sha256 = nullptr;        // null: fetched from the Context
};

class Messaging {
 public:
  // The APPLICATION stream type as the 2-byte varint written first on application
  // unidirectional streams.
  static constexpr uint8_t kApplicationStreamPrefix[2] = {0x40, 0x41};

  // Checks the configuration (limits within the SETTINGS bounds, signer key size).
  // Errors: kInvalidArgument naming the bad field.
  static Result<std::shared_ptr<Messaging>> create(ConnectionShared& shared,
                                                   const MessagingConfig& config,
                                                   bool datagrams_enabled, const Context* ctx,
                                                   const MessagingEnvironment& env = {});
  ~Messaging();
  Messaging(const Messaging&) = delete;
  Messaging& operator=(const Messaging&) = delete;

  // Endpoint hooks.
  void on_established();
  void on_remote_uni_stream(std::shared_ptr<quic::StreamState> stream);
  // Returns the payload of an application datagram (tag 0x00; valid during the call),
  // empty for message datagrams and ignored ones.
  std::span<const uint8_t> on_datagram(std::span<const uint8_t> payload);
  // Monotonic deadline (ns) of the session's next timer; UINT64_MAX when none.
  uint64_t next_expiry(uint64_t mono_now_ns) const;
  void on_timer();
  // The connection is over: drop streams, queued messages and application callbacks.
  void on_connection_closed();

  // Connection API.
  Result<uint64_t> send(std::vector<uint8_t>& payload, const MessageOptions& options);
  bool ready() const noexcept { return session_.peer_settings().has_value() && !closed_; }
  uint64_t peer_max_message_size() const noexcept;
  MessageStats stats() const;

  std::function<void(const ReceivedMessage&)> on_message;
  std::function<void(const RejectedMessage&)> on_rejected;
  std::function<void()> on_sendable;

 private:
  struct Inbound {
    Stream stream;
    std::shared_ptr<quic::StreamState> state;
    proto::StreamTypeReader type;
    std::vector<uint8_t> type_bytes;
    bool routed = false;  // type known and not APPLICATION: bytes go to the session
  };
  struct OutStream {
    Stream stream;
    std::vector<uint8_t> pending;  // header / DATA frame header bytes not yet accepted
    uint64_t pos = 0;              // next payload byte to write
    uint64_t end = 0;
    uint64_t frame_left = 0;  // payload bytes left in the current DATA frame
    bool done = false;
  };
  struct Outgoing {
    std::vector<uint8_t> payload;
    std::vector<OutStream> streams;
    size_t remaining = 0;
  };

  Messaging(ConnectionShared& shared, proto::Sha256Algorithm sha256,
            proto::SessionConfig session_config, const MessagingConfig& config, const Context* ctx,
            std::shared_ptr<const io::Clock> clock);

  uint64_t now_ms() const { return clock_->wall_ms(); }
  void open_control_stream();
  void pump_inbound(int64_t id);
  // Feeds the session; false when the connection was closed for a protocol violation.
  bool feed(int64_t id, std::span<const uint8_t> bytes, bool fin);
  bool check(const proto::Status& st);
  void hand_to_application(int64_t id);
  void drain();
  void deliver(proto::ReceivedMessage& m);
  void stop_inbound(int64_t id, proto::Error code);
  void pump_outgoing(uint64_t number, size_t index);
  // Returns false when the stream failed.
  bool write_stream(Outgoing& m, OutStream& o);
  void fail_outgoing(uint64_t number);
  void finish_outgoing(uint64_t number);
  void maybe_sendable();

  ConnectionShared& shared_;
  MessagingConfig config_;
  const Context* ctx_;
  std::shared_ptr<const io::Clock> clock_;
  proto::Sha256Algorithm sha256_;  // from the Context's library context
  proto::Session session_;
  std::optional<proto::KeyId> key_id_;
  Stream control_;
  std::unordered_map<int64_t, Inbound> inbound_;
  std::map<uint64_t, Outgoing> outgoing_;
  std::vector<uint8_t> read_buf_;
  bool read_full_ = false;    // the last read filled its buffer: grow read_buf_
  uint64_t next_number_ = 0;  // local message number = TOKEN sequence
  uint64_t next_message_id_ = 0;
  uint64_t pending_bytes_ = 0;
  std::set<uint64_t> tokens_in_flight_;  // TOKEN sequences with streams not all acked yet
  bool blocked_ = false;                 // send() returned kWouldBlock since the last on_sendable
  bool closed_ = false;
  MessageStats counters_;
};

}  // namespace stoq::detail

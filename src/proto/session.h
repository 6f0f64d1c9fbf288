// Session: the receive side of the STOQ extension layer for one QUIC connection, tying the
// control stream, message streams, datagrams, token and signature checks and shard
// reassembly together. Sans-IO: the QUIC layer feeds stream and datagram bytes with the
// current time and polls events; the session never touches sockets or clocks.
//
// What the QUIC layer does:
//   - after the handshake: open a unidirectional stream and write control_preface();
//     announce signing keys with FalconKeyFrame::encode on the same stream;
//   - every byte received on a *peer-initiated unidirectional* stream goes to
//     on_uni_stream() (with fin when the FIN arrives); bytes of application streams come
//     back out as the returned span; RESET_STREAM goes to on_uni_stream_reset();
//   - every received DATAGRAM payload goes to on_datagram();
//   - call on_timer() when next_expiry() is reached;
//   - after each call, drain poll_event(): delivered messages, rejected messages, peer
//     settings and keys, and STOP_SENDING requests;
//   - an error Status from on_uni_stream / on_uni_stream_reset / on_datagram is a
//     connection error: close the connection with error().code (a STOQ application error
//     code) and error().reason as the reason phrase. After that the session is dead.
//   - to send messages, use writer() once peer_settings() is known.
// Bidirectional streams never go through the session. Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/fifo.h"
#include "proto/control_stream.h"
#include "proto/memory_budget.h"
#include "proto/message_writer.h"
#include "proto/owned_bytes.h"
#include "proto/shard_reassembler.h"
#include "proto/signature.h"
#include "proto/signer_windows.h"
#include "proto/token_verifier.h"

namespace stoq::proto {

struct SessionConfig {
  Settings local;                          // announced in our SETTINGS; bounds what we accept
  ShardReassemblerConfig reassembly;       // max_shard_count is taken from `local`
  uint64_t message_buffer_cap = 16 << 20;  // unsharded message payload buffered at once
  // An unsharded message stream (or one whose header is still incomplete) that brings no
  // new byte for this long is rejected with kMessageTimeout and its memory released.
  uint64_t message_idle_timeout_ms = 10000;
  // Shared with other sessions (the endpoint's, across connections and workers); null:
  // no budget beyond the caps above / a window set of this session's own.
  std::shared_ptr<MemoryBudget> budget;
  std::shared_ptr<SignerWindows> signer_windows;
  VerifyFunction verify;            // Falcon verify; without it signed messages fail
  std::vector<KeyId> trusted_keys;  // empty: any announced key is accepted
  bool require_token = false;       // reject messages without TOKEN
  bool require_signature = false;   // reject messages without FALCON_SIG
};

// A message that passed every check that applies to it.
struct ReceivedMessage {
  MessageHeader header;  // token (verified if present), shard info, hop, seed
  OwnedBytes payload;
  std::optional<KeyId> signer;  // set when FALCON_SIG verified
  bool via_datagram = false;
  std::vector<int64_t> streams;  // the stream(s) it arrived on
};

// A message that was dropped; its bytes are never delivered.
struct RejectedMessage {
  Error code = Error::kInternal;
  std::string reason;
  std::optional<uint64_t> message_id;  // sharded messages
  std::vector<uint64_t> missing_shards;
  std::vector<int64_t> streams;
};

// Ask the QUIC layer to send STOP_SENDING(code) on a stream and forget its data.
struct StopSending {
  int64_t stream_id = 0;
  Error code = Error::kNoError;
};

struct PeerSettingsReceived {
  Settings settings;
};

struct PeerKeyAnnounced {
  FalconKeyFrame key;
  bool usable = false;  // false for certificate keys (need X.509 validation) or over limit
};

using SessionEvent = std::variant<ReceivedMessage, RejectedMessage, StopSending,
                                  PeerSettingsReceived, PeerKeyAnnounced>;

struct SessionStats {
  uint64_t messages_received = 0;
  uint64_t messages_rejected = 0;
  uint64_t datagrams_received = 0;
  uint64_t streams_ignored = 0;  // unknown / grease stream types
};

class Session {
 public:
  // `sha256`: SHA-256 from the caller's OpenSSL library context (payload hashes of TOKEN
  // and SHARD checks, FALCON_KEY key ids).
  Session(Sha256Algorithm sha256, SessionConfig config);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Bytes for our control stream: stream type, SETTINGS, grease.
  std::vector<uint8_t> control_preface(uint64_t grease_random = 0) const;

  const Settings& local_settings() const { return config_.local; }
  const std::optional<Settings>& peer_settings() const { return control_.peer_settings(); }
  // Serialiser bound to the peer's limits; meaningful once peer_settings() is set.
  MessageWriter writer() const;

  // Data of a peer-initiated unidirectional stream. Returns the application payload in
  // `data` (for streams of type APPLICATION; empty otherwise). Errors: connection errors.
  Result<std::span<const uint8_t>> on_uni_stream(int64_t stream_id, std::span<const uint8_t> data,
                                                 bool fin, uint64_t now_ms);
  // The peer reset a unidirectional stream. Error: kClosedCriticalStream for the control
  // stream.
  Status on_uni_stream_reset(int64_t stream_id, uint64_t now_ms);
  // A DATAGRAM payload. Returns the application datagram (tag 0x00) payload, else empty.
  Result<std::span<const uint8_t>> on_datagram(std::span<const uint8_t> datagram, uint64_t now_ms);

  // A signing key known out of band (configuration, or a certificate announced with
  // FALCON_KEY that the X.509 layer validated). Errors: kLimitExceeded (too many keys).
  Status add_signer_key(FalconAlgorithm algorithm, const KeyId& key_id,
                        std::span<const uint8_t> public_key) {
    return signatures_.add_public_key(algorithm, key_id, public_key);
  }

  void on_timer(uint64_t now_ms);
  std::optional<uint64_t> next_expiry() const;
  std::optional<SessionEvent> poll_event();

  const SessionStats& stats() const { return stats_; }
  // This session's TOKEN checks: unsigned messages (the connection's window) and signed
  // ones (their signers' windows, shared through SessionConfig::signer_windows).
  TokenStats token_stats() const;
  const ReassemblyStats& reassembly_stats() const { return reassembler_.stats(); }
  // Unsharded payload bytes currently buffered (bounded by message_buffer_cap).
  uint64_t buffered_bytes() const { return buffered_; }

 private:
  struct Stream;
  Status fail(Violation v);
  Status on_message_data(int64_t id, Stream& s, std::span<const uint8_t> data, bool fin,
                         uint64_t now_ms);
  void reject_stream(int64_t id, Stream& s, Error code);
  void reject_message(Error code, std::string reason, std::optional<uint64_t> message_id,
                      std::vector<uint64_t> missing, std::vector<int64_t> streams);
  void deliver(MessageHeader header, OwnedBytes payload, const std::optional<Digest>& digest,
               bool via_datagram, std::vector<int64_t> streams, uint64_t now_ms);
  void drain_control();
  void drain_reassembler(uint64_t now_ms);
  void release(Stream& s);

  Sha256Algorithm sha256_;
  SessionConfig config_;
  ControlStream control_;
  std::optional<int64_t> control_stream_id_;
  // Sequence numbers are per sender: a signed message (possibly relayed from elsewhere) is
  // checked in its signer's window, which every connection of the receiver shares
  // (SignerWindows); an unsigned one in the connection's.
  Status verify_token(const std::optional<KeyId>& signer, const TokenFrame& token,
                      const Digest& digest, uint64_t now_ms);
  // Unsharded message streams that made no progress for message_idle_timeout_ms.
  void expire_idle_streams(uint64_t now_ms);
  void unwatch(Stream& s);
  // Makes room for `more` bytes in s.buffer, charging the budget; false when it refuses.
  bool grow_buffer(Stream& s, size_t more);
  void uncharge(Stream& s);
  TokenVerifier tokens_;
  std::shared_ptr<SignerWindows> signer_windows_;
  TokenStats signed_stats_;
  SignatureVerifier signatures_;
  ShardReassembler reassembler_;
  std::unordered_map<int64_t, std::unique_ptr<Stream>> streams_;
  std::unordered_map<uint64_t, std::vector<int64_t>> shard_streams_;  // admitted messages
  Fifo<SessionEvent> events_;
  uint64_t buffered_ = 0;
  // No message stream's idle deadline is before this (UINT64_MAX: none to watch).
  uint64_t streams_next_check_ = UINT64_MAX;
  size_t watched_ = 0;    // message streams the idle deadline applies to
  uint64_t charged_ = 0;  // unsharded buffer capacity charged to config_.budget
  SessionStats stats_;
  std::optional<Violation> error_;
};

}  // namespace stoq::proto

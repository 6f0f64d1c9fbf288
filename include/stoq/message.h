// STOQ messages: framed application messages carried by the STOQ extension protocol
// (docs/protocol.md) over unidirectional QUIC streams or DATAGRAM frames, optionally with a
// TOKEN (SHA-256, per-sender sequence, timestamp), split over N parallel streams (SHARD),
// and signed end to end (FALCON_SIG, keys announced with FALCON_KEY).
//
// Messaging is on by default (MessagingConfig::enabled). Each side then opens a control
// stream after the handshake and announces its SETTINGS; messages can be sent once the
// peer's SETTINGS arrived (Connection::messages_ready). A plain QUIC peer that never opens
// a control stream can still use bidirectional streams; messages are unavailable with it.
//
// Threading and callbacks: as for Connection (the endpoint's loop thread only).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace stoq {

// SHA-256 of a raw Falcon public key encoding: how signers are named on the wire.
using MessageKeyId = std::array<uint8_t, 32>;

enum class MessageSignatureAlgorithm : uint8_t { kFalcon512 = 1, kFalcon1024 = 2 };

// Signs outgoing messages (the FALCON_SIG frame). The library calls sign() on the loop
// thread with the exact bytes to sign (docs/protocol.md, "Message signatures"); a Falcon
// implementation returns the detached signature (at most 1462 bytes), or nullopt on failure
// (the message is then not sent and send_message returns kInternal). public_key() is the
// raw encoding (897 bytes for Falcon-512, 1793 for Falcon-1024); it is announced to every
// peer with FALCON_KEY and its SHA-256 is the key id.
class MessageSigner {
 public:
  virtual ~MessageSigner() = default;
  virtual MessageSignatureAlgorithm algorithm() const = 0;
  virtual std::span<const uint8_t> public_key() const = 0;
  virtual std::optional<std::vector<uint8_t>> sign(std::span<const uint8_t> message) = 0;
};

// Verifies a detached signature; true when valid. Called on the loop thread.
using MessageVerifier =
    std::function<bool(MessageSignatureAlgorithm algorithm, std::span<const uint8_t> public_key,
                       std::span<const uint8_t> message, std::span<const uint8_t> signature)>;

struct MessagingConfig {
  // Off: no control stream, unidirectional streams carry raw bytes (no stream type), and
  // the message functions return Errc::kUnsupported.
  bool enabled = true;
  // Receive limits, announced to the peer in SETTINGS.
  uint64_t max_message_size = uint64_t{64} << 20;
  uint64_t max_shard_count = 64;
  // Replay window, sequence numbers: one per connection for unsigned messages, and one
  // per verified signer shared by all connections and workers of the endpoint.
  uint64_t token_window = 1024;
  std::chrono::milliseconds max_clock_skew{30'000};
  // Receive memory of one connection: sharded messages being reassembled (all together),
  // and unsharded messages buffered until their stream ends (a larger message must be
  // sent sharded). Beyond them messages are rejected (limit_exceeded).
  uint64_t reassembly_memory = (uint64_t{64} << 20) + (uint64_t{1} << 20);
  uint64_t unsharded_buffer = uint64_t{16} << 20;
  // The same receive memory bounded over all connections of the endpoint (every worker),
  // and over all connections from one source IP address: N connections cannot hold N
  // times the caps above. Endpoint::message_memory() reports the use.
  uint64_t endpoint_message_memory = uint64_t{256} << 20;
  uint64_t per_source_message_memory = uint64_t{96} << 20;
  std::chrono::milliseconds shard_idle_timeout{10'000};   // no progress on a sharded message
  std::chrono::milliseconds shard_max_lifetime{120'000};  // first shard to completion
  // No new byte on an unsharded message stream for this long: the message is rejected
  // (message_timeout) and its memory released. Zero: no deadline.
  std::chrono::milliseconds message_idle_timeout{10'000};
  size_t max_messages_in_reassembly = 64;
  bool require_token = false;      // reject messages without TOKEN
  bool require_signature = false;  // reject messages without a verified FALCON_SIG
  // Signatures: `verifier` checks received FALCON_SIGs (without it signed messages are
  // rejected); `trusted_keys` restricts accepted signers (empty: any key the peer announces).
  MessageVerifier verifier;
  std::vector<MessageKeyId> trusted_keys;
  // Signs messages sent with MessageOptions::sign; its key is announced to every peer.
  std::shared_ptr<MessageSigner> signer;
  // Payload bytes of messages accepted by send_message but not yet handed to QUIC streams.
  // Above it send_message returns kWouldBlock (a message larger than the limit is still
  // accepted when nothing else is pending).
  uint64_t max_pending_send_bytes = uint64_t{256} << 20;
};

struct MessageOptions {
  bool token = true;               // TOKEN frame (hash, sequence, timestamp)
  uint32_t shards = 1;             // > 1: split over this many parallel streams
  bool sign = false;               // FALCON_SIG with MessagingConfig::signer (needs token)
  bool datagram_if_small = false;  // unreliable DATAGRAM when it fits (unsharded only)
};

struct MessageShardInfo {
  uint64_t message_id = 0;
  uint64_t count = 1;
  uint64_t total_length = 0;
};

// A message that passed every check that applies to it: the TOKEN hash, replay window and
// clock skew; the whole-message hash of a sharded message; the signature and trust list.
struct ReceivedMessage {
  // Valid only during the on_message callback; copy what you keep.
  std::span<const uint8_t> payload;
  bool has_token = false;
  uint64_t sequence = 0;      // TOKEN sequence (when has_token)
  uint64_t timestamp_ms = 0;  // TOKEN timestamp, ms since the Unix epoch (when has_token)
  std::array<uint8_t, 32> payload_hash{};  // TOKEN hash (when has_token)
  std::optional<MessageKeyId> signer;      // verified signer
  std::optional<MessageShardInfo> shards;  // sharded messages
  bool via_datagram = false;
  size_t stream_count = 0;  // streams it arrived on (0 for a datagram)
};

// A message that was dropped; its bytes are never delivered.
struct RejectedMessage {
  uint64_t code = 0;      // STOQ error code (docs/protocol.md section 14)
  std::string code_name;  // e.g. "token_replay", "shard_integrity", "untrusted_key"
  std::string reason;
  std::optional<uint64_t> message_id;  // sharded messages
  std::vector<uint64_t> missing_shards;
};

// Endpoint-wide receive memory of STOQ messages (MessagingConfig::endpoint_message_memory).
struct MessageMemoryStats {
  uint64_t in_use = 0;    // bytes held by all connections now
  uint64_t refusals = 0;  // messages rejected because a budget was reached, so far
  size_t sources = 0;     // source addresses holding bytes now
};

struct MessageStats {
  uint64_t messages_sent = 0;  // fully handed to QUIC streams / datagrams
  uint64_t datagrams_sent = 0;
  uint64_t send_failures = 0;  // a stream of an outgoing message was stopped or reset
  uint64_t messages_received = 0;
  uint64_t messages_rejected = 0;
  uint64_t datagrams_received = 0;
  uint64_t tokens_accepted = 0, token_hash_mismatch = 0, token_replayed = 0, token_stale = 0;
  uint64_t shards_completed = 0, shards_corrupted = 0, shards_timed_out = 0, shards_rejected = 0,
           shards_abandoned = 0;
  uint64_t unsharded_buffered_bytes = 0;  // unsharded message bytes buffered right now
  uint64_t pending_send_bytes = 0;
};

}  // namespace stoq

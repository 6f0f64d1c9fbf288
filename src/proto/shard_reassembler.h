// ShardReassembler: puts sharded messages back together, per connection. Sans-IO: the
// caller passes `now_ms`, asks next_expiry() when to call on_timer().
//
// Feeding: for each message stream whose header has a SHARD frame, call on_shard_begin()
// with the header (after MessageReader's kHeader), on_shard_data() for each kData piece and
// on_shard_end() after its kEnd. If the stream is reset, call on_shard_abandoned().
//
// Memory: a message is admitted only if its total_length plus bookkeeping fits under
// memory_cap together with every other message in progress, and at most max_messages are
// in progress; so memory stays below the cap whatever the peer sends, including shards of
// messages that never complete (they time out and their memory is released). The buffer
// is allocated on admission but only touched as bytes arrive.
//
// Results come out of poll_event(): a ReassembledMessage (whole-message SHA-256 verified,
// header of shard 0) or a FailedMessage (corrupted, inconsistent, missing shards after the
// timeout, or rejected for capacity), each message at most once; a failed message's bytes
// are never delivered. Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/fifo.h"
#include "proto/memory_budget.h"
#include "proto/message.h"
#include "proto/owned_bytes.h"
#include "proto/result.h"
#include "proto/sha256.h"

namespace stoq::proto {

struct ShardReassemblerConfig {
  uint64_t memory_cap = uint64_t{256} << 20;  // bytes reserved for all messages together
  uint64_t idle_timeout_ms = 10000;           // fail a message that makes no progress for this long
  uint64_t max_lifetime_ms = 120000;  // fail a message not complete this long after its first shard
  size_t max_messages = 64;           // messages in progress at once
  uint64_t max_shard_count = 64;      // our advertised max_shard_count
  size_t remembered_ids = 256;        // finished message ids remembered to refuse late shards
  // Also charged with each admitted message's reservation (not owned; may be null).
  MemoryBudget* budget = nullptr;
};

struct ReassembledMessage {
  uint64_t message_id = 0;
  MessageHeader header;  // of shard 0 (TOKEN, HOP, SEED, FALCON_SIG live there)
  OwnedBytes payload;
  Digest digest{};  // equals SHARD message_hash
};

struct FailedMessage {
  uint64_t message_id = 0;
  // kShardIntegrity (corrupt, inconsistent, stream reset), kShardTimeout, kLimitExceeded
  // (capacity), kMessageIncomplete (a shard stream ended short).
  Error code = Error::kShardIntegrity;
  std::string reason;
  std::vector<uint64_t> missing;  // shard indices not (completely) received
};

using ReassemblyEvent = std::variant<ReassembledMessage, FailedMessage>;

struct ReassemblyStats {
  uint64_t completed = 0;
  uint64_t corrupted = 0;  // hash mismatch or inconsistent shards
  uint64_t timed_out = 0;
  uint64_t rejected = 0;  // capacity
  uint64_t abandoned = 0;
};

class ShardReassembler {
 public:
  // `sha256` hashes each reassembled message (checked against SHARD message_hash).
  explicit ShardReassembler(Sha256Algorithm sha256, ShardReassemblerConfig config = {});
  ~ShardReassembler();
  ShardReassembler(const ShardReassembler&) = delete;
  ShardReassembler& operator=(const ShardReassembler&) = delete;

  // A shard stream's header arrived (header.shard must be set). Errors mean "reset this
  // stream with the code": kShardIntegrity (inconsistent with other shards of the message,
  // duplicate index, overlapping range, or message already finished), kShardTimeout
  // (message already timed out), kLimitExceeded (capacity; the message fails), kInternal
  // (no SHARD in header). When the error fails the whole message, a FailedMessage is queued.
  Status on_shard_begin(const MessageHeader& header, uint64_t now_ms);
  // Payload bytes of shard `index`, in stream order. Errors as above; kInternal if the
  // shard was not begun (a caller bug) or more bytes than its length arrive.
  Status on_shard_data(uint64_t message_id, uint64_t index, std::span<const uint8_t> bytes,
                       uint64_t now_ms);
  // The shard's stream ended cleanly. Errors: kMessageIncomplete when short (fails the
  // message). Completes the message when it was the last shard.
  Status on_shard_end(uint64_t message_id, uint64_t index, uint64_t now_ms);
  // The shard's stream was reset: the message fails (FailedMessage with kShardIntegrity).
  void on_shard_abandoned(uint64_t message_id, uint64_t index);

  // Fails every message whose deadline is <= now_ms.
  void on_timer(uint64_t now_ms);
  // Earliest deadline of a message in progress; nullopt when idle.
  std::optional<uint64_t> next_expiry() const;

  std::optional<ReassemblyEvent> poll_event();

  uint64_t memory_reserved() const { return reserved_; }
  size_t messages_in_progress() const { return messages_.size(); }
  const ReassemblyStats& stats() const { return stats_; }

 private:
  struct Message;
  // Queues a FailedMessage, releases the message, and counts it in `counter` (by default
  // chosen from the code).
  Status fail(uint64_t message_id, Error code, std::string reason,
              uint64_t ReassemblyStats::*counter = nullptr);
  void finish(uint64_t message_id);
  void remember(uint64_t message_id, Error code);
  std::optional<Error> finished(uint64_t message_id) const;

  Sha256Algorithm sha256_;
  ShardReassemblerConfig config_;
  std::unordered_map<uint64_t, std::unique_ptr<Message>> messages_;
  Fifo<std::pair<uint64_t, Error>> finished_;  // kNoError = delivered
  Fifo<ReassemblyEvent> events_;
  uint64_t reserved_ = 0;
  ReassemblyStats stats_;
};

}  // namespace stoq::proto

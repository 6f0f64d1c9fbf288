// MessageReader: receive state machine for one message stream (stream type 0x4d), fed the
// stream's bytes after the type varint.
//
// Layout enforced: header frames (TOKEN, SHARD, HOP, SEED, FALCON_SIG; each at most
// once, in that order), then DATA frames, then FIN. Unknown and grease frames are skipped
// anywhere. SETTINGS and FALCON_KEY are frame_unexpected. The payload is bounded by
// max_message_size and, for a shard, must be exactly SHARD.length bytes.
//
// Memory: a FrameDecoder (bounded) plus the header; payload is never buffered — kData
// events hand out spans of the caller's input. Not thread-safe; one reader per stream.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "proto/frame.h"
#include "proto/frame_decoder.h"
#include "proto/message.h"
#include "proto/sha256.h"

namespace stoq::proto {

// Accumulates header frames in canonical order; shared by MessageReader and datagrams.
class HeaderParser {
 public:
  // Adds one buffered frame. Errors: the frame's decode error; kFrameUnexpected for a
  // frame out of order, repeated, or not allowed in a message.
  Status add(uint64_t type, std::span<const uint8_t> payload);
  MessageHeader& header() { return header_; }
  const MessageHeader& header() const { return header_; }

 private:
  MessageHeader header_;
  int last_rank_ = 0;
};

enum class MessageEventKind {
  kNeedMore,  // input used up
  kHeader,    // header() is complete and validated; emitted once, before any kData
  kData,      // payload bytes (a span of the caller's input to the same call)
  kEnd,       // the message is complete (after finish() only)
};

struct MessageEvent {
  MessageEventKind kind = MessageEventKind::kNeedMore;
  std::span<const uint8_t> data;
};

class MessageReader {
 public:
  // `sha256` hashes the payload of a message with TOKEN and without SHARD.
  MessageReader(const MessageLimits& limits, Sha256Algorithm sha256);

  // Feeds stream bytes, advancing `input`. Call until kNeedMore. Errors are sticky and
  // are the peer's fault: reset the stream / close the connection with error().code.
  // kLimitExceeded, kFrameEncoding, kFrameUnexpected, kShardIntegrity (more DATA than
  // SHARD.length) and the header frames' own decode errors.
  Result<MessageEvent> next(std::span<const uint8_t>& input);

  // The peer finished the stream (FIN). Returns kHeader first if it was not yet emitted,
  // then kEnd on the following call. Errors: kMessageIncomplete when the stream ended
  // inside a frame or short of SHARD.length.
  Result<MessageEvent> finish();

  const MessageHeader& header() const { return parser_.header(); }
  uint64_t payload_bytes() const { return payload_bytes_; }
  // SHA-256 of the payload, computed only for a header with TOKEN and without SHARD
  // (sharded messages are hashed by the ShardReassembler). Set once kEnd was returned.
  const std::optional<Digest>& payload_digest() const { return digest_; }

 private:
  enum class State { kHeaders, kPayload, kFinishing, kDone, kFailed };
  Result<MessageEvent> fail(Violation v);
  Status emit_header_checks();

  MessageLimits limits_;
  Sha256Algorithm sha256_;
  FrameDecoder decoder_;
  HeaderParser parser_;
  State state_ = State::kHeaders;
  uint64_t payload_bytes_ = 0;
  std::optional<Sha256> hasher_;  // only for messages whose TOKEN we must check here
  std::optional<Digest> digest_;
  Violation error_;
};

}  // namespace stoq::proto

#include "proto/message_reader.h"

#include <string>
#include <utility>

namespace stoq::proto {
namespace {

int header_rank(FrameType t) {
  switch (t) {
    case FrameType::kToken:
      return 1;
    case FrameType::kShard:
      return 2;
    case FrameType::kHop:
      return 3;
    case FrameType::kSeed:
      return 4;
    case FrameType::kFalconSig:
      return 5;
    default:
      return 0;
  }
}

template <class T>
Status take(std::optional<T>& slot, std::span<const uint8_t> payload) {
  auto r = T::decode(payload);
  if (!r) return r.error();
  slot = std::move(r).value();
  return Ok{};
}

}  // namespace

Status HeaderParser::add(uint64_t type, std::span<const uint8_t> payload) {
  auto known = known_frame_type(type);
  if (!known) return Ok{};  // unknown / grease: ignored
  const int rank = header_rank(*known);
  if (rank == 0)
    return violation(Error::kFrameUnexpected,
                     std::string(frame_type_name(type)) + " not allowed in a message header");
  if (rank <= last_rank_)
    return violation(Error::kFrameUnexpected, std::string(frame_type_name(type)) +
                                                  " repeated or out of order in message header");
  last_rank_ = rank;
  switch (*known) {
    case FrameType::kToken:
      return take(header_.token, payload);
    case FrameType::kShard:
      return take(header_.shard, payload);
    case FrameType::kHop:
      return take(header_.hop, payload);
    case FrameType::kSeed:
      return take(header_.seed, payload);
    case FrameType::kFalconSig:
      return take(header_.signature, payload);
    default:
      return Ok{};
  }
}

MessageReader::MessageReader(const MessageLimits& limits, Sha256Algorithm sha256)
    : limits_(limits), sha256_(std::move(sha256)), decoder_(limits.max_frame_size) {}

Result<MessageEvent> MessageReader::fail(Violation v) {
  state_ = State::kFailed;
  error_ = v;
  return v;
}

Status MessageReader::emit_header_checks() {
  if (auto s = validate_header(parser_.header(), limits_); !s) return s;
  const auto& h = parser_.header();
  if (h.token && !h.shard) hasher_.emplace(sha256_.start());
  return Ok{};
}

Result<MessageEvent> MessageReader::next(std::span<const uint8_t>& input) {
  if (state_ == State::kFailed) return error_;
  if (state_ == State::kDone || state_ == State::kFinishing)
    return fail(violation(Error::kInternal, "MessageReader fed after finish()"));
  for (;;) {
    auto ev = decoder_.next(input);
    if (!ev) return fail(ev.error());
    FrameEvent& e = ev.value();
    switch (e.kind) {
      case FrameEventKind::kNeedMore:
        return MessageEvent{};
      case FrameEventKind::kFrame:
        if (state_ != State::kHeaders)
          return fail(violation(Error::kFrameUnexpected, std::string(frame_type_name(e.type)) +
                                                             " after message payload started"));
        if (auto s = parser_.add(e.type, e.payload); !s) return fail(s.error());
        continue;
      case FrameEventKind::kDataBegin: {
        const auto& shard = parser_.header().shard;
        const uint64_t bound = shard ? shard->length : limits_.max_message_size;
        if (e.length > bound - payload_bytes_)
          return fail(violation(shard ? Error::kShardIntegrity : Error::kLimitExceeded,
                                "message payload exceeds " +
                                    std::string(shard ? "SHARD length " : "max_message_size ") +
                                    std::to_string(bound)));
        if (state_ == State::kHeaders) {
          if (auto s = emit_header_checks(); !s) return fail(s.error());
          state_ = State::kPayload;
          return MessageEvent{MessageEventKind::kHeader, {}};
        }
        continue;
      }
      case FrameEventKind::kData:
        payload_bytes_ += e.payload.size();
        if (hasher_) hasher_->update(e.payload);
        return MessageEvent{MessageEventKind::kData, e.payload};
    }
  }
}

Result<MessageEvent> MessageReader::finish() {
  switch (state_) {
    case State::kFailed:
      return error_;
    case State::kDone:
      return MessageEvent{MessageEventKind::kEnd, {}};
    case State::kFinishing:
      break;
    case State::kHeaders:
    case State::kPayload: {
      if (!decoder_.at_frame_boundary())
        return fail(violation(Error::kMessageIncomplete, "message stream ended inside a frame"));
      const bool header_pending = state_ == State::kHeaders;
      if (header_pending)
        if (auto s = emit_header_checks(); !s) return fail(s.error());
      const auto& shard = parser_.header().shard;
      if (shard && payload_bytes_ != shard->length)
        return fail(violation(Error::kMessageIncomplete,
                              "shard ended after " + std::to_string(payload_bytes_) + " of " +
                                  std::to_string(shard->length) + " bytes"));
      state_ = State::kFinishing;
      if (header_pending) return MessageEvent{MessageEventKind::kHeader, {}};
      break;
    }
  }
  state_ = State::kDone;
  if (hasher_) digest_ = hasher_->finish();
  return MessageEvent{MessageEventKind::kEnd, {}};
}

}  // namespace stoq::proto

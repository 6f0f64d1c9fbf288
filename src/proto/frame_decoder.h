// Incremental frame decoder for stream data that arrives in arbitrary pieces.
//
// Ownership and memory: the decoder copies only the header (at most 16 bytes) and the
// payload of buffered frame types (bounded per type by max_buffered_payload, so at most
// kMaxBufferedFrame bytes). DATA payload is handed out as spans into the caller's input,
// unknown and grease frames are skipped without being stored. Memory therefore stays
// bounded whatever the peer sends. Not thread-safe; one decoder per stream.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "proto/frame.h"
#include "proto/result.h"

namespace stoq::proto {

enum class FrameEventKind {
  kNeedMore,   // input exhausted; call again with more bytes
  kFrame,      // a complete buffered frame: type + payload
  kDataBegin,  // a DATA frame header; its payload (if length > 0) follows as kData
  kData,       // a piece of a DATA frame's payload (frame_end on its last piece)
};

struct FrameEvent {
  FrameEventKind kind = FrameEventKind::kNeedMore;
  uint64_t type = 0;
  // kFrame: valid until the next call to next(). kData: a subspan of the input given to
  // the call that returned it.
  std::span<const uint8_t> payload;
  bool frame_end = false;  // kData: last piece; kDataBegin: an empty DATA frame
  uint64_t length = 0;     // kDataBegin: the DATA frame's payload length
};

class FrameDecoder {
 public:
  // `max_frame_size`: the bound on DATA and unknown frames (our advertised setting).
  explicit FrameDecoder(uint64_t max_frame_size);

  // Consumes bytes from the front of `input` (advancing it) until one event is ready or
  // the input is used up (kNeedMore, input then empty). Errors (kFrameEncoding,
  // kLimitExceeded) are sticky: every later call returns the same violation. The caller
  // must close the connection or reset the stream with the code, as the stream's owner
  // decides.
  Result<FrameEvent> next(std::span<const uint8_t>& input);

  // True when no frame is partially received: the only state in which a FIN is clean.
  bool at_frame_boundary() const { return state_ == State::kHeader && header_len_ == 0; }
  // Bytes currently held (header + buffered payload), for tests and accounting.
  size_t buffered_bytes() const { return header_len_ + body_.size(); }
  uint64_t skipped_frames() const { return skipped_frames_; }

 private:
  enum class State { kHeader, kBody, kData, kSkip, kFailed };

  Result<FrameEvent> fail(Violation v);

  uint64_t max_frame_size_;
  State state_ = State::kHeader;
  std::array<uint8_t, 16> header_{};
  size_t header_len_ = 0;
  uint64_t type_ = 0;
  uint64_t remaining_ = 0;  // payload bytes still to come for the current frame
  std::vector<uint8_t> body_;
  uint64_t skipped_frames_ = 0;
  Violation error_;
};

}  // namespace stoq::proto

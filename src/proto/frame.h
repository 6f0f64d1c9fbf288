// The STOQ frame: type (varint) | length (varint) | payload (length bytes).
//
// Helpers shared by every frame codec: appending frames, per-type payload bounds and
// parsing one whole frame out of a complete buffer (DATAGRAM payloads, tests, fuzzing).
// Stream data that arrives in pieces goes through FrameDecoder (frame_decoder.h) instead.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "proto/bytes.h"
#include "proto/frame_type.h"
#include "proto/result.h"

namespace stoq::proto {

struct FrameView {
  uint64_t type = 0;
  std::span<const uint8_t> payload;  // points into the buffer that was parsed
};

// Appends `type | length` for a payload of `length` bytes (payload appended by the caller).
void append_frame_header(std::vector<uint8_t>& out, uint64_t type, uint64_t length);
// Appends a whole frame.
void append_frame(std::vector<uint8_t>& out, uint64_t type, std::span<const uint8_t> payload);
// Appends a grease frame (reserved type, 0..15 payload bytes), all derived from `random`.
void append_grease_frame(std::vector<uint8_t>& out, uint64_t random);

// True for frame types whose payload is passed through as it arrives instead of being
// buffered whole: DATA, and every unknown type (whose payload is skipped).
bool is_streamed_frame_type(uint64_t type);

// The largest payload a receiver accepts for a buffered frame type. Streamed types are
// bounded by the advertised max_frame_size instead.
size_t max_buffered_payload(FrameType type);

// Checks a frame's length against the bounds. Returns kLimitExceeded with a reason when
// `length` exceeds the per-type bound (or max_frame_size for streamed types).
Status check_frame_length(uint64_t type, uint64_t length, uint64_t max_frame_size);

// Parses one complete frame from `reader`. Errors: kFrameEncoding when the input ends
// inside the frame or the type is not minimally encoded, kLimitExceeded per
// check_frame_length. On error the reader position is unspecified.
Result<FrameView> read_frame(ByteReader& reader, uint64_t max_frame_size);

}  // namespace stoq::proto

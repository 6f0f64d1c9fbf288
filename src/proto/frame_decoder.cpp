#include "proto/frame_decoder.h"

#include <algorithm>

namespace stoq::proto {
namespace {

uint8_t take_byte(std::span<const uint8_t>& input) {
  const uint8_t b = input[0];
  input = input.subspan(1);
  return b;
}

}  // namespace

FrameDecoder::FrameDecoder(uint64_t max_frame_size) : max_frame_size_(max_frame_size) {}

Result<FrameEvent> FrameDecoder::fail(Violation v) {
  state_ = State::kFailed;
  error_ = v;
  body_.clear();
  body_.shrink_to_fit();
  return v;
}

Result<FrameEvent> FrameDecoder::next(std::span<const uint8_t>& input) {
  for (;;) {
    switch (state_) {
      case State::kFailed:
        return error_;

      case State::kHeader: {
        if (input.empty()) return FrameEvent{};
        // Copy the type varint, then the length varint, as far as the input allows.
        const size_t type_size = varint_size_from_first_byte(header_len_ ? header_[0] : input[0]);
        size_t need = type_size;
        if (header_len_ >= type_size) {
          if (header_len_ == type_size) header_[header_len_++] = take_byte(input);
          need = type_size + varint_size_from_first_byte(header_[type_size]);
        }
        const size_t take = std::min(need - header_len_, input.size());
        std::copy_n(input.begin(), take, header_.begin() + header_len_);
        header_len_ += take;
        input = input.subspan(take);
        if (header_len_ <= type_size || header_len_ < need) continue;
        uint64_t type = 0, length = 0;
        std::span<const uint8_t> hdr(header_.data(), header_len_);
        decode_varint(hdr, type);
        decode_varint(hdr.subspan(type_size), length);
        header_len_ = 0;
        if (!is_minimal_varint(type, type_size))
          return fail(violation(Error::kFrameEncoding, "frame type not minimally encoded"));
        if (auto s = check_frame_length(type, length, max_frame_size_); !s) return fail(s.error());
        type_ = type;
        remaining_ = length;
        auto known = known_frame_type(type);
        if (!known) {
          state_ = State::kSkip;
          ++skipped_frames_;
        } else if (*known == FrameType::kData) {
          // An empty DATA frame still marks the start of the payload (so a header frame
          // after it is out of order); it has no kData pieces.
          state_ = length == 0 ? State::kHeader : State::kData;
          return FrameEvent{FrameEventKind::kDataBegin, type_, {}, length == 0, length};
        } else {
          state_ = State::kBody;
          body_.clear();
          body_.reserve(length);  // bounded by check_frame_length
        }
        if (state_ == State::kBody && remaining_ == 0) {
          state_ = State::kHeader;
          return FrameEvent{FrameEventKind::kFrame, type_, {}, true};
        }
        continue;
      }

      case State::kBody: {
        const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, input.size()));
        body_.insert(body_.end(), input.begin(), input.begin() + take);
        input = input.subspan(take);
        remaining_ -= take;
        if (remaining_ != 0) return FrameEvent{};
        state_ = State::kHeader;
        return FrameEvent{FrameEventKind::kFrame, type_, std::span<const uint8_t>(body_), true};
      }

      case State::kData: {
        if (input.empty()) return FrameEvent{};
        const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, input.size()));
        auto piece = input.first(take);
        input = input.subspan(take);
        remaining_ -= take;
        const bool end = remaining_ == 0;
        if (end) state_ = State::kHeader;
        return FrameEvent{FrameEventKind::kData, type_, piece, end};
      }

      case State::kSkip: {
        const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, input.size()));
        input = input.subspan(take);
        remaining_ -= take;
        if (remaining_ != 0) return FrameEvent{};
        state_ = State::kHeader;
        continue;
      }
    }
  }
}

}  // namespace stoq::proto

#include "proto/frame.h"

#include <string>

#include "proto/limits.h"

namespace stoq::proto {

std::string_view frame_type_name(uint64_t type) {
  if (auto t = known_frame_type(type)) {
    switch (*t) {
      case FrameType::kData:
        return "DATA";
      case FrameType::kSettings:
        return "SETTINGS";
      case FrameType::kToken:
        return "TOKEN";
      case FrameType::kShard:
        return "SHARD";
      case FrameType::kHop:
        return "HOP";
      case FrameType::kSeed:
        return "SEED";
      case FrameType::kFalconSig:
        return "FALCON_SIG";
      case FrameType::kFalconKey:
        return "FALCON_KEY";
    }
  }
  return is_grease(type) ? "GREASE" : "UNKNOWN";
}

void append_frame_header(std::vector<uint8_t>& out, uint64_t type, uint64_t length) {
  append_varint(out, type);
  append_varint(out, length);
}

void append_frame(std::vector<uint8_t>& out, uint64_t type, std::span<const uint8_t> payload) {
  append_frame_header(out, type, payload.size());
  out.insert(out.end(), payload.begin(), payload.end());
}

void append_grease_frame(std::vector<uint8_t>& out, uint64_t random) {
  const size_t len = (random >> 8) & 0x0f;
  append_frame_header(out, grease_value(random), len);
  for (size_t i = 0; i < len; ++i) out.push_back(static_cast<uint8_t>(random >> (8 * (i % 8))));
}

bool is_streamed_frame_type(uint64_t type) {
  auto t = known_frame_type(type);
  return !t || *t == FrameType::kData;
}

size_t max_buffered_payload(FrameType type) {
  switch (type) {
    case FrameType::kData:
      return 0;  // streamed
    case FrameType::kSettings:
      return kMaxSettingsPayload;
    case FrameType::kToken:
      return kTokenPayloadSize;
    case FrameType::kShard:
      return kMaxShardPayload;
    case FrameType::kHop:
      return kMaxHopPayload;
    case FrameType::kSeed:
      return kMaxSeedPayload;
    case FrameType::kFalconSig:
      return kMaxFalconSigPayload;
    case FrameType::kFalconKey:
      return kMaxFalconKeyPayload;
  }
  return 0;
}

Status check_frame_length(uint64_t type, uint64_t length, uint64_t max_frame_size) {
  auto t = known_frame_type(type);
  if (!t || *t == FrameType::kData) {
    if (length > max_frame_size)
      return violation(Error::kLimitExceeded, std::string(frame_type_name(type)) +
                                                  " frame length " + std::to_string(length) +
                                                  " exceeds max_frame_size " +
                                                  std::to_string(max_frame_size));
    return Ok{};
  }
  const size_t bound = max_buffered_payload(*t);
  if (length > bound)
    return violation(Error::kLimitExceeded, std::string(frame_type_name(type)) + " frame length " +
                                                std::to_string(length) + " exceeds bound " +
                                                std::to_string(bound));
  return Ok{};
}

Result<FrameView> read_frame(ByteReader& reader, uint64_t max_frame_size) {
  const size_t start = reader.position();
  FrameView frame;
  uint64_t length = 0;
  if (!reader.varint(frame.type)) return violation(Error::kFrameEncoding, "truncated frame type");
  if (!is_minimal_varint(frame.type, reader.position() - start))
    return violation(Error::kFrameEncoding, "frame type not minimally encoded");
  if (!reader.varint(length)) return violation(Error::kFrameEncoding, "truncated frame length");
  if (auto s = check_frame_length(frame.type, length, max_frame_size); !s) return s.error();
  if (!reader.bytes(length, frame.payload))
    return violation(Error::kFrameEncoding, std::string(frame_type_name(frame.type)) +
                                                " frame truncated: length " +
                                                std::to_string(length) + ", " +
                                                std::to_string(reader.remaining()) + " bytes left");
  return frame;
}

}  // namespace stoq::proto

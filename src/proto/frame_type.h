// Registries of STOQ v1 wire code points: frame types, unidirectional stream types and
// DATAGRAM tags, plus the reserved grease space. All registries are append-only: a code
// point never changes meaning; new entries go after the current last one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "proto/varint.h"

namespace stoq::proto {

// ---- grease ------------------------------------------------------------------------------
// Values of the form 0x1f * N + 0x21 (N >= 0) are reserved in every STOQ registry (frame
// types, settings ids, stream types, datagram tags) and are never assigned. Senders emit
// them so that receivers keep ignoring unknown values; receivers skip them like any other
// unknown value.
inline constexpr uint64_t kGreaseBase = 0x21;
inline constexpr uint64_t kGreaseStep = 0x1f;
inline constexpr uint64_t kGreaseMaxN = (kVarintMax - kGreaseBase) / kGreaseStep;

constexpr bool is_grease(uint64_t value) {
  return value >= kGreaseBase && (value - kGreaseBase) % kGreaseStep == 0;
}
// The grease value for a random number `r` (any 64-bit value).
constexpr uint64_t grease_value(uint64_t r) {
  return kGreaseStep * (r % (kGreaseMaxN + 1)) + kGreaseBase;
}
static_assert(is_grease(grease_value(0)) && is_grease(grease_value(~uint64_t{0})));
static_assert(grease_value(~uint64_t{0}) <= kVarintMax);

// ---- frame types -------------------------------------------------------------------------
enum class FrameType : uint64_t {
  kData = 0x00,             // message payload bytes
  kSettings = 0x04,         // control stream, first frame
  kToken = 0xfe000001,      // message header
  kShard = 0xfe000002,      // message header
  kHop = 0xfe000003,        // message header
  kSeed = 0xfe000004,       // message header
  kFalconSig = 0xfe000005,  // message header
  kFalconKey = 0xfe000006,  // control stream
};
inline constexpr FrameType kFrameTypes[] = {
    FrameType::kData, FrameType::kSettings, FrameType::kToken,     FrameType::kShard,
    FrameType::kHop,  FrameType::kSeed,     FrameType::kFalconSig, FrameType::kFalconKey,
};
inline constexpr FrameType kLastFrameType = FrameType::kFalconKey;
static_assert(std::size(kFrameTypes) == 8 && kFrameTypes[7] == kLastFrameType,
              "frame type registry is append-only");

constexpr uint64_t to_wire(FrameType t) {
  return static_cast<uint64_t>(t);
}

constexpr std::optional<FrameType> known_frame_type(uint64_t type) {
  for (FrameType t : kFrameTypes)
    if (to_wire(t) == type) return t;
  return std::nullopt;
}

consteval bool no_registered_value_is_grease() {
  for (FrameType t : kFrameTypes)
    if (is_grease(to_wire(t))) return false;
  return true;
}
static_assert(no_registered_value_is_grease(), "a frame type collides with the grease space");

std::string_view frame_type_name(uint64_t type);

// ---- unidirectional stream types -----------------------------------------------------------
// Every unidirectional stream of a stoq/1 connection starts with one of these (a varint).
// Bidirectional streams carry no type and are never interpreted by STOQ.
enum class StreamType : uint64_t {
  kApplication = 0x41,  // 'A': the rest of the stream is opaque application data
  kMessage = 0x4d,      // 'M': one STOQ message (header frames, DATA frames, FIN)
  kControl = 0x53,      // 'S': the control stream, one per endpoint
};
inline constexpr StreamType kLastStreamType = StreamType::kControl;
static_assert(!is_grease(0x41) && !is_grease(0x4d) && !is_grease(0x53));

// ---- DATAGRAM tags -------------------------------------------------------------------------
// The first varint of every QUIC DATAGRAM payload on a stoq/1 connection.
enum class DatagramTag : uint64_t {
  kApplication = 0x00,  // the rest is an opaque application datagram
  kMessage = 0x4d,      // header frames + at most one DATA frame: one STOQ message
};
inline constexpr DatagramTag kLastDatagramTag = DatagramTag::kMessage;
static_assert(!is_grease(0x00) && !is_grease(0x4d));

}  // namespace stoq::proto

// SETTINGS: the limits and capabilities an endpoint announces as the first frame of its
// control stream. Every value describes what the *sender* is willing to receive.
//
// Payload: a sequence of (id varint, value varint) pairs, at most kMaxSettingsPayload
// bytes. Unknown and grease ids are ignored; a duplicate known id or a value outside its
// bounds is a settings_error. An id absent from the frame takes its default.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "proto/result.h"

namespace stoq::proto {

// Settings identifier registry (append-only).
enum class SettingId : uint64_t {
  kMaxFrameSize = 0x01,
  kMaxMessageSize = 0x02,
  kMaxShardCount = 0x03,
  kExtensions = 0x04,
  kFalconKeyHint = 0x05,
  kTokenWindow = 0x06,
  kMaxClockSkewMs = 0x07,
  kMaxHopCount = 0x08,
};
inline constexpr SettingId kLastSettingId = SettingId::kMaxHopCount;
static_assert(static_cast<uint64_t>(kLastSettingId) == 0x08, "settings registry is append-only");

// Bits of the extensions setting: which message header frames the sender accepts.
enum ExtensionBit : uint64_t {
  kExtToken = 1u << 0,
  kExtShard = 1u << 1,
  kExtHop = 1u << 2,
  kExtSeed = 1u << 3,
  kExtSignature = 1u << 4,  // FALCON_SIG on messages and FALCON_KEY on the control stream
  kExtDatagram = 1u << 5,   // STOQ messages in QUIC DATAGRAM frames
};
inline constexpr uint64_t kAllExtensions = 0x3f;

struct SettingBounds {
  SettingId id;
  std::string_view name;
  uint64_t default_value;
  uint64_t min;
  uint64_t max;
};

// The bounds table, in registry order.
std::span<const SettingBounds> setting_bounds();

struct Settings {
  uint64_t max_frame_size = 65536;                // DATA / unknown frame length bound
  uint64_t max_message_size = uint64_t{1} << 30;  // whole message payload, bytes
  uint64_t max_shard_count = 64;                  // SHARD count bound
  uint64_t extensions = kAllExtensions;           // ExtensionBit mask; unknown bits ignored
  uint64_t falcon_key_hint = 0;                   // first 62 bits of the signing key id, 0 = none
  uint64_t token_window = 1024;                   // replay window the sender keeps (sequences)
  uint64_t max_clock_skew_ms = 30000;             // tolerated |timestamp - now|
  uint64_t max_hop_count = 8;                     // longest HOP route/record accepted

  bool operator==(const Settings&) const = default;

  // Value for an id; false for ids outside the registry.
  bool get(SettingId id, uint64_t& value) const;
  bool set(SettingId id, uint64_t value);

  // Checks every value against setting_bounds(). Returns kSettingsError naming the first
  // offending setting.
  Status validate() const;

  // Appends a whole SETTINGS frame carrying every setting. With `grease_random` != 0 a
  // reserved grease id (with value grease_random & kVarintMax) is mixed in.
  void encode(std::vector<uint8_t>& out, uint64_t grease_random = 0) const;

  // Decodes a SETTINGS payload. Errors: kFrameEncoding (truncated pair), kSettingsError
  // (duplicate id, value out of bounds), kLimitExceeded (payload too long).
  static Result<Settings> decode(std::span<const uint8_t> payload);
};

// What both sides agreed to use: extension bits present in both announcements.
constexpr uint64_t negotiated_extensions(const Settings& local, const Settings& peer) {
  return local.extensions & peer.extensions & kAllExtensions;
}

// The falcon_key_hint value for a 32-byte key id: its first 8 bytes, big-endian, top two
// bits cleared so it fits a varint.
uint64_t key_hint(std::span<const uint8_t, 32> key_id);

}  // namespace stoq::proto

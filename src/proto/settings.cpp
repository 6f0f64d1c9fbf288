#include "proto/settings.h"

#include <array>
#include <string>

#include "proto/bytes.h"
#include "proto/frame.h"
#include "proto/limits.h"

namespace stoq::proto {
namespace {

constexpr std::array<SettingBounds, 8> kBounds = {{
    {SettingId::kMaxFrameSize, "max_frame_size", 65536, kMinMaxFrameSize, kMaxMaxFrameSize},
    {SettingId::kMaxMessageSize, "max_message_size", uint64_t{1} << 30, 1, uint64_t{1} << 40},
    {SettingId::kMaxShardCount, "max_shard_count", 64, 1, kMaxShardCountLimit},
    {SettingId::kExtensions, "extensions", kAllExtensions, 0, kVarintMax},
    {SettingId::kFalconKeyHint, "falcon_key_hint", 0, 0, kVarintMax},
    {SettingId::kTokenWindow, "token_window", 1024, 64, 65536},
    {SettingId::kMaxClockSkewMs, "max_clock_skew_ms", 30000, 0, 86400000},
    {SettingId::kMaxHopCount, "max_hop_count", 8, 0, kMaxHops},
}};
static_assert(kBounds.back().id == kLastSettingId, "bounds table must cover the registry");

consteval bool defaults_within_bounds() {
  for (const auto& b : kBounds)
    if (b.default_value < b.min || b.default_value > b.max) return false;
  return true;
}
static_assert(defaults_within_bounds());

const SettingBounds* find_bounds(uint64_t id) {
  for (const auto& b : kBounds)
    if (static_cast<uint64_t>(b.id) == id) return &b;
  return nullptr;
}

}  // namespace

std::span<const SettingBounds> setting_bounds() {
  return kBounds;
}

bool Settings::get(SettingId id, uint64_t& value) const {
  switch (id) {
    case SettingId::kMaxFrameSize:
      value = max_frame_size;
      return true;
    case SettingId::kMaxMessageSize:
      value = max_message_size;
      return true;
    case SettingId::kMaxShardCount:
      value = max_shard_count;
      return true;
    case SettingId::kExtensions:
      value = extensions;
      return true;
    case SettingId::kFalconKeyHint:
      value = falcon_key_hint;
      return true;
    case SettingId::kTokenWindow:
      value = token_window;
      return true;
    case SettingId::kMaxClockSkewMs:
      value = max_clock_skew_ms;
      return true;
    case SettingId::kMaxHopCount:
      value = max_hop_count;
      return true;
  }
  return false;
}

bool Settings::set(SettingId id, uint64_t value) {
  switch (id) {
    case SettingId::kMaxFrameSize:
      max_frame_size = value;
      return true;
    case SettingId::kMaxMessageSize:
      max_message_size = value;
      return true;
    case SettingId::kMaxShardCount:
      max_shard_count = value;
      return true;
    case SettingId::kExtensions:
      extensions = value;
      return true;
    case SettingId::kFalconKeyHint:
      falcon_key_hint = value;
      return true;
    case SettingId::kTokenWindow:
      token_window = value;
      return true;
    case SettingId::kMaxClockSkewMs:
      max_clock_skew_ms = value;
      return true;
    case SettingId::kMaxHopCount:
      max_hop_count = value;
      return true;
  }
  return false;
}

Status Settings::validate() const {
  for (const auto& b : kBounds) {
    uint64_t v = 0;
    get(b.id, v);
    if (v < b.min || v > b.max)
      return violation(Error::kSettingsError, std::string(b.name) + " = " + std::to_string(v) +
                                                  " outside [" + std::to_string(b.min) + ", " +
                                                  std::to_string(b.max) + "]");
  }
  return Ok{};
}

void Settings::encode(std::vector<uint8_t>& out, uint64_t grease_random) const {
  std::vector<uint8_t> payload;
  ByteWriter w(payload);
  for (const auto& b : kBounds) {
    uint64_t v = 0;
    get(b.id, v);
    w.varint(static_cast<uint64_t>(b.id));
    w.varint(v);
    if (grease_random != 0 && b.id == SettingId::kExtensions) {
      w.varint(grease_value(grease_random));
      w.varint(grease_random & kVarintMax);
    }
  }
  append_frame(out, to_wire(FrameType::kSettings), payload);
}

Result<Settings> Settings::decode(std::span<const uint8_t> payload) {
  if (payload.size() > kMaxSettingsPayload)
    return violation(Error::kLimitExceeded, "SETTINGS payload of " +
                                                std::to_string(payload.size()) + " bytes exceeds " +
                                                std::to_string(kMaxSettingsPayload));
  Settings s;
  uint32_t seen = 0;  // bit i: registry entry i already present
  ByteReader r(payload);
  while (!r.empty()) {
    uint64_t id = 0, value = 0;
    if (!r.varint(id) || !r.varint(value))
      return violation(Error::kFrameEncoding, "SETTINGS truncated inside an id/value pair");
    const SettingBounds* b = find_bounds(id);
    if (!b) continue;  // unknown or grease: ignored
    const uint32_t bit = 1u << (b - kBounds.data());
    if (seen & bit)
      return violation(Error::kSettingsError, "duplicate setting " + std::string(b->name));
    seen |= bit;
    if (value < b->min || value > b->max)
      return violation(Error::kSettingsError, std::string(b->name) + " = " + std::to_string(value) +
                                                  " outside [" + std::to_string(b->min) + ", " +
                                                  std::to_string(b->max) + "]");
    s.set(b->id, value);
  }
  return s;
}

uint64_t key_hint(std::span<const uint8_t, 32> key_id) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | key_id[i];
  return v & kVarintMax;
}

}  // namespace stoq::proto

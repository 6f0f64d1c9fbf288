// The session cache file format (docs/transport.md, "Session cache file"):
//   "SQSC" | version (1 byte, = 1) | records...
//   record = kind (1 byte: 1 ticket, 2 token) | server length (1 byte, 1..255) | server
//            | data length (2 bytes, big endian, 1..16384) | data
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "stoq/error.h"

namespace stoq::detail {

enum class SessionRecordKind : uint8_t { kTicket = 1, kToken = 2 };

struct SessionRecord {
  SessionRecordKind kind;
  std::string server;
  std::vector<uint8_t> data;
};

inline constexpr size_t kMaxSessionFileBytes = 4u << 20;
inline constexpr size_t kMaxSessionRecordData = 16384;

std::vector<uint8_t> encode_session_records(std::span<const SessionRecord> records);
// Strict: any deviation is Errc::kInvalidArgument with the offset and what was wrong.
Result<std::vector<SessionRecord>> decode_session_records(std::span<const uint8_t> bytes);

}  // namespace stoq::detail

#include "api/session_cache_codec.h"

#include <cstring>

namespace stoq::detail {
namespace {

constexpr uint8_t kMagic[4] = {'S', 'Q', 'S', 'C'};
constexpr uint8_t kVersion = 1;

Result<std::vector<SessionRecord>> bad(size_t offset, const std::string& what) {
  return {Errc::kInvalidArgument,
          "session cache file: " + what + " at offset " + std::to_string(offset)};
}

}  // namespace

std::vector<uint8_t> encode_session_records(std::span<const SessionRecord> records) {
  std::vector<uint8_t> out(kMagic, kMagic + 4);
  out.push_back(kVersion);
  for (const auto& r : records) {
    if (r.server.empty() || r.server.size() > 255 || r.data.empty() ||
        r.data.size() > kMaxSessionRecordData) {
      continue;  // not representable; the cache never holds such entries
    }
    out.push_back(static_cast<uint8_t>(r.kind));
    out.push_back(static_cast<uint8_t>(r.server.size()));
    out.insert(out.end(), r.server.begin(), r.server.end());
    out.push_back(static_cast<uint8_t>(r.data.size() >> 8));
    out.push_back(static_cast<uint8_t>(r.data.size()));
    out.insert(out.end(), r.data.begin(), r.data.end());
  }
  return out;
}

Result<std::vector<SessionRecord>> decode_session_records(std::span<const uint8_t> in) {
  if (in.size() > kMaxSessionFileBytes) return bad(0, "file larger than 4 MiB");
  if (in.size() < 5 || std::memcmp(in.data(), kMagic, 4) != 0) return bad(0, "bad magic");
  if (in[4] != kVersion) return bad(4, "unsupported version " + std::to_string(in[4]));
  std::vector<SessionRecord> out;
  size_t pos = 5;
  while (pos < in.size()) {
    const size_t start = pos;
    if (in.size() - pos < 2) return bad(start, "truncated record header");
    const uint8_t kind = in[pos++];
    if (kind != 1 && kind != 2) return bad(start, "unknown record kind " + std::to_string(kind));
    const size_t name_len = in[pos++];
    if (name_len == 0) return bad(start, "empty server name");
    if (in.size() - pos < name_len + 2) return bad(start, "truncated server name");
    std::string server(reinterpret_cast<const char*>(in.data() + pos), name_len);
    pos += name_len;
    const size_t data_len = (size_t{in[pos]} << 8) | in[pos + 1];
    pos += 2;
    if (data_len == 0 || data_len > kMaxSessionRecordData) {
      return bad(start, "record data length " + std::to_string(data_len) + " out of range");
    }
    if (in.size() - pos < data_len) return bad(start, "truncated record data");
    out.push_back({static_cast<SessionRecordKind>(kind), std::move(server),
                   std::vector<uint8_t>(in.begin() + static_cast<std::ptrdiff_t>(pos),
                                        in.begin() + static_cast<std::ptrdiff_t>(pos + data_len))});
    pos += data_len;
  }
  return out;
}

}  // namespace stoq::detail

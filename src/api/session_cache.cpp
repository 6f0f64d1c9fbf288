#include "stoq/session_cache.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "api/session_cache_codec.h"
#include "core/atomic_file.h"

namespace stoq {

MemorySessionCache::MemorySessionCache(size_t max_servers, size_t per_server)
    : max_servers_(max_servers == 0 ? 1 : max_servers),
      per_server_(per_server == 0 ? 1 : per_server) {}

void MemorySessionCache::add(std::vector<std::vector<uint8_t>> Entries::*list,
                             const std::string& server, std::vector<uint8_t> bytes) {
  if (server.empty() || server.size() > 255 || bytes.empty() || bytes.size() > kMaxEntryBytes) {
    return;
  }
  std::lock_guard lock(mu_);
  if (!servers_.contains(server) && servers_.size() >= max_servers_) {
    auto oldest = servers_.begin();
    for (auto it = servers_.begin(); it != servers_.end(); ++it) {
      if (it->second.used < oldest->second.used) oldest = it;
    }
    servers_.erase(oldest);
  }
  Entries& e = servers_[server];
  e.used = ++clock_;
  auto& v = e.*list;
  if (v.size() >= per_server_) v.erase(v.begin());
  v.push_back(std::move(bytes));
}

std::optional<std::vector<uint8_t>> MemorySessionCache::take(
    std::vector<std::vector<uint8_t>> Entries::*list, const std::string& server) {
  std::lock_guard lock(mu_);
  auto it = servers_.find(server);
  if (it == servers_.end() || (it->second.*list).empty()) return std::nullopt;
  auto& v = it->second.*list;
  // The newest first: it has the longest remaining lifetime.
  std::vector<uint8_t> out = std::move(v.back());
  v.pop_back();
  it->second.used = ++clock_;
  if (it->second.tickets.empty() && it->second.tokens.empty()) servers_.erase(it);
  return out;
}

void MemorySessionCache::put_ticket(const std::string& server, std::vector<uint8_t> ticket) {
  add(&Entries::tickets, server, std::move(ticket));
}
std::optional<std::vector<uint8_t>> MemorySessionCache::take_ticket(const std::string& server) {
  return take(&Entries::tickets, server);
}
void MemorySessionCache::put_token(const std::string& server, std::vector<uint8_t> token) {
  add(&Entries::tokens, server, std::move(token));
}
std::optional<std::vector<uint8_t>> MemorySessionCache::take_token(const std::string& server) {
  return take(&Entries::tokens, server);
}

size_t MemorySessionCache::ticket_count() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [s, e] : servers_) n += e.tickets.size();
  return n;
}

size_t MemorySessionCache::token_count() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [s, e] : servers_) n += e.tokens.size();
  return n;
}

std::vector<uint8_t> MemorySessionCache::serialize() const {
  std::vector<detail::SessionRecord> records;
  {
    std::lock_guard lock(mu_);
    for (const auto& [server, e] : servers_) {
      for (const auto& t : e.tickets)
        records.push_back({detail::SessionRecordKind::kTicket, server, t});
      for (const auto& t : e.tokens)
        records.push_back({detail::SessionRecordKind::kToken, server, t});
    }
  }
  return detail::encode_session_records(records);
}

Status MemorySessionCache::parse(std::span<const uint8_t> bytes) {
  auto records = detail::decode_session_records(bytes);
  if (!records) return {records.error(), records.reason()};
  for (auto& r : *records) {
    if (r.kind == detail::SessionRecordKind::kTicket) {
      put_ticket(r.server, std::move(r.data));
    } else {
      put_token(r.server, std::move(r.data));
    }
  }
  return ok_status();
}

Status MemorySessionCache::load(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    if (errno == ENOENT) return ok_status();
    return {Errc::kIoError, "cannot open " + path + ": " + std::strerror(errno)};
  }
  std::vector<uint8_t> bytes;
  char buf[65536];
  while (f.read(buf, sizeof(buf)) || f.gcount() > 0) {
    bytes.insert(bytes.end(), buf, buf + f.gcount());
    if (bytes.size() > detail::kMaxSessionFileBytes) {
      return {Errc::kInvalidArgument, path + ": session cache file larger than 4 MiB"};
    }
  }
  auto st = parse(bytes);
  if (!st) return {st.error(), path + ": " + st.reason()};
  return ok_status();
}

Status MemorySessionCache::save(const std::string& path) const {
  const std::vector<uint8_t> bytes = serialize();
  return detail::write_file_atomically(
      path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
      detail::FileMode::kPrivate);
}

}  // namespace stoq

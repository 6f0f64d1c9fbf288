// What a client remembers about servers between connections: TLS session tickets (for
// resumption and 0-RTT) and address-validation tokens from NEW_TOKEN frames, keyed by
// server ("name:port"). The endpoint takes one ticket and one token per new connection
// (both are single-use) and stores what the server hands out.
//
// Tickets and tokens are opaque bytes. They are secrets of a kind: a ticket lets its holder
// resume the session (not impersonate either side), so persist them like cookies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "stoq/error.h"

namespace stoq {

class SessionCache {
 public:
  virtual ~SessionCache() = default;
  // Called on the endpoint's loop thread; implementations shared between endpoints must
  // be thread-safe.
  virtual void put_ticket(const std::string& server, std::vector<uint8_t> ticket) = 0;
  virtual std::optional<std::vector<uint8_t>> take_ticket(const std::string& server) = 0;
  virtual void put_token(const std::string& server, std::vector<uint8_t> token) = 0;
  virtual std::optional<std::vector<uint8_t>> take_token(const std::string& server) = 0;
};

// The default: in memory, thread-safe and bounded (oldest entries go first), with a file
// format so that command-line tools can keep tickets across runs.
class MemorySessionCache final : public SessionCache {
 public:
  static constexpr size_t kMaxEntryBytes = 16384;  // larger tickets/tokens are not kept

  explicit MemorySessionCache(size_t max_servers = 256, size_t per_server = 4);

  void put_ticket(const std::string& server, std::vector<uint8_t> ticket) override;
  std::optional<std::vector<uint8_t>> take_ticket(const std::string& server) override;
  void put_token(const std::string& server, std::vector<uint8_t> token) override;
  std::optional<std::vector<uint8_t>> take_token(const std::string& server) override;

  size_t ticket_count() const;
  size_t token_count() const;

  // Serialised form (docs/transport.md, "Session cache file"). parse() merges the entries
  // into this cache; Errc::kInvalidArgument names what is wrong with malformed input and
  // leaves the cache unchanged.
  std::vector<uint8_t> serialize() const;
  Status parse(std::span<const uint8_t> bytes);
  // File helpers: a missing file loads as empty. save() replaces the file atomically with a
  // new one of mode 0600 (as stoq::write_file with `secret`: a temporary file with a random
  // name, renamed over `path`; a symlink at `path` is replaced, not followed).
  Status load(const std::string& path);
  Status save(const std::string& path) const;

 private:
  struct Entries {
    std::vector<std::vector<uint8_t>> tickets;  // oldest first
    std::vector<std::vector<uint8_t>> tokens;
    uint64_t used = 0;  // recency, for eviction
  };
  void add(std::vector<std::vector<uint8_t>> Entries::*list, const std::string& server,
           std::vector<uint8_t> bytes);
  std::optional<std::vector<uint8_t>> take(std::vector<std::vector<uint8_t>> Entries::*list,
                                           const std::string& server);

  size_t max_servers_;
  size_t per_server_;
  mutable std::mutex mu_;
  std::map<std::string, Entries> servers_;
  uint64_t clock_ = 0;
};

}  // namespace stoq

// The tiny request protocol that `stoq bench client` speaks to `stoq bench server`, the
// same over a STOQ stream and over TCP + TLS (so the baseline does the same work):
//
//   "U <n>\n" + n pattern bytes + end   -> "OK <n>\n" when every byte matched the pattern,
//                                          "BAD <offset>\n" at the first mismatch
//   "D <n>\n" + end                     -> n pattern bytes, then end of stream
//   "E\n" + bytes ...                   -> the same bytes back (request/response)
//
// and the plain-TCP control channel on the same port number as the STOQ endpoint (the
// first byte tells it from a TLS ClientHello, which starts with 0x16):
//
//   "C STATS\n" -> one JSON line: process CPU seconds, RSS, STOQ connections, the raw UDP
//                  receiver's port and counters.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "bench/sample.h"

#include "pattern.h"
#include "stoq/error.h"

namespace stoq::cli::bench {

inline constexpr size_t kMaxHeader = 64;
inline constexpr char kControlByte = 'C';

enum class RequestKind { kUpload, kDownload, kEcho };

struct Request {
  RequestKind kind = RequestKind::kEcho;
  uint64_t bytes = 0;
};

// Parses one header line (without its '\n').
std::optional<Request> parse_request(std::string_view line);
std::string format_request(const Request& r);

// Compares a byte stream with the pattern as it arrives; remembers the first mismatch.
class PatternChecker {
 public:
  explicit PatternChecker(const Pattern& p) : p_(p) {}
  void feed(std::span<const uint8_t> data);
  uint64_t offset() const noexcept { return offset_; }
  bool ok() const noexcept { return !bad_; }
  uint64_t first_bad() const noexcept { return first_bad_; }

 private:
  const Pattern& p_;
  uint64_t offset_ = 0;
  bool bad_ = false;
  uint64_t first_bad_ = 0;
};

// Writes "C STATS\n" to the control port (TCP, host:port of `address`) and returns the
// JSON line the server answers. Blocking, bounded by `timeout_ms`.
Result<std::string> query_server_stats(const std::string& address, int timeout_ms = 5000);

}  // namespace stoq::cli::bench

namespace stoq::cli::bench {

// What the server's control channel reports (see server.h).
struct ServerSnapshot {
  double cpu_s = 0;            // process user + system CPU seconds
  uint64_t rss = 0;            // resident bytes now
  uint64_t stoq_accepted = 0;  // STOQ connections accepted so far
  uint64_t stoq_open = 0;      // STOQ connections open now
  uint16_t udp_port = 0;       // raw UDP receiver
  uint64_t udp_run = 0, udp_datagrams = 0, udp_bytes = 0, udp_bad = 0;
  double udp_first_s = 0, udp_last_s = 0;  // receive times of the run's first / last datagram
};

// query_server_stats + parsing.
Result<ServerSnapshot> server_snapshot(const std::string& address);

// CPU seconds used so far by this (client) process and by the bench server behind
// `control` (absent when its control channel does not answer).
struct CpuReading {
  double client_s = 0;
  std::optional<double> server_s;
};
CpuReading read_cpu(const std::string& control);

// Sets `client_key` and `server_key` of `out` to each side's CPU between `a` and `b`
// divided by `units`, in microseconds (nothing when units is 0; the server's only when
// both readings have it).
void set_cpu_per_unit_us(Sample& out, const CpuReading& a, const CpuReading& b, double units,
                         const std::string& client_key, const std::string& server_key);

}  // namespace stoq::cli::bench

#include "bench/protocol.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <cstring>

#include "bench/sys.h"
#include "stoq/address.h"

namespace stoq::cli::bench {

std::optional<Request> parse_request(std::string_view line) {
  if (line == "E") return Request{RequestKind::kEcho, 0};
  if (line.size() < 3 || line[1] != ' ') return std::nullopt;
  Request r;
  if (line[0] == 'U')
    r.kind = RequestKind::kUpload;
  else if (line[0] == 'D')
    r.kind = RequestKind::kDownload;
  else
    return std::nullopt;
  auto num = line.substr(2);
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), r.bytes);
  if (ec != std::errc{} || p != num.data() + num.size()) return std::nullopt;
  return r;
}

std::string format_request(const Request& r) {
  switch (r.kind) {
    case RequestKind::kUpload:
      return "U " + std::to_string(r.bytes) + "\n";
    case RequestKind::kDownload:
      return "D " + std::to_string(r.bytes) + "\n";
    case RequestKind::kEcho:
      break;
  }
  return "E\n";
}

void PatternChecker::feed(std::span<const uint8_t> data) {
  size_t done = 0;
  while (done < data.size()) {
    auto want = p_.piece(offset_, data.size() - done);
    if (!bad_ && std::memcmp(want.data(), data.data() + done, want.size()) != 0) {
      bad_ = true;
      size_t i = 0;
      while (i < want.size() && want[i] == data[done + i]) ++i;
      first_bad_ = offset_ + i;
    }
    done += want.size();
    offset_ += want.size();
  }
}

Result<std::string> query_server_stats(const std::string& address, int timeout_ms) {
  auto addr = SocketAddress::parse(address);
  if (!addr) return {addr.error(), addr.reason()};
  int fd = socket(addr->family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {Errc::kSocketError, std::strerror(errno)};
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (connect(fd, addr->data(), addr->size()) != 0) {
    return {Errc::kSocketError,
            "control connection to " + address + " (TCP): " + std::strerror(errno)};
  }
  const char req[] = "C STATS\n";
  if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof(req) - 1)) {
    return {Errc::kSocketError, "control request: " + std::string(std::strerror(errno))};
  }
  std::string out;
  char buf[4096];
  const double deadline = now_seconds() + timeout_ms / 1000.0;
  while (out.find('\n') == std::string::npos && out.size() < 65536 && now_seconds() < deadline) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  auto nl = out.find('\n');
  if (nl == std::string::npos) return {Errc::kSocketError, "no answer on the control channel"};
  return out.substr(0, nl);
}

}  // namespace stoq::cli::bench

#include <nlohmann/json.hpp>

namespace stoq::cli::bench {

Result<ServerSnapshot> server_snapshot(const std::string& address) {
  auto line = query_server_stats(address);
  if (!line) return {line.error(), line.reason()};
  auto j = nlohmann::json::parse(*line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return {Errc::kInvalidArgument, "bad control answer: " + line->substr(0, 80)};
  }
  ServerSnapshot s;
  s.cpu_s = j.value("cpu_s", 0.0);
  s.rss = j.value("rss_bytes", uint64_t{0});
  s.stoq_accepted = j.value("stoq_accepted", uint64_t{0});
  s.stoq_open = j.value("stoq_open", uint64_t{0});
  s.udp_port = j.value("udp_port", uint16_t{0});
  if (j.contains("udp") && j["udp"].is_object()) {
    const auto& u = j["udp"];
    s.udp_run = u.value("run", uint64_t{0});
    s.udp_datagrams = u.value("datagrams", uint64_t{0});
    s.udp_bytes = u.value("bytes", uint64_t{0});
    s.udp_bad = u.value("bad", uint64_t{0});
    s.udp_first_s = u.value("first_s", 0.0);
    s.udp_last_s = u.value("last_s", 0.0);
  }
  return s;
}

CpuReading read_cpu(const std::string& control) {
  CpuReading r;
  r.client_s = process_cpu_seconds();
  if (auto snap = server_snapshot(control)) r.server_s = snap->cpu_s;
  return r;
}

void set_cpu_per_unit_us(Sample& out, const CpuReading& a, const CpuReading& b, double units,
                         const std::string& client_key, const std::string& server_key) {
  if (units <= 0) return;
  out.set(client_key, (b.client_s - a.client_s) / units * 1e6);
  if (a.server_s && b.server_s) out.set(server_key, (*b.server_s - *a.server_s) / units * 1e6);
}

}  // namespace stoq::cli::bench

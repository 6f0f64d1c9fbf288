#include "netsim/control_auth.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>

namespace stoq::netsim {
namespace {

Error secret_error(const std::string& path, const std::string& why) {
  return make_error(Errc::kInvalidConfig, "control secret file " + path + ": " + why);
}

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

Expected<std::string> read_secret(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return secret_error(path, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return secret_error(path, "not a regular file");
  if ((st.st_mode & 077) != 0) {
    return secret_error(path, "readable or writable by group or others; chmod 600 it");
  }
  std::array<char, kMaxControlSecretBytes + 64> buf{};
  std::size_t got = 0;
  while (got < buf.size()) {
    const ssize_t n = ::read(fd, buf.data() + got, buf.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return secret_error(path, std::strerror(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  const std::string_view secret = trim(std::string_view(buf.data(), got));
  if (Status s = check_control_secret(secret); !s) return secret_error(path, s.error().message);
  return std::string(secret);
}

}  // namespace

Status check_control_secret(std::string_view secret) {
  if (secret.size() < kMinControlSecretBytes || secret.size() > kMaxControlSecretBytes) {
    return make_error(Errc::kInvalidConfig,
                      "the control secret must be " + std::to_string(kMinControlSecretBytes) +
                          " to " + std::to_string(kMaxControlSecretBytes) + " characters");
  }
  for (const char c : secret) {
    if (c <= ' ' || c > '~') {
      return make_error(Errc::kInvalidConfig,
                        "the control secret must be printable ASCII without blanks");
    }
  }
  return {};
}

Expected<std::string> generate_control_secret() {
  std::array<std::uint8_t, 16> bytes{};
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return make_error(Errc::kSocketError, std::string("getrandom: ") + std::strerror(errno));
    got += static_cast<std::size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const std::uint8_t b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

Expected<std::string> load_or_create_control_secret(const std::string& path, bool* created) {
  if (created != nullptr) *created = false;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    auto secret = read_secret(fd, path);
    ::close(fd);
    return secret;
  }
  if (errno != ENOENT) return secret_error(path, std::strerror(errno));
  auto secret = generate_control_secret();
  if (!secret) return secret.error();
  // O_EXCL|O_NOFOLLOW: a file or symlink planted meanwhile makes this fail, not redirect it.
  const int out = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0) return secret_error(path, std::string("cannot create: ") + std::strerror(errno));
  const std::string line = *secret + "\n";
  const bool written = ::fchmod(out, 0600) == 0 &&
                       ::write(out, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  const int err = errno;
  if (::close(out) != 0 || !written) {
    ::unlink(path.c_str());
    return secret_error(path, std::string("cannot write: ") + std::strerror(err));
  }
  if (created != nullptr) *created = true;
  return secret;
}

std::optional<std::string_view> authenticate_control_request(std::string_view datagram,
                                                             std::string_view secret) noexcept {
  std::size_t end = 0;
  while (end < datagram.size() && !is_blank(datagram[end])) ++end;
  const std::string_view given = datagram.substr(0, end);
  // Every byte of the expected secret is compared whatever the given token is, so the
  // time taken says nothing about how much of a guess was right.
  unsigned diff = given.size() == secret.size() ? 0U : 1U;
  for (std::size_t i = 0; i < secret.size(); ++i) {
    const char g = i < given.size() ? given[i] : '\0';
    diff |= static_cast<unsigned char>(g ^ secret[i]);
  }
  if (diff != 0 || secret.empty()) return std::nullopt;
  return trim(datagram.substr(end));
}

Status check_control_binding(const SocketAddress& address, bool allow_remote) {
  if (address.is_unix() || address.is_loopback() || allow_remote) return {};
  return make_error(Errc::kInvalidAddress,
                    "control address " + address.to_string() +
                        " is not a loopback address or unix:/path; anyone who can reach it and "
                        "knows the secret can change the link: pass --control-allow-remote "
                        "(RelayOptions::control_allow_remote) to bind it anyway");
}

}  // namespace stoq::netsim

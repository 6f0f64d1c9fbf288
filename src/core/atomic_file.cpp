#include "core/atomic_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>

namespace stoq::detail {
namespace {

// Attempts at finding an unused temporary name; with 64 random bits a collision means
// someone is racing us on purpose, so giving up after a few is right.
constexpr int kNameAttempts = 8;

Status io_error(const std::string& path, const std::string& what, int err) {
  return {Errc::kIoError, "cannot write " + path + ": " + what + std::strerror(err)};
}

// 16 hex digits from the kernel's CSPRNG, so the name cannot be predicted and planted.
bool random_suffix(std::string& out) {
  std::array<std::uint8_t, 8> bytes{};
  size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    got += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out.clear();
  for (std::uint8_t b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return true;
}

bool write_all(int fd, std::string_view data) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

// Makes the rename durable; failure here does not undo a completed write, so it is ignored.
void sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

}  // namespace

Status write_file_atomically(const std::string& path, std::string_view contents, FileMode mode) {
  if (path.empty()) return {Errc::kInvalidArgument, "empty file name"};
  const size_t slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.empty()) return {Errc::kInvalidArgument, path + ": names a directory, not a file"};

  std::string tmp;
  int fd = -1;
  for (int attempt = 0; attempt < kNameAttempts && fd < 0; ++attempt) {
    std::string suffix;
    if (!random_suffix(suffix)) return io_error(path, "no random temporary name: ", errno);
    tmp = (dir == "/" ? "" : dir) + "/." + base + "." + suffix + ".tmp";
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) {
      return io_error(path, "cannot create a temporary file in " + dir + ": ", errno);
    }
  }
  if (fd < 0) return io_error(path, "no unused temporary name in " + dir + ": ", EEXIST);

  const mode_t bits = mode == FileMode::kPrivate ? 0600 : 0644;
  auto fail = [&](const char* what) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return io_error(path, what, err);
  };
  if (::fchmod(fd, bits) != 0) return fail("fchmod: ");
  if (!write_all(fd, contents)) return fail("");
  if (::fsync(fd) != 0) return fail("fsync: ");
  const int closed = ::close(fd);
  fd = -1;
  if (closed != 0) return fail("close: ");
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("rename: ");
  sync_directory(dir);
  return ok_status();
}

}  // namespace stoq::detail

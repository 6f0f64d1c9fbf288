#include "api/qlog_file.h"

#include <cerrno>
#include <cstring>

namespace stoq::detail {

std::function<void(std::span<const uint8_t>, bool)> open_qlog_file(const std::string& dir,
                                                                   const quic::ConnectionId& cid,
                                                                   bool is_server,
                                                                   std::string& error) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name;
  for (size_t i = 0; i < cid.len; ++i) {
    const uint8_t b = cid.data[i];
    name += kHex[b >> 4];
    name += kHex[b & 15];
  }
  const std::string path = dir + "/" + name + (is_server ? "-server" : "-client") + ".sqlog";
  std::FILE* f = std::fopen(path.c_str(), "we");
  if (f == nullptr) {
    error = "cannot create qlog file " + path + ": " + std::strerror(errno);
    return {};
  }
  std::shared_ptr<std::FILE> file(f, [](std::FILE* p) { std::fclose(p); });
  return [file](std::span<const uint8_t> data, bool fin) {
    if (!data.empty()) std::fwrite(data.data(), 1, data.size(), file.get());
    if (fin) std::fflush(file.get());
  };
}

}  // namespace stoq::detail

// Resident memory of this process, from /proc/self/status (Linux), for tests that bound it.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

namespace stoq::testing {

// A /proc/self/status field in KiB: "VmHWM" (peak resident set), "VmRSS" (current).
// 0 when the field is missing.
inline uint64_t status_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string key = std::string(field) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return std::strtoull(line.c_str() + key.size(), nullptr, 10);
  }
  return 0;
}

}  // namespace stoq::testing

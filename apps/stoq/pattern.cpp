#include "pattern.h"

#include <algorithm>
#include <cstring>

namespace stoq::cli {

Pattern::Pattern() : block_(kPeriod + 65536) {
  uint64_t x = 0x5354'4f51'2026'0001ULL;  // fixed seed: both ends generate the same bytes
  for (size_t i = 0; i < block_.size(); i += 8) {
    // splitmix64
    x += 0x9e3779b97f4a7c15ULL;
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    std::memcpy(&block_[i], &z, std::min<size_t>(8, block_.size() - i));
  }
  // The tail repeats the start so piece() can hand out up to 64 KiB past the period.
  std::memcpy(&block_[kPeriod], &block_[0], 65536);
}

std::span<const uint8_t> Pattern::piece(uint64_t offset, size_t max) const {
  size_t start = static_cast<size_t>(offset % kPeriod);
  return {block_.data() + start, std::min<size_t>(max, 65536)};
}

void Pattern::fill(uint64_t offset, std::span<uint8_t> out) const {
  size_t done = 0;
  while (done < out.size()) {
    auto p = piece(offset + done, out.size() - done);
    std::memcpy(out.data() + done, p.data(), p.size());
    done += p.size();
  }
}

std::array<uint8_t, 32> Pattern::digest(uint64_t n) const {
  Sha256 h;
  uint64_t off = 0;
  while (off < n) {
    auto p = piece(off, static_cast<size_t>(std::min<uint64_t>(n - off, 65536)));
    h.update(p);
    off += p.size();
  }
  return h.finish();
}

}  // namespace stoq::cli

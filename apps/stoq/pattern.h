// Deterministic payload for generated transfers: a pseudo-random block repeated with a
// period that is not a power of two, so misplaced or duplicated data changes the digest.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "stoq/sha256.h"

namespace stoq::cli {

class Pattern {
 public:
  static constexpr size_t kPeriod = 1'048'583;  // a prime just above 1 MiB
  Pattern();
  // Bytes of the stream at [offset, offset + out.size()).
  void fill(uint64_t offset, std::span<uint8_t> out) const;
  // The contiguous piece starting at `offset` (at most `max` bytes), without copying.
  std::span<const uint8_t> piece(uint64_t offset, size_t max) const;
  // SHA-256 of the first `n` bytes.
  std::array<uint8_t, 32> digest(uint64_t n) const;

 private:
  std::vector<uint8_t> block_;
};

}  // namespace stoq::cli

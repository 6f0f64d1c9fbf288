// OwnedBytes: a delivered message payload. Move-only; owns its memory either as a raw
// heap block (reassembled shards, allocated without zero-filling) or as a vector.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

namespace stoq::proto {

class OwnedBytes {
 public:
  OwnedBytes() = default;
  OwnedBytes(std::unique_ptr<uint8_t[]> block, size_t size)
      : block_(std::move(block)), size_(size) {}
  explicit OwnedBytes(std::vector<uint8_t> bytes) : vector_(std::move(bytes)) {}

  std::span<const uint8_t> span() const {
    return block_ ? std::span<const uint8_t>(block_.get(), size_)
                  : std::span<const uint8_t>(vector_);
  }
  size_t size() const { return span().size(); }
  bool empty() const { return size() == 0; }

 private:
  std::unique_ptr<uint8_t[]> block_;
  size_t size_ = 0;
  std::vector<uint8_t> vector_;
};

}  // namespace stoq::proto

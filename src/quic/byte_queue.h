// A FIFO of bytes stored in chunks that never move once written, so the QUIC stack may
// keep pointers into unacknowledged send data (ngtcp2 does not copy stream data).
// Memory: the first chunk is small (256 bytes: control streams and requests carry a few
// bytes; nothing is allocated before the first byte); once a queue needs a
// second chunk it is a bulk stream and further chunks have the full size. When the queue
// drains, one chunk is kept for the next bytes, so a reader that keeps up does not cost a
// malloc/free pair per packet (docs/performance.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include "core/fifo.h"

namespace stoq::quic {

class ByteQueue {
 public:
  static constexpr size_t kSmallChunk = 256;
  explicit ByteQueue(size_t chunk_size = 64 * 1024) noexcept : chunk_size_(chunk_size) {}

  // Appends all of `data`.
  void append(std::span<const uint8_t> data);
  // Appends `data` without copying it: the queue keeps `owner` (which keeps the bytes
  // alive and unchanged) until the bytes are dropped or the queue is destroyed.
  void append_shared(std::span<const uint8_t> data, std::shared_ptr<const void> owner);
  // Copies up to out.size() bytes from the front into `out` and removes them.
  size_t read(std::span<uint8_t> out);
  // Removes up to n bytes from the front.
  void drop(size_t n);
  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  // Calls fn(const uint8_t*, size_t) for the contiguous pieces of [offset, size()) (offset
  // counted from the front) until fn returns false.
  template <typename Fn>
  void for_each_piece(size_t offset, Fn&& fn) const {
    size_t skip = offset + head_;
    for (const auto& c : chunks_) {
      if (skip >= c.len) {
        skip -= c.len;
        continue;
      }
      if (!fn(c.bytes() + skip, c.len - skip)) return;
      skip = 0;
    }
  }

 private:
  struct Chunk {
    std::unique_ptr<uint8_t[]> data;  // owned bytes, or null for a shared chunk
    size_t len = 0;
    size_t cap = 0;                     // a shared chunk is full: cap == len
    const uint8_t* shared = nullptr;    // append_shared: the caller's bytes
    std::shared_ptr<const void> owner;  // keeps them alive
    const uint8_t* bytes() const noexcept { return shared != nullptr ? shared : data.get(); }
  };
  size_t chunk_size_;
  bool bulk_ = false;  // needed more than one chunk once: allocate full-size chunks
  Fifo<Chunk> chunks_;
  size_t head_ = 0;  // bytes already consumed in chunks_.front()
  size_t size_ = 0;
};

}  // namespace stoq::quic

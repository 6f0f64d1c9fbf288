#include "quic/byte_queue.h"

#include <algorithm>
#include <cstring>

namespace stoq::quic {

void ByteQueue::append(std::span<const uint8_t> data) {
  while (!data.empty()) {
    if (chunks_.empty() || chunks_.back().len == chunks_.back().cap ||
        chunks_.back().shared != nullptr) {
      if (!chunks_.empty()) bulk_ = true;
      const size_t cap =
          bulk_ || data.size() > kSmallChunk ? chunk_size_ : std::min(kSmallChunk, chunk_size_);
      chunks_.push_back({std::make_unique_for_overwrite<uint8_t[]>(cap), 0, cap});
    }
    Chunk& c = chunks_.back();
    size_t n = std::min(data.size(), c.cap - c.len);
    std::memcpy(c.data.get() + c.len, data.data(), n);
    c.len += n;
    size_ += n;
    data = data.subspan(n);
  }
}

void ByteQueue::append_shared(std::span<const uint8_t> data, std::shared_ptr<const void> owner) {
  if (data.empty()) return;
  Chunk c;
  c.len = c.cap = data.size();
  c.shared = data.data();
  c.owner = std::move(owner);
  chunks_.push_back(std::move(c));
  size_ += data.size();
  if (chunks_.size() > 1) bulk_ = true;
}

size_t ByteQueue::read(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size() && size_ > 0) {
    Chunk& c = chunks_.front();
    size_t n = std::min(out.size() - done, c.len - head_);
    std::memcpy(out.data() + done, c.bytes() + head_, n);
    done += n;
    drop(n);
  }
  return done;
}

void ByteQueue::drop(size_t n) {
  n = std::min(n, size_);
  size_ -= n;
  while (n > 0) {
    Chunk& c = chunks_.front();
    size_t take = std::min(n, c.len - head_);
    head_ += take;
    n -= take;
    // A fully consumed chunk is released unless it is the last one (kept for reuse).
    if (head_ == c.len && chunks_.size() > 1) {
      chunks_.pop_front();
      head_ = 0;
    }
  }
  if (size_ == 0 && !chunks_.empty()) {
    // Drained: nothing refers to the bytes any more (all acknowledged, or all read), so
    // the remaining chunk is rewound for the next bytes instead of freed (a shared one
    // goes, releasing its owner).
    if (chunks_.front().shared != nullptr) {
      chunks_.pop_front();
    } else {
      chunks_.front().len = 0;
    }
    head_ = 0;
  }
}

}  // namespace stoq::quic

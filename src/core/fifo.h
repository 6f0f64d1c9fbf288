// A first-in first-out queue on one std::vector: nothing is allocated until the first
// push (libstdc++'s std::deque allocates a 512-byte node and its map on construction,
// several of which every connection carried: ~3 KiB per connection in a heap profile,
// docs/performance.md). pop_front advances an index; the consumed prefix is reclaimed
// when the queue empties or when it outweighs what remains, so each element is moved
// O(1) times on average.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace stoq {

template <typename T>
class Fifo {
 public:
  bool empty() const noexcept { return head_ == items_.size(); }
  size_t size() const noexcept { return items_.size() - head_; }

  T& front() noexcept { return items_[head_]; }
  const T& front() const noexcept { return items_[head_]; }
  T& back() noexcept { return items_.back(); }
  const T& back() const noexcept { return items_.back(); }

  void push_back(T value) { items_.push_back(std::move(value)); }
  template <typename... Args>
  T& emplace_back(Args&&... args) {
    return items_.emplace_back(std::forward<Args>(args)...);
  }
  void pop_front() {
    items_[head_] = T();  // release what the element owns now
    ++head_;
    if (head_ == items_.size()) {
      clear();
    } else if (head_ >= 32 && head_ * 2 >= items_.size()) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }
  void clear() noexcept {
    items_.clear();
    head_ = 0;
  }

  auto begin() noexcept { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  auto end() noexcept { return items_.end(); }
  auto begin() const noexcept { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  auto end() const noexcept { return items_.end(); }

 private:
  std::vector<T> items_;
  size_t head_ = 0;
};

}  // namespace stoq

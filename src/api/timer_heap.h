// Deadlines of many connections: a binary heap with lazy deletion, so rescheduling is
// O(log n) and finding what is due costs only the due entries (the endpoint used to scan
// every connection on each loop iteration, which does not scale to 100k connections).
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <unordered_map>
#include <vector>

namespace stoq::detail {

template <class Key>
class TimerHeap {
 public:
  static constexpr uint64_t kNever = UINT64_MAX;

  // Sets (or replaces) the deadline of `key`; kNever removes it.
  void schedule(Key key, uint64_t at) {
    auto it = current_.find(key);
    if (it != current_.end() && it->second.at == at) return;
    if (at == kNever) {
      if (it != current_.end()) current_.erase(it);
      return;
    }
    const uint64_t gen = ++generation_;
    current_[key] = {at, gen};
    heap_.push({at, key, gen});
    if (heap_.size() > 64 + 4 * current_.size()) compact();
  }
  void remove(Key key) { current_.erase(key); }

  // The earliest deadline, kNever when none.
  uint64_t next() {
    drop_stale();
    return heap_.empty() ? kNever : heap_.top().at;
  }
  // Removes and returns every key whose deadline is <= now (earliest first).
  std::vector<Key> pop_due(uint64_t now) {
    std::vector<Key> out;
    for (;;) {
      drop_stale();
      if (heap_.empty() || heap_.top().at > now) break;
      out.push_back(heap_.top().key);
      current_.erase(heap_.top().key);
      heap_.pop();
    }
    return out;
  }
  size_t size() const { return current_.size(); }

 private:
  struct Item {
    uint64_t at;
    Key key;
    uint64_t gen;
    bool operator>(const Item& o) const { return at > o.at; }
  };
  struct Current {
    uint64_t at;
    uint64_t gen;
  };
  bool stale(const Item& i) const {
    auto it = current_.find(i.key);
    return it == current_.end() || it->second.gen != i.gen;
  }
  void drop_stale() {
    while (!heap_.empty() && stale(heap_.top())) heap_.pop();
  }
  void compact() {
    std::vector<Item> live;
    live.reserve(current_.size());
    for (const auto& [key, c] : current_) live.push_back({c.at, key, c.gen});
    heap_ = decltype(heap_)(std::greater<>(), std::move(live));
  }

  std::priority_queue<Item, std::vector<Item>, std::greater<>> heap_;
  std::unordered_map<Key, Current> current_;
  uint64_t generation_ = 0;
};

}  // namespace stoq::detail

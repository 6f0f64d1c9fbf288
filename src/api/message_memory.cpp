#include "api/message_memory.h"

#include <algorithm>

namespace stoq::detail {

MessageMemory::MessageMemory(uint64_t total_cap, uint64_t per_source_cap)
    : total_cap_(total_cap), per_source_cap_(per_source_cap) {}

bool MessageMemory::try_charge(const std::string& source, uint64_t bytes) {
  std::lock_guard lock(mu_);
  auto it = by_source_.find(source);
  const uint64_t held = it == by_source_.end() ? 0 : it->second;
  if (bytes > total_cap_ - std::min(in_use_, total_cap_) ||
      bytes > per_source_cap_ - std::min(held, per_source_cap_)) {
    ++refusals_;
    return false;
  }
  in_use_ += bytes;
  if (it == by_source_.end()) {
    by_source_.emplace(source, bytes);
  } else {
    it->second += bytes;
  }
  return true;
}

void MessageMemory::release(const std::string& source, uint64_t bytes) {
  std::lock_guard lock(mu_);
  auto it = by_source_.find(source);
  if (it == by_source_.end()) return;
  const uint64_t n = std::min(bytes, it->second);
  it->second -= n;
  in_use_ -= std::min(n, in_use_);
  if (it->second == 0) by_source_.erase(it);
}

uint64_t MessageMemory::in_use() const {
  std::lock_guard lock(mu_);
  return in_use_;
}

uint64_t MessageMemory::refusals() const {
  std::lock_guard lock(mu_);
  return refusals_;
}

size_t MessageMemory::sources() const {
  std::lock_guard lock(mu_);
  return by_source_.size();
}

ConnectionMessageBudget::ConnectionMessageBudget(std::shared_ptr<MessageMemory> memory,
                                                 std::string source)
    : memory_(std::move(memory)), source_(std::move(source)) {}

ConnectionMessageBudget::~ConnectionMessageBudget() {
  if (charged_ > 0) memory_->release(source_, charged_);
}

bool ConnectionMessageBudget::try_charge(uint64_t bytes) {
  if (!memory_->try_charge(source_, bytes)) return false;
  charged_ += bytes;
  return true;
}

void ConnectionMessageBudget::release(uint64_t bytes) {
  const uint64_t n = std::min(bytes, charged_);
  charged_ -= n;
  memory_->release(source_, n);
}

}  // namespace stoq::detail

// MessageMemory: the endpoint's bound on the STOQ message bytes its connections hold while
// receiving (unsharded payload buffered until its stream ends, reservations of sharded
// messages in reassembly), overall and per source address, shared by every worker.
// MessagingConfig's per-connection caps still apply inside it; this bound makes N
// connections from one host (or from many) unable to hold N times those caps.
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "proto/memory_budget.h"

namespace stoq::detail {

class MessageMemory {
 public:
  MessageMemory(uint64_t total_cap, uint64_t per_source_cap);

  // Reserves `bytes` for `source`; false (nothing reserved) when either cap would be passed.
  bool try_charge(const std::string& source, uint64_t bytes);
  void release(const std::string& source, uint64_t bytes);

  uint64_t in_use() const;
  uint64_t refusals() const;
  size_t sources() const;  // sources holding bytes now

 private:
  const uint64_t total_cap_;
  const uint64_t per_source_cap_;
  mutable std::mutex mu_;
  uint64_t in_use_ = 0;
  uint64_t refusals_ = 0;
  std::unordered_map<std::string, uint64_t> by_source_;  // only sources with bytes
};

// One connection's view of the endpoint's MessageMemory: the proto::MemoryBudget its
// session charges. Whatever it still holds when destroyed goes back to the endpoint.
class ConnectionMessageBudget final : public proto::MemoryBudget {
 public:
  ConnectionMessageBudget(std::shared_ptr<MessageMemory> memory, std::string source);
  ~ConnectionMessageBudget() override;
  ConnectionMessageBudget(const ConnectionMessageBudget&) = delete;
  ConnectionMessageBudget& operator=(const ConnectionMessageBudget&) = delete;

  bool try_charge(uint64_t bytes) override;
  void release(uint64_t bytes) override;
  uint64_t charged() const { return charged_; }

 private:
  std::shared_ptr<MessageMemory> memory_;
  std::string source_;
  uint64_t charged_ = 0;  // loop thread only
};

}  // namespace stoq::detail

// MemoryBudget: where a Session and its ShardReassembler charge the message bytes they
// hold (unsharded payload as it is buffered, a sharded message's reservation when it is
// admitted), so that their owner can bound the total over many connections (the endpoint
// does, per source address and overall: api/message_memory.h). Every successful charge is
// released exactly once, when the bytes are delivered, rejected or dropped.
#pragma once

#include <cstdint>

namespace stoq::proto {

class MemoryBudget {
 public:
  virtual ~MemoryBudget() = default;
  // Reserves `bytes`; false, with nothing reserved, when that would exceed the budget.
  // Implementations shared between threads must be thread-safe.
  virtual bool try_charge(uint64_t bytes) = 0;
  virtual void release(uint64_t bytes) = 0;
};

}  // namespace stoq::proto

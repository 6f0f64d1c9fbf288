#include "proto/shard_reassembler.h"

#include <algorithm>
#include <new>
#include <utility>

namespace stoq::proto {
namespace {

// Bookkeeping charged against the cap besides the payload itself: the header (HOP,
// FALCON_SIG ... are bounded well below this) and the per-shard table.
constexpr uint64_t kMessageOverhead = 8192;

struct ShardState {
  bool begun = false;
  bool ended = false;
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t received = 0;
};

}  // namespace

struct ShardReassembler::Message {
  ShardFrame first;  // the SHARD frame that created the message: others must agree
  std::optional<MessageHeader> lead_header;  // header of shard 0
  std::vector<ShardState> shards;
  std::unique_ptr<uint8_t[]> buffer;  // total_length bytes, untouched until written
  uint64_t charged = 0;
  uint64_t ended = 0;
  uint64_t first_seen_ms = 0;
  uint64_t last_progress_ms = 0;
  // Incremental hash over the contiguous prefix received so far.
  explicit Message(Sha256 h) : hasher(std::move(h)) {}
  Sha256 hasher;
  uint64_t hashed_upto = 0;
  std::optional<size_t> cursor;  // shard covering hashed_upto

  uint64_t deadline(const ShardReassemblerConfig& c) const {
    return std::min(last_progress_ms + c.idle_timeout_ms, first_seen_ms + c.max_lifetime_ms);
  }

  void advance_hash() {
    for (;;) {
      if (!cursor) {
        for (size_t i = 0; i < shards.size(); ++i)
          if (shards[i].begun && shards[i].length > 0 && shards[i].offset == hashed_upto)
            cursor = i;
        if (!cursor) return;
      }
      const ShardState& s = shards[*cursor];
      const uint64_t end = s.offset + s.received;
      if (end > hashed_upto) {
        hasher.update({buffer.get() + hashed_upto, static_cast<size_t>(end - hashed_upto)});
        hashed_upto = end;
      }
      if (s.received != s.length) return;
      cursor.reset();
    }
  }

  std::vector<uint64_t> missing() const {
    std::vector<uint64_t> out;
    for (size_t i = 0; i < shards.size(); ++i)
      if (!shards[i].ended) out.push_back(i);
    return out;
  }
};

ShardReassembler::ShardReassembler(Sha256Algorithm sha256, ShardReassemblerConfig config)
    : sha256_(std::move(sha256)), config_(config) {}
ShardReassembler::~ShardReassembler() {
  if (config_.budget != nullptr && reserved_ > 0) config_.budget->release(reserved_);
}

std::optional<Error> ShardReassembler::finished(uint64_t message_id) const {
  for (const auto& [id, code] : finished_)
    if (id == message_id) return code;
  return std::nullopt;
}

void ShardReassembler::remember(uint64_t message_id, Error code) {
  if (config_.remembered_ids == 0) return;
  if (finished_.size() >= config_.remembered_ids) finished_.pop_front();
  finished_.emplace_back(message_id, code);
}

void ShardReassembler::finish(uint64_t message_id) {
  auto it = messages_.find(message_id);
  if (it == messages_.end()) return;
  reserved_ -= it->second->charged;
  if (config_.budget != nullptr) config_.budget->release(it->second->charged);
  messages_.erase(it);
}

Status ShardReassembler::fail(uint64_t message_id, Error code, std::string reason,
                              uint64_t ReassemblyStats::*counter) {
  auto it = messages_.find(message_id);
  FailedMessage f{message_id, code, reason, {}};
  if (it != messages_.end()) f.missing = it->second->missing();
  if (!counter) {
    counter = code == Error::kShardTimeout    ? &ReassemblyStats::timed_out
              : code == Error::kLimitExceeded ? &ReassemblyStats::rejected
                                              : &ReassemblyStats::corrupted;
  }
  ++(stats_.*counter);
  events_.emplace_back(std::move(f));
  finish(message_id);
  remember(message_id, code);
  return violation(code, std::move(reason));
}

Status ShardReassembler::on_shard_begin(const MessageHeader& header, uint64_t now_ms) {
  if (!header.shard) return violation(Error::kInternal, "on_shard_begin without SHARD");
  const ShardFrame& s = *header.shard;
  if (auto v = s.validate(); !v) return v;
  const uint64_t id = s.message_id;
  if (auto code = finished(id))
    return violation(*code == Error::kNoError ? Error::kShardIntegrity : *code,
                     "shard of message " + std::to_string(id) + " that already finished");
  if (s.length == 0 && s.total_length != 0)
    return fail(id, Error::kShardIntegrity, "empty shard of a non-empty message");

  auto it = messages_.find(id);
  if (it == messages_.end()) {
    if (s.count > config_.max_shard_count)
      return fail(id, Error::kLimitExceeded, "shard count above max_shard_count");
    const uint64_t charge = s.total_length + s.count * sizeof(ShardState) + kMessageOverhead;
    if (messages_.size() >= config_.max_messages)
      return fail(id, Error::kLimitExceeded, "too many sharded messages in progress");
    if (charge > config_.memory_cap - std::min(reserved_, config_.memory_cap))
      return fail(id, Error::kLimitExceeded,
                  "reassembly memory cap: message needs " + std::to_string(charge) + " bytes, " +
                      std::to_string(config_.memory_cap - reserved_) + " available");
    if (config_.budget != nullptr && !config_.budget->try_charge(charge))
      return fail(id, Error::kLimitExceeded,
                  "message memory budget reached (this source or the endpoint): message needs " +
                      std::to_string(charge) + " bytes");
    auto m = std::make_unique<Message>(sha256_.start());
    m->buffer.reset(new (std::nothrow) uint8_t[s.total_length]);
    if (!m->buffer) {
      if (config_.budget != nullptr) config_.budget->release(charge);
      return fail(id, Error::kLimitExceeded, "out of memory for reassembly");
    }
    m->first = s;
    m->shards.resize(s.count);
    m->charged = charge;
    m->first_seen_ms = m->last_progress_ms = now_ms;
    reserved_ += charge;
    it = messages_.emplace(id, std::move(m)).first;
  }
  Message& m = *it->second;
  if (s.count != m.first.count || s.total_length != m.first.total_length ||
      s.message_hash != m.first.message_hash)
    return fail(id, Error::kShardIntegrity, "shards of one message disagree on count/length/hash");
  ShardState& st = m.shards[s.index];
  if (st.begun) return fail(id, Error::kShardIntegrity, "shard index received twice");
  for (const ShardState& o : m.shards)
    if (o.begun && s.offset < o.offset + o.length && o.offset < s.offset + s.length)
      return fail(id, Error::kShardIntegrity, "shard ranges overlap");
  st = ShardState{true, false, s.offset, s.length, 0};
  if (s.index == 0) m.lead_header = header;
  m.last_progress_ms = now_ms;
  if (s.length == 0) return on_shard_end(id, s.index, now_ms);  // total_length == 0
  return Ok{};
}

Status ShardReassembler::on_shard_data(uint64_t message_id, uint64_t index,
                                       std::span<const uint8_t> bytes, uint64_t now_ms) {
  auto it = messages_.find(message_id);
  if (it == messages_.end()) {
    if (auto code = finished(message_id))
      return violation(*code == Error::kNoError ? Error::kShardIntegrity : *code,
                       "data for a finished message");
    return violation(Error::kInternal, "data for an unknown sharded message");
  }
  Message& m = *it->second;
  if (index >= m.shards.size() || !m.shards[index].begun || m.shards[index].ended)
    return violation(Error::kInternal, "data for a shard that is not open");
  ShardState& st = m.shards[index];
  if (bytes.size() > st.length - st.received)
    return fail(message_id, Error::kShardIntegrity, "more bytes than the shard length");
  std::copy(bytes.begin(), bytes.end(), m.buffer.get() + st.offset + st.received);
  st.received += bytes.size();
  m.last_progress_ms = now_ms;
  if (m.cursor == index || !m.cursor) m.advance_hash();
  return Ok{};
}

Status ShardReassembler::on_shard_end(uint64_t message_id, uint64_t index, uint64_t now_ms) {
  auto it = messages_.find(message_id);
  if (it == messages_.end()) return violation(Error::kInternal, "end of an unknown message");
  Message& m = *it->second;
  if (index >= m.shards.size() || !m.shards[index].begun || m.shards[index].ended)
    return violation(Error::kInternal, "end of a shard that is not open");
  ShardState& st = m.shards[index];
  if (st.received != st.length)
    return fail(message_id, Error::kMessageIncomplete,
                "shard " + std::to_string(index) + " ended after " + std::to_string(st.received) +
                    " of " + std::to_string(st.length) + " bytes");
  st.ended = true;
  m.last_progress_ms = now_ms;
  if (++m.ended != m.shards.size()) return Ok{};

  // Every shard is in. Ranges do not overlap, so full coverage <=> lengths add up.
  uint64_t sum = 0;
  for (const ShardState& o : m.shards) sum += o.length;
  if (sum != m.first.total_length)
    return fail(message_id, Error::kShardIntegrity, "shards do not cover the message");
  m.advance_hash();
  const Digest digest = m.hasher.finish();
  if (m.hashed_upto != m.first.total_length || digest != m.first.message_hash)
    return fail(message_id, Error::kShardIntegrity, "whole-message SHA-256 mismatch");
  ReassembledMessage done;
  done.message_id = message_id;
  done.header = m.lead_header ? std::move(*m.lead_header) : MessageHeader{};
  done.payload = OwnedBytes(std::move(m.buffer), m.first.total_length);
  done.digest = digest;
  ++stats_.completed;
  events_.emplace_back(std::move(done));
  finish(message_id);
  remember(message_id, Error::kNoError);
  return Ok{};
}

void ShardReassembler::on_shard_abandoned(uint64_t message_id, uint64_t index) {
  if (messages_.count(message_id) == 0) return;
  (void)fail(message_id, Error::kShardIntegrity,
             "shard " + std::to_string(index) + " stream was reset", &ReassemblyStats::abandoned);
}

void ShardReassembler::on_timer(uint64_t now_ms) {
  std::vector<uint64_t> expired;
  for (const auto& [id, m] : messages_)
    if (m->deadline(config_) <= now_ms) expired.push_back(id);
  std::sort(expired.begin(), expired.end());  // deterministic event order
  for (uint64_t id : expired)
    (void)fail(id, Error::kShardTimeout, "sharded message incomplete at its deadline");
}

std::optional<uint64_t> ShardReassembler::next_expiry() const {
  std::optional<uint64_t> best;
  for (const auto& [id, m] : messages_) {
    const uint64_t d = m->deadline(config_);
    if (!best || d < *best) best = d;
  }
  return best;
}

std::optional<ReassemblyEvent> ShardReassembler::poll_event() {
  if (events_.empty()) return std::nullopt;
  ReassemblyEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

}  // namespace stoq::proto

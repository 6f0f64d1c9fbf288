#include "proto/message.h"

#include <string>

namespace stoq::proto {

void MessageHeader::encode(std::vector<uint8_t>& out) const {
  if (token) token->encode(out);
  if (shard) shard->encode(out);
  if (hop) hop->encode(out);
  if (seed) seed->encode(out);
  if (signature) signature->encode(out);
}

Status validate_header(const MessageHeader& h, const MessageLimits& l) {
  auto need = [&](uint64_t bit, const char* name) -> Status {
    if (l.extensions & bit) return Ok{};
    return violation(Error::kFrameUnexpected, std::string(name) + " extension not enabled");
  };
  if (h.token)
    if (auto s = need(kExtToken, "TOKEN"); !s) return s;
  if (h.shard) {
    if (auto s = need(kExtShard, "SHARD"); !s) return s;
    if (auto s = h.shard->validate(); !s) return s;
    if (h.shard->count > l.max_shard_count)
      return violation(Error::kLimitExceeded, "SHARD count " + std::to_string(h.shard->count) +
                                                  " above max_shard_count " +
                                                  std::to_string(l.max_shard_count));
    if (h.shard->total_length > l.max_message_size)
      return violation(Error::kLimitExceeded, "SHARD total length " +
                                                  std::to_string(h.shard->total_length) +
                                                  " above max_message_size");
  }
  if (h.hop) {
    if (auto s = need(kExtHop, "HOP"); !s) return s;
    if (auto s = h.hop->validate(); !s) return s;
    if (h.hop->route.size() > l.max_hop_count || h.hop->record.size() > l.max_hop_count ||
        h.hop->hop_limit > l.max_hop_count)
      return violation(Error::kLimitExceeded,
                       "HOP above max_hop_count " + std::to_string(l.max_hop_count));
  }
  if (h.seed) {
    if (auto s = need(kExtSeed, "SEED"); !s) return s;
    if (auto s = h.seed->validate(); !s) return s;
  }
  if (h.signature) {
    if (auto s = need(kExtSignature, "FALCON_SIG"); !s) return s;
    if (auto s = h.signature->validate(); !s) return s;
    if (!h.token) return violation(Error::kFrameUnexpected, "FALCON_SIG without TOKEN");
  }
  return Ok{};
}

}  // namespace stoq::proto

// HOP (0xfe000003): multi-hop routing state carried in a message header.
//
// Payload:
//   hop_limit     (varint)  hops the message may still take, <= 16
//   route_count   (varint)  <= 16, followed by route_count node addresses: the hops still
//                           ahead, next hop first; empty at the destination
//   record_count  (varint)  <= 16, followed by record_count records: node address then
//                           timestamp_ms (u64), oldest first
// Node address: kind (u8) then
//   0x01 node id: length (u8, 1..32) | id bytes
//   0x04 IPv4:    address (4) | port (u16)
//   0x06 IPv6:    address (16) | port (u16)
// Relays rewrite this frame (they append to the record); it is therefore excluded from the
// end-to-end signature (signature.h).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "proto/result.h"

namespace stoq::proto {

enum class NodeKind : uint8_t { kNodeId = 0x01, kIpv4 = 0x04, kIpv6 = 0x06 };

struct NodeAddress {
  NodeKind kind = NodeKind::kNodeId;
  std::vector<uint8_t> bytes;  // node id (1..32), or the 4 / 16 address bytes
  uint16_t port = 0;           // IP kinds only

  bool operator==(const NodeAddress&) const = default;

  static NodeAddress node_id(std::span<const uint8_t> id);
  static NodeAddress ipv4(std::span<const uint8_t, 4> addr, uint16_t port);
  static NodeAddress ipv6(std::span<const uint8_t, 16> addr, uint16_t port);
};

struct HopRecord {
  NodeAddress node;
  uint64_t timestamp_ms = 0;
  bool operator==(const HopRecord&) const = default;
};

struct HopFrame {
  uint64_t hop_limit = 0;
  std::vector<NodeAddress> route;
  std::vector<HopRecord> record;

  bool operator==(const HopFrame&) const = default;

  // Bounds and address well-formedness. Errors: kLimitExceeded, kFrameEncoding.
  Status validate() const;
  void encode(std::vector<uint8_t>& out) const;  // whole frame; precondition validate()
  // Errors: kFrameEncoding (truncated, trailing bytes, bad address), kLimitExceeded (a
  // count or the hop limit above 16). Counts are checked before anything is allocated.
  static Result<HopFrame> decode(std::span<const uint8_t> payload);

  // True when `node` already appears in the record.
  bool visited(const NodeAddress& node) const;

  // What a relay does before forwarding: checks for a loop (kHopLoop: `self` or the next
  // hop already in the record), checks the limits (kHopLimit: hop_limit 0, record full,
  // or no next hop), then decrements hop_limit, appends {self, now_ms} and removes and
  // returns the next hop. On error the frame is unchanged and the message must be dropped
  // with the returned code.
  Result<NodeAddress> advance(const NodeAddress& self, uint64_t now_ms);
};

}  // namespace stoq::proto

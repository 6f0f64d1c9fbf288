#include "proto/hop.h"

#include <algorithm>
#include <string>

#include "proto/bytes.h"
#include "proto/frame.h"
#include "proto/limits.h"

namespace stoq::proto {
namespace {

Status validate_address(const NodeAddress& a) {
  switch (a.kind) {
    case NodeKind::kNodeId:
      if (a.bytes.empty() || a.bytes.size() > kMaxNodeIdSize)
        return violation(Error::kFrameEncoding, "HOP node id must be 1..32 bytes");
      return Ok{};
    case NodeKind::kIpv4:
      if (a.bytes.size() != 4) return violation(Error::kFrameEncoding, "HOP IPv4 address size");
      return Ok{};
    case NodeKind::kIpv6:
      if (a.bytes.size() != 16) return violation(Error::kFrameEncoding, "HOP IPv6 address size");
      return Ok{};
  }
  return violation(Error::kFrameEncoding, "HOP unknown address kind");
}

void write_address(ByteWriter& w, const NodeAddress& a) {
  w.u8(static_cast<uint8_t>(a.kind));
  if (a.kind == NodeKind::kNodeId) {
    w.u8(static_cast<uint8_t>(a.bytes.size()));
    w.bytes(a.bytes);
  } else {
    w.bytes(a.bytes);
    w.u16(a.port);
  }
}

bool read_address(ByteReader& r, NodeAddress& a, std::string& why) {
  uint8_t kind = 0;
  if (!r.u8(kind)) return why = "HOP truncated in address kind", false;
  std::span<const uint8_t> b;
  switch (kind) {
    case static_cast<uint8_t>(NodeKind::kNodeId): {
      uint8_t len = 0;
      if (!r.u8(len) || len == 0 || len > kMaxNodeIdSize)
        return why = "HOP node id length missing or outside 1..32", false;
      if (!r.bytes(len, b)) return why = "HOP truncated in node id", false;
      a.kind = NodeKind::kNodeId;
      a.port = 0;
      break;
    }
    case static_cast<uint8_t>(NodeKind::kIpv4):
    case static_cast<uint8_t>(NodeKind::kIpv6):
      a.kind = static_cast<NodeKind>(kind);
      if (!r.bytes(kind == 0x04 ? 4 : 16, b) || !r.u16(a.port))
        return why = "HOP truncated in IP address", false;
      break;
    default:
      return why = "HOP unknown address kind " + std::to_string(kind), false;
  }
  a.bytes.assign(b.begin(), b.end());
  return true;
}

}  // namespace

NodeAddress NodeAddress::node_id(std::span<const uint8_t> id) {
  return {NodeKind::kNodeId, {id.begin(), id.end()}, 0};
}
NodeAddress NodeAddress::ipv4(std::span<const uint8_t, 4> addr, uint16_t port) {
  return {NodeKind::kIpv4, {addr.begin(), addr.end()}, port};
}
NodeAddress NodeAddress::ipv6(std::span<const uint8_t, 16> addr, uint16_t port) {
  return {NodeKind::kIpv6, {addr.begin(), addr.end()}, port};
}

Status HopFrame::validate() const {
  if (hop_limit > kMaxHops) return violation(Error::kLimitExceeded, "HOP hop_limit above 16");
  if (route.size() > kMaxHops) return violation(Error::kLimitExceeded, "HOP route above 16");
  if (record.size() > kMaxHops) return violation(Error::kLimitExceeded, "HOP record above 16");
  for (const auto& a : route)
    if (auto s = validate_address(a); !s) return s;
  for (const auto& rec : record)
    if (auto s = validate_address(rec.node); !s) return s;
  return Ok{};
}

void HopFrame::encode(std::vector<uint8_t>& out) const {
  std::vector<uint8_t> p;
  ByteWriter w(p);
  w.varint(hop_limit);
  w.varint(route.size());
  for (const auto& a : route) write_address(w, a);
  w.varint(record.size());
  for (const auto& rec : record) {
    write_address(w, rec.node);
    w.u64(rec.timestamp_ms);
  }
  append_frame(out, to_wire(FrameType::kHop), p);
}

Result<HopFrame> HopFrame::decode(std::span<const uint8_t> payload) {
  HopFrame h;
  ByteReader r(payload);
  std::string why;
  uint64_t n = 0;
  if (!r.varint(h.hop_limit)) return violation(Error::kFrameEncoding, "HOP truncated");
  if (h.hop_limit > kMaxHops) return violation(Error::kLimitExceeded, "HOP hop_limit above 16");
  if (!r.varint(n)) return violation(Error::kFrameEncoding, "HOP truncated in route count");
  if (n > kMaxHops) return violation(Error::kLimitExceeded, "HOP route count above 16");
  h.route.resize(n);
  for (auto& a : h.route)
    if (!read_address(r, a, why)) return violation(Error::kFrameEncoding, why);
  if (!r.varint(n)) return violation(Error::kFrameEncoding, "HOP truncated in record count");
  if (n > kMaxHops) return violation(Error::kLimitExceeded, "HOP record count above 16");
  h.record.resize(n);
  for (auto& rec : h.record) {
    if (!read_address(r, rec.node, why)) return violation(Error::kFrameEncoding, why);
    if (!r.u64(rec.timestamp_ms)) return violation(Error::kFrameEncoding, "HOP truncated in time");
  }
  if (!r.empty()) return violation(Error::kFrameEncoding, "HOP has trailing bytes");
  return h;
}

bool HopFrame::visited(const NodeAddress& node) const {
  return std::any_of(record.begin(), record.end(),
                     [&](const HopRecord& rec) { return rec.node == node; });
}

Result<NodeAddress> HopFrame::advance(const NodeAddress& self, uint64_t now_ms) {
  if (visited(self)) return violation(Error::kHopLoop, "message already passed this node");
  if (route.empty()) return violation(Error::kHopLimit, "no next hop in the route");
  if (route.front() == self || visited(route.front()))
    return violation(Error::kHopLoop, "next hop already on the path");
  if (hop_limit == 0) return violation(Error::kHopLimit, "hop limit exhausted");
  if (record.size() >= kMaxHops) return violation(Error::kHopLimit, "hop record full");
  --hop_limit;
  record.push_back({self, now_ms});
  NodeAddress next = std::move(route.front());
  route.erase(route.begin());
  return next;
}

}  // namespace stoq::proto

#include "io/datapath.h"

#include <utility>

namespace stoq::io {

std::string to_string(Capability set) {
  static constexpr std::pair<Capability, const char*> kNames[] = {
      {Capability::kBatchSyscalls, "batch"},
      {Capability::kGsoSend, "gso"},
      {Capability::kGroReceive, "gro"},
      {Capability::kEcn, "ecn"},
      {Capability::kPktInfo, "pktinfo"},
      {Capability::kTxTime, "txtime"},
      {Capability::kXdp, "xdp"},
      {Capability::kRxOverflowCount, "rxq-ovfl"},
  };
  static_assert(std::size(kNames) == 8, "name every Capability");
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if (!has(set, bit)) continue;
    if (!out.empty()) out += '|';
    out += name;
  }
  return out;
}

}  // namespace stoq::io

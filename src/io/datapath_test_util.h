// Test helpers for datapaths: wait for datagrams with a deadline, keep copies of them.
#pragma once

#include <poll.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include "io/datapath.h"

namespace stoq::io::test {

struct Copied {
  SocketAddress remote;
  SocketAddress local;
  std::vector<uint8_t> data;
  uint8_t ecn = 0;
};

// Receives until `want` datagrams arrived or `timeout` passed (then returns what came);
// with want == 0, until the datapath has been quiet for 100 ms.
inline std::vector<Copied> receive_some(
    Datapath& dp, size_t want, std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
  std::vector<Copied> out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (want == 0 || out.size() < want) {
    auto r = dp.receive();
    if (!r) break;
    for (const ReceivedDatagram& d : *r) {
      out.push_back({d.remote, d.local, {d.data.begin(), d.data.end()}, d.ecn});
    }
    if (!r->empty()) continue;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    pollfd p{dp.fd(), POLLIN, 0};
    int wait = static_cast<int>(want == 0 ? std::min<int64_t>(100, left.count()) : left.count());
    if (poll(&p, 1, wait) == 0 && want == 0) break;
  }
  return out;
}

// `n` bytes that differ per datagram index and position, to catch reordering and mixing.
inline std::vector<uint8_t> pattern(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = static_cast<uint8_t>((i * 31 + seed * 131 + (i >> 8)) & 0xff);
  return v;
}

}  // namespace stoq::io::test

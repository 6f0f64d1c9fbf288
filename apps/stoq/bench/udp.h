// The raw UDP datapath ceiling of `stoq bench --baseline`: datagrams of the size STOQ's
// packets may reach on the same path (effective_max_udp_payload: 8192 bytes to a loopback
// peer by default, else 1452 or --max-udp-payload) carrying the same payload pattern, sent with
// sendmmsg + UDP GSO and received with recvmmsg + UDP GRO where the kernel has them, with no QUIC
// and no encryption. The receiver checks every datagram's payload against the pattern and counts;
// what it takes per second is the most any UDP transport could move through these sockets here.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "bench/options.h"
#include "bench/progress.h"
#include "bench/sample.h"
#include "pattern.h"
#include "stoq/stoq.h"

namespace stoq::cli::bench {

// Each datagram starts with the run id and the payload's offset in the pattern (both u64,
// host order), so the receiver checks datagrams of any size.
inline constexpr size_t kUdpHeader = 16;

// The receiving side, on its own thread inside `stoq bench server`.
class UdpSink {
 public:
  struct Counters {
    uint64_t run = 0, datagrams = 0, bytes = 0, bad = 0;
    double first_s = 0, last_s = 0;
  };
  // Binds `addr` (port 0 picks one) and starts receiving.
  static Result<std::unique_ptr<UdpSink>> start(const SocketAddress& addr);
  ~UdpSink();
  UdpSink(const UdpSink&) = delete;
  UdpSink& operator=(const UdpSink&) = delete;
  uint16_t port() const noexcept { return port_; }
  bool gro() const noexcept { return gro_; }
  Counters counters() const;  // of the most recent run

 private:
  explicit UdpSink(int fd) : fd_(fd) {}
  void receive_loop();
  void count(const uint8_t* d, size_t n, double now);

  int fd_;
  uint16_t port_ = 0;
  bool gro_ = false;
  Pattern pattern_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> run_{0}, datagrams_{0}, bytes_{0}, bad_{0};
  std::atomic<double> first_s_{0}, last_s_{0};
  std::thread thread_;
};

// Sends p.bytes of pattern payload to `host`'s UDP port `port` as fast as the socket
// takes it, then reads the receiver's counters over the control channel.
Sample udp_blast(const SocketAddress& host, uint16_t port, const std::string& control,
                 const BenchParams& p, Progress& progress);

}  // namespace stoq::cli::bench

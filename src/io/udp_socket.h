// A non-blocking UDP socket with batched receive and send (recvmmsg / sendmmsg).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "stoq/address.h"
#include "stoq/error.h"

namespace stoq::io {

struct ReceivedDatagram {
  SocketAddress remote;
  std::span<const uint8_t> data;  // valid until the next receive() on the socket
  uint8_t ecn = 0;
};

struct OutgoingDatagram {
  SocketAddress remote;
  std::span<const uint8_t> data;
  uint8_t ecn = 0;
};

class UdpSocket {
 public:
  static constexpr size_t kBatch = 64;
  static constexpr size_t kMaxDatagram = 65536;

  // Binds to `addr` (port 0 picks one). An IPv6 wildcard address is dual-stack.
  static Result<UdpSocket> bind(const SocketAddress& addr);
  UdpSocket(UdpSocket&& o) noexcept;
  UdpSocket& operator=(UdpSocket&& o) noexcept;
  ~UdpSocket();

  int fd() const noexcept { return fd_; }
  const SocketAddress& local_address() const noexcept { return local_; }

  // Receives up to kBatch datagrams; an empty result means the socket has none ready.
  Result<std::span<const ReceivedDatagram>> receive();
  // Sends as many of `batch` as the kernel takes now; returns how many were sent.
  // Consecutive datagrams to the same address that are contiguous in memory and of equal
  // size (the last may be shorter) go out as one UDP GSO super-datagram when the kernel
  // supports it; the first refusal turns GSO off for this socket.
  Result<size_t> send(std::span<const OutgoingDatagram> batch);
  bool gso_enabled() const noexcept { return gso_; }
  void set_gso(bool on) noexcept { gso_ = on; }

 private:
  UdpSocket() = default;
  int fd_ = -1;
  bool gso_ = true;
  SocketAddress local_;
  std::vector<uint8_t> rx_buf_;
  std::vector<ReceivedDatagram> rx_;
};

}  // namespace stoq::io

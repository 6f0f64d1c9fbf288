// DatagramSocket: a plain, move-only, non-blocking datagram socket — UDP over IPv4/IPv6,
// or a Unix datagram socket for a local control channel — for tools that want one
// datagram per call (the netsim relay) rather than SocketDatapath's batches, GSO and ECN.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "io/unique_fd.h"
#include "stoq/address.h"
#include "stoq/error.h"

namespace stoq::io {

class DatagramSocket {
 public:
  DatagramSocket() = default;

  // A socket bound to `local` (port 0: ephemeral). IPv6 sockets are IPv6-only.
  // `buffer_bytes` > 0 asks for that much SO_RCVBUF/SO_SNDBUF on UDP sockets, best effort
  // (the kernel clamps it to net.core.{r,w}mem_max). kSocketError names the failing call.
  static Result<DatagramSocket> bind(const SocketAddress& local, std::size_t buffer_bytes = 0);
  // A UDP socket on an ephemeral local port connected to `remote`: it only receives from
  // `remote`.
  static Result<DatagramSocket> connect(const SocketAddress& remote, std::size_t buffer_bytes = 0);

  bool valid() const noexcept { return fd_.valid(); }
  int fd() const noexcept { return fd_.get(); }
  Result<SocketAddress> local_address() const;

  // One datagram into `buffer`: its length, or -1 with errno set (EAGAIN when nothing is
  // waiting). `from` may be null.
  ssize_t receive(std::span<std::uint8_t> buffer, SocketAddress* from) noexcept;
  // One datagram; `to` null on a connected socket. Bytes sent, or -1 with errno set.
  ssize_t send(std::span<const std::uint8_t> data, const SocketAddress* to) noexcept;

  void close() noexcept { fd_.reset(); }

 private:
  explicit DatagramSocket(UniqueFd fd) noexcept : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace stoq::io

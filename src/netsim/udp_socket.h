// DatagramSocket: a move-only, non-blocking datagram socket (UDP over IPv4/IPv6, or Unix
// datagram for the control channel). Thin RAII over the socket calls; errors come back as
// Errc::kSocketError with the failing call and errno text in the message.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <span>

#include "netsim/address.h"
#include "netsim/result.h"

namespace stoq::netsim {

class DatagramSocket {
 public:
  DatagramSocket() = default;
  ~DatagramSocket();
  DatagramSocket(DatagramSocket&& other) noexcept;
  DatagramSocket& operator=(DatagramSocket&& other) noexcept;
  DatagramSocket(const DatagramSocket&) = delete;
  DatagramSocket& operator=(const DatagramSocket&) = delete;

  // A socket bound to `local` (port 0: ephemeral). IPv6 sockets are IPv6-only.
  static Expected<DatagramSocket> bind(const SocketAddress& local);
  // A socket on an ephemeral local port, connected to `remote`, so it only receives from
  // `remote` (the relay's per-client upstream socket).
  static Expected<DatagramSocket> connect(const SocketAddress& remote);

  bool valid() const noexcept { return fd_ >= 0; }
  int fd() const noexcept { return fd_; }
  Expected<SocketAddress> local_address() const;

  // One datagram into `buffer`. Returns its length, or -1 with errno set (EAGAIN when
  // nothing is waiting). `from` may be null.
  ssize_t receive(std::span<std::uint8_t> buffer, SocketAddress* from) noexcept;
  // Sends one datagram; `to` null for connected sockets. Returns bytes or -1 with errno.
  ssize_t send(std::span<const std::uint8_t> data, const SocketAddress* to) noexcept;

  void close() noexcept;

 private:
  explicit DatagramSocket(int fd) noexcept : fd_(fd) {}
  int fd_ = -1;
};

// Errc::kSocketError naming `call` and the current errno.
Error socket_error(const char* call);

}  // namespace stoq::netsim

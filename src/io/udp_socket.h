// The endpoint's original socket API, kept while src/api moves to io::Datapath
// (docs/datapath.md, "Switching the endpoint over"). A thin adapter over SocketDatapath:
// new code should use SocketDatapath (or the Datapath interface) directly.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "io/datapath.h"
#include "io/socket_datapath.h"
#include "stoq/address.h"
#include "stoq/error.h"

namespace stoq::io {

class UdpSocket {
 public:
  static constexpr size_t kBatch = 64;
  static constexpr size_t kMaxDatagram = 65536;

  // Binds to `addr` (port 0 picks one). An IPv6 wildcard address is dual-stack. 8 MiB
  // socket buffers as before; GSO, GRO, ECN and pktinfo where the kernel has them.
  static Result<UdpSocket> bind(const SocketAddress& addr);
  UdpSocket(UdpSocket&&) noexcept = default;
  UdpSocket& operator=(UdpSocket&&) noexcept = default;
  ~UdpSocket() = default;

  int fd() const noexcept { return dp_->fd(); }
  const SocketAddress& local_address() const noexcept { return dp_->local_address(); }

  // See Datapath::receive / Datapath::send.
  Result<std::span<const ReceivedDatagram>> receive() { return dp_->receive(); }
  Result<size_t> send(std::span<const OutgoingDatagram> batch) { return dp_->send(batch); }
  bool gso_enabled() const noexcept { return has(dp_->capabilities(), Capability::kGsoSend); }
  void set_gso(bool on) noexcept { dp_->set_gso(on); }

  SocketDatapath& datapath() noexcept { return *dp_; }

 private:
  explicit UdpSocket(std::unique_ptr<SocketDatapath> dp) : dp_(std::move(dp)) {}
  std::unique_ptr<SocketDatapath> dp_;
};

}  // namespace stoq::io

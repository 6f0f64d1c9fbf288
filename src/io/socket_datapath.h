// The kernel UDP socket datapath: recvmmsg/sendmmsg batches, UDP GSO and GRO, ECN and
// destination addresses through control messages, sized socket buffers, dual stack.
#pragma once

#include <sys/socket.h>

#include <memory>
#include <vector>

#include "io/datapath.h"
#include "io/unique_fd.h"

namespace stoq::io {
namespace detail {

// The send system calls of SocketDatapath. The real ones are used except in tests, which
// substitute refusals the loopback device never produces (EAGAIN, ENOBUFS, GSO's EIO).
class SendCalls {
 public:
  virtual ~SendCalls() = default;
  virtual int send_many(int fd, mmsghdr* msgs, unsigned count) const;  // sendmmsg
  virtual ssize_t send_one(int fd, const msghdr* msg) const;           // sendmsg
};

}  // namespace detail

class SocketDatapath final : public Datapath {
 public:
  // Every receive slot holds one GRO-coalesced buffer (or one datagram) of this size.
  static constexpr size_t kReceiveSlotBytes = 65536;

  // Creates, configures and binds the socket; port 0 picks one. An IPv6 address accepts
  // IPv4 peers when config.dual_stack (they appear as v4-mapped addresses). Fails with
  // kInvalidArgument (not IPv4/IPv6, batch 0) or kSocketError (socket/bind failed, with
  // errno's text, e.g. "bind 0.0.0.0:4433: Address already in use"). Kernel features
  // that are refused only turn their capability off.
  static Result<std::unique_ptr<SocketDatapath>> open(const SocketAddress& addr,
                                                      const DatapathConfig& config = {});
  ~SocketDatapath() override;

  int fd() const noexcept override { return fd_.get(); }
  const SocketAddress& local_address() const noexcept override { return local_; }
  Capability capabilities() const noexcept override { return caps_; }
  DatapathStats stats() const noexcept override { return stats_; }
  SocketBufferSizes buffer_sizes() const noexcept override { return buffers_; }
  size_t send_batch() const noexcept override { return batch_; }
  bool receive_drained() const noexcept override { return drained_; }

  Result<std::span<const ReceivedDatagram>> receive() override;
  Result<size_t> send(std::span<const OutgoingDatagram> batch) override;

  // Turns GSO off, or back on if the kernel supported it at open. For callers with a
  // run-time switch (TransportConfig::enable_gso); GSO off sends every datagram alone.
  void set_gso(bool on) noexcept;

 private:
  // One message handed to the kernel: a datagram, a GSO train, or a piece of a train.
  struct Pending {
    size_t entry;      // index in the batch
    size_t end;        // byte offset in the entry's data where this message ends
    size_t datagrams;  // datagrams it carries
    bool completes;    // the entry (or the coalesced run ending at `entry`) is done after it
    bool gso;          // carries UDP_SEGMENT
    bool ecn;          // carries a TOS / TCLASS control message
    bool source;       // carries IP_PKTINFO / IPV6_PKTINFO
  };
  struct Cursor {
    size_t entry = 0;
    size_t offset = 0;  // bytes of batch[entry].data already sent
  };

  friend class SocketDatapathTestPeer;  // replaces calls_ in tests
  SocketDatapath() = default;
  size_t build_messages(std::span<const OutgoingDatagram> batch, Cursor at);
  int send_messages(size_t count);
  int receive_messages();
  void deliver(size_t slot);

  UniqueFd fd_;
  SocketAddress local_;
  Capability caps_ = Capability::kNone;
  bool gso_supported_ = false;
  SocketBufferSizes buffers_;
  DatapathStats stats_;
  size_t batch_ = 0;
  bool split_next_ = false;  // the next message goes without GSO (its GSO send was refused)
  static const detail::SendCalls kSystemCalls;
  const detail::SendCalls* calls_ = &kSystemCalls;

  // Preallocated at open; receive() and send() never allocate in the steady state.
  std::vector<uint8_t> rx_buf_;
  std::vector<mmsghdr> rx_msgs_;
  std::vector<iovec> rx_iov_;
  std::vector<sockaddr_storage> rx_names_;
  std::vector<char> rx_control_;
  std::vector<ReceivedDatagram> rx_out_;
  bool drained_ = false;
  std::vector<mmsghdr> tx_msgs_;
  std::vector<iovec> tx_iov_;
  std::vector<char> tx_control_;
  std::vector<Pending> tx_pending_;
};

}  // namespace stoq::io

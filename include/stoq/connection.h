// A QUIC connection to one peer.
//
// Connection is a cheap, copyable handle; the endpoint owns the connection itself. After
// the connection ends, handles stay valid: calls return Errc::kClosed and info() returns the
// last known values. Threading: as for Stream, use it only on the endpoint's loop thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "stoq/connection_info.h"
#include "stoq/error.h"
#include "stoq/stream.h"

namespace stoq {
namespace detail {
struct ConnectionShared;
}

class WeakConnection;

class Connection {
 public:
  Connection() = default;
  explicit Connection(std::shared_ptr<detail::ConnectionShared> shared) noexcept;

  explicit operator bool() const noexcept { return static_cast<bool>(c_); }
  bool is_open() const noexcept;
  bool is_established() const noexcept;

  // Opens a stream. Errc::kStreamLimit when the peer's limit is reached (retry after some
  // streams close), Errc::kClosed when the connection is over.
  Result<Stream> open_bidi_stream();
  Result<Stream> open_uni_stream();

  // Closes the connection with an application error code and reason (sent to the peer).
  // Idempotent. on_closed runs with Errc::kApplicationClosed.
  void close(uint64_t app_code = 0, std::string_view reason = {});

  ConnectionInfo info() const;
  // Why the connection ended (empty error while it is open).
  CloseInfo close_info() const;

  // Called once the handshake has completed and the peer is authenticated.
  void on_established(std::function<void()> cb);
  // Called for each stream the peer opens.
  void on_stream(std::function<void(Stream)> cb);
  // Called once when the connection ends, whatever the reason. Afterwards the connection
  // releases all its callbacks (and what they capture).
  void on_closed(std::function<void(const CloseInfo&)> cb);

  // A reference that does not keep the connection's state alive; capture this, not a
  // Connection, in the connection's own callbacks.
  WeakConnection weak() const noexcept;

 private:
  std::shared_ptr<detail::ConnectionShared> c_;
};

class WeakConnection {
 public:
  WeakConnection() = default;
  explicit WeakConnection(std::weak_ptr<detail::ConnectionShared> w) noexcept : w_(std::move(w)) {}
  Connection lock() const noexcept { return Connection(w_.lock()); }

 private:
  std::weak_ptr<detail::ConnectionShared> w_;
};

}  // namespace stoq

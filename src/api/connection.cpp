#include "stoq/connection.h"

#include "api/connection_shared.h"
#include "api/endpoint_impl.h"
#include "quic/connection.h"

namespace stoq {

Connection::Connection(std::shared_ptr<detail::ConnectionShared> shared) noexcept
    : c_(std::move(shared)) {}

bool Connection::is_open() const noexcept { return c_ && c_->conn != nullptr && c_->conn->is_open(); }
bool Connection::is_established() const noexcept { return c_ && c_->established; }

static Result<Stream> open(detail::ConnectionShared* c, bool bidi) {
  if (c == nullptr || c->conn == nullptr) return {Errc::kClosed, "connection is closed"};
  auto s = c->conn->open_stream(bidi);
  if (!s) return {s.error(), s.reason()};
  return Stream(std::move(s).value());
}

Result<Stream> Connection::open_bidi_stream() { return open(c_.get(), true); }
Result<Stream> Connection::open_uni_stream() { return open(c_.get(), false); }

void Connection::close(uint64_t app_code, std::string_view reason) {
  if (c_ && c_->conn != nullptr) c_->endpoint->close(*c_, app_code, reason);
}

ConnectionInfo Connection::info() const {
  if (!c_) return {};
  return c_->conn != nullptr ? c_->conn->info() : c_->last_info;
}

CloseInfo Connection::close_info() const { return c_ ? c_->close_info : CloseInfo{}; }

void Connection::on_established(std::function<void()> cb) {
  if (c_) c_->on_established = std::move(cb);
}
void Connection::on_stream(std::function<void(Stream)> cb) {
  if (c_) c_->on_stream = std::move(cb);
}
void Connection::on_closed(std::function<void(const CloseInfo&)> cb) {
  if (c_) c_->on_closed = std::move(cb);
}

WeakConnection Connection::weak() const noexcept { return WeakConnection(c_); }

}  // namespace stoq

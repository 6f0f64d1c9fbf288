#include "stoq/connection.h"

#include "api/connection_shared.h"
#include "api/endpoint_impl.h"
#include "api/messaging.h"
#include "quic/connection.h"

namespace stoq {

Connection::Connection(std::shared_ptr<detail::ConnectionShared> shared) noexcept
    : c_(std::move(shared)) {}

bool Connection::is_open() const noexcept {
  return c_ && c_->conn != nullptr && c_->conn->is_open();
}
bool Connection::is_established() const noexcept {
  return c_ && c_->established;
}

static Result<Stream> open(detail::ConnectionShared* c, bool bidi) {
  if (c == nullptr || c->conn == nullptr) return {Errc::kClosed, "connection is closed"};
  auto s = c->conn->open_stream(bidi);
  if (!s) return {s.error(), s.reason()};
  Stream stream(std::move(s).value());
  if (!bidi && c->messaging) {
    // Typed unidirectional streams (api/messaging.h): the APPLICATION type goes first.
    (void)stream.write(std::span<const uint8_t>(detail::Messaging::kApplicationStreamPrefix));
  }
  return stream;
}

Result<Stream> Connection::open_bidi_stream() {
  return open(c_.get(), true);
}
Result<Stream> Connection::open_uni_stream() {
  return open(c_.get(), false);
}

void Connection::close(uint64_t app_code, std::string_view reason) {
  if (c_ && c_->conn != nullptr) c_->endpoint->close(*c_, app_code, reason);
}

ConnectionInfo Connection::info() const {
  if (!c_) return {};
  return c_->conn != nullptr ? c_->conn->info() : c_->last_info;
}

size_t Connection::max_datagram_size() const {
  if (!c_ || c_->conn == nullptr) return 0;
  const size_t max = c_->conn->max_datagram_payload();
  // With messaging on, application datagrams carry a one-byte tag (docs/protocol.md 13).
  const size_t tag = c_->messaging ? 1 : 0;
  return max > tag ? max - tag : 0;
}

Status Connection::send_datagram(std::span<const uint8_t> payload) {
  if (!c_ || c_->conn == nullptr) return {Errc::kClosed, "connection is closed"};
  if (payload.empty()) return {Errc::kInvalidArgument, "empty datagram"};
  const size_t max = max_datagram_size();
  if (max == 0 && c_->conn->max_datagram_payload() == 0) {
    return {Errc::kUnsupported, "the peer does not accept DATAGRAM frames (or no handshake yet)"};
  }
  if (payload.size() > max) {
    return {Errc::kLimitExceeded, "datagram of " + std::to_string(payload.size()) +
                                      " bytes exceeds the maximum of " + std::to_string(max)};
  }
  if (!c_->messaging) return c_->conn->send_datagram(payload);
  std::vector<uint8_t> tagged;
  tagged.reserve(payload.size() + 1);
  tagged.push_back(0x00);  // APPLICATION datagram tag
  tagged.insert(tagged.end(), payload.begin(), payload.end());
  return c_->conn->send_datagram(tagged);
}

void Connection::on_datagram(std::function<void(std::span<const uint8_t>)> cb) {
  if (c_) c_->on_datagram = std::move(cb);
}

Status Connection::update_keys() {
  if (!c_ || c_->conn == nullptr) return {Errc::kClosed, "connection is closed"};
  return c_->endpoint->update_keys(*c_);
}

CloseInfo Connection::close_info() const {
  return c_ ? c_->close_info : CloseInfo{};
}

void Connection::on_established(std::function<void()> cb) {
  if (c_) c_->on_established = std::move(cb);
}
void Connection::on_stream(std::function<void(Stream)> cb) {
  if (c_) c_->on_stream = std::move(cb);
}
void Connection::on_closed(std::function<void(const CloseInfo&)> cb) {
  if (c_) c_->on_closed = std::move(cb);
}

static detail::Messaging* messaging(const std::shared_ptr<detail::ConnectionShared>& c) {
  return c ? c->messaging.get() : nullptr;
}

Result<uint64_t> Connection::send_message(std::span<const uint8_t> payload,
                                          const MessageOptions& options) {
  std::vector<uint8_t> copy(payload.begin(), payload.end());
  return send_message(std::move(copy), options);
}

Result<uint64_t> Connection::send_message(std::vector<uint8_t>&& payload,
                                          const MessageOptions& options) {
  if (!c_) return {Errc::kClosed, "empty connection handle"};
  auto* m = messaging(c_);
  if (m == nullptr) return {Errc::kUnsupported, "messaging is disabled on this endpoint"};
  return m->send(payload, options);
}

bool Connection::messages_ready() const noexcept {
  auto* m = messaging(c_);
  return m != nullptr && m->ready();
}

uint64_t Connection::peer_max_message_size() const noexcept {
  auto* m = messaging(c_);
  return m != nullptr ? m->peer_max_message_size() : 0;
}

void Connection::on_message(std::function<void(const ReceivedMessage&)> cb) {
  if (auto* m = messaging(c_)) m->on_message = std::move(cb);
}
void Connection::on_message_rejected(std::function<void(const RejectedMessage&)> cb) {
  if (auto* m = messaging(c_)) m->on_rejected = std::move(cb);
}
void Connection::on_message_sendable(std::function<void()> cb) {
  if (auto* m = messaging(c_)) m->on_sendable = std::move(cb);
}

MessageStats Connection::message_stats() const {
  auto* m = messaging(c_);
  return m != nullptr ? m->stats() : MessageStats{};
}

WeakConnection Connection::weak() const noexcept {
  return WeakConnection(c_);
}

}  // namespace stoq

#include "stoq/stream.h"

#include <ngtcp2/ngtcp2.h>

#include "quic/connection.h"
#include "quic/stream_state.h"

namespace stoq {

Stream::Stream(std::shared_ptr<quic::StreamState> state) noexcept : s_(std::move(state)) {}

int64_t Stream::id() const noexcept {
  return s_ ? s_->id : -1;
}
bool Stream::is_bidirectional() const noexcept {
  return s_ && ngtcp2_is_bidi_stream(s_->id);
}

Result<size_t> Stream::write(std::span<const uint8_t> data) {
  if (!s_ || s_->conn == nullptr) return {Errc::kClosed, "stream is closed"};
  return s_->conn->stream_write(*s_, data);
}

Result<size_t> Stream::write_shared(std::span<const uint8_t> data,
                                    std::shared_ptr<const void> owner) {
  if (!s_ || s_->conn == nullptr) return {Errc::kClosed, "stream is closed"};
  if (!owner) return {Errc::kInvalidArgument, "write_shared needs an owner for the bytes"};
  return s_->conn->stream_write(*s_, data, std::move(owner));
}

size_t Stream::writable() const noexcept {
  if (!s_ || s_->conn == nullptr) return 0;
  const size_t n = s_->conn->stream_writable(*s_);
  // A writer that checks for room before writing waits for on_writable like one whose
  // write() was refused.
  if (n == 0 && !s_->write_closed && !s_->fin_queued && !s_->closed) s_->want_writable = true;
  return n;
}

Status Stream::finish() {
  if (!s_ || s_->conn == nullptr) return {Errc::kClosed, "stream is closed"};
  return s_->conn->stream_finish(*s_);
}

Result<size_t> Stream::read(std::span<uint8_t> out) {
  if (!s_) return {Errc::kClosed, "empty stream handle"};
  if (s_->conn != nullptr) return s_->conn->stream_read(*s_, out);
  return quic::read_buffered(*s_, out);
}

Result<size_t> Stream::read_view(const std::function<void(std::span<const uint8_t>)>& fn,
                                 size_t max) {
  if (!s_) return {Errc::kClosed, "empty stream handle"};
  if (s_->conn != nullptr) return s_->conn->stream_read_view(*s_, fn, max);
  return quic::read_buffered_view(*s_, fn, max);
}

bool Stream::at_end() const noexcept {
  return s_ && s_->fin_received && s_->recv_queue.empty();
}

void Stream::reset(uint64_t app_code) {
  if (s_ && s_->conn != nullptr) s_->conn->stream_reset(*s_, app_code);
}

void Stream::stop_sending(uint64_t app_code) {
  if (s_ && s_->conn != nullptr) s_->conn->stream_stop_sending(*s_, app_code);
}

void Stream::on_readable(std::function<void()> cb) {
  if (s_) s_->on_readable = std::move(cb);
}
void Stream::on_writable(std::function<void()> cb) {
  if (s_) s_->on_writable = std::move(cb);
}
void Stream::on_closed(std::function<void(std::error_code, uint64_t)> cb) {
  if (s_) s_->on_closed = std::move(cb);
}

}  // namespace stoq

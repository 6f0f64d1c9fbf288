// Connection: stream operations used by the public Stream handle (open, write with
// backpressure, finish, read with flow-control credit, reset, stop sending).
#include <algorithm>

#include "quic/connection.h"

namespace stoq::quic {

std::shared_ptr<StreamState> Connection::find_stream(int64_t id) const {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second;
}

std::shared_ptr<StreamState> Connection::adopt_stream(int64_t id) {
  auto s = std::make_shared<StreamState>(id);
  s->conn = this;
  // A unidirectional stream opened by the peer has no send side, one we opened no receive.
  const bool uni = ngtcp2_is_bidi_stream(id) == 0;
  const bool local = (id & 1) == (is_server_ ? 1 : 0);
  if (uni && !local) s->write_closed = true;
  if (uni && local) s->read_closed = true;
  streams_[id] = s;
  return s;
}

Result<std::shared_ptr<StreamState>> Connection::open_stream(bool bidi) {
  if (state_ != State::kOpen) return {Errc::kClosed, "connection is closed"};
  int64_t id = -1;
  int rv = bidi ? ngtcp2_conn_open_bidi_stream(conn_, &id, nullptr)
                : ngtcp2_conn_open_uni_stream(conn_, &id, nullptr);
  if (rv == NGTCP2_ERR_STREAM_ID_BLOCKED) {
    return {Errc::kStreamLimit, "the peer's stream limit is reached; retry when streams close"};
  }
  if (rv != 0) return {Errc::kQuicError, ngtcp2_strerror(rv)};
  return adopt_stream(id);
}

size_t Connection::stream_writable(const StreamState& s) const {
  if (s.write_closed || s.fin_queued || s.closed) return 0;
  const size_t buffered = s.send_queue.size();
  return buffered >= transport_.stream_send_buffer ? 0 : transport_.stream_send_buffer - buffered;
}

void Connection::schedule_send(StreamState& s) {
  if (!s.in_send_queue) {
    auto sp = find_stream(s.id);
    if (!sp) return;
    s.in_send_queue = true;
    send_queue_.push_back(std::move(sp));
  }
  host_.on_wants_write(*this);
}

Result<size_t> Connection::stream_write(StreamState& s, std::span<const uint8_t> data,
                                        std::shared_ptr<const void> owner) {
  if (state_ != State::kOpen || s.closed) return {Errc::kClosed, "stream is closed"};
  if (s.write_closed) {
    if (s.stop_sending_received) {
      return {Errc::kClosed,
              "peer sent STOP_SENDING with code " + std::to_string(s.stop_sending_code)};
    }
    return {Errc::kClosed, "stream is closed for writing"};
  }
  if (s.fin_queued) return {Errc::kInvalidArgument, "write after finish()"};
  size_t room = stream_writable(s);
  if (room == 0) {
    s.want_writable = true;
    return {Errc::kWouldBlock};
  }
  size_t n = std::min(room, data.size());
  if (owner) {
    s.send_queue.append_shared(data.first(n), std::move(owner));
  } else {
    s.send_queue.append(data.first(n));
  }
  s.send_end += n;
  s.unsent += n;
  if (n < data.size()) s.want_writable = true;
  if (n > 0) schedule_send(s);
  return n;
}

Status Connection::stream_finish(StreamState& s) {
  if (state_ != State::kOpen || s.closed) return {Errc::kClosed, "stream is closed"};
  if (s.write_closed) return {Errc::kClosed, "stream is closed for writing"};
  if (!s.fin_queued) {
    s.fin_queued = true;
    schedule_send(s);
  }
  return ok_status();
}

Result<size_t> Connection::stream_read(StreamState& s, std::span<uint8_t> out) {
  return consumed(s, read_buffered(s, out));
}

Result<size_t> Connection::stream_read_view(StreamState& s,
                                            const std::function<void(std::span<const uint8_t>)>& fn,
                                            size_t max) {
  return consumed(s, read_buffered_view(s, fn, max));
}

Result<size_t> Connection::consumed(StreamState& s, Result<size_t> r) {
  if (!r) return r;
  size_t n = *r;
  if (n > 0 && state_ == State::kOpen) {
    // Flow-control credit is returned only as the application consumes data, so a slow
    // reader throttles the sender instead of growing our buffers.
    if (!s.closed) ngtcp2_conn_extend_max_stream_offset(conn_, s.id, n);
    ngtcp2_conn_extend_max_offset(conn_, n);
    host_.on_wants_write(*this);
  }
  if (s.closed && s.recv_queue.empty()) {
    // A closed stream read to its end no longer needs the connection (stream_close_cb).
    s.conn = nullptr;
    closed_unread_.erase(&s);  // the caller's handle keeps `s` alive
  }
  return n;
}

void Connection::stream_reset(StreamState& s, uint64_t app_code) {
  if (state_ != State::kOpen || s.closed) return;
  ngtcp2_conn_shutdown_stream_write(conn_, 0, s.id, app_code);
  s.write_closed = true;
  host_.on_wants_write(*this);
}

void Connection::stream_stop_sending(StreamState& s, uint64_t app_code) {
  if (state_ != State::kOpen) return;
  // Credit for bytes the application never read (docs/transport.md, "Flow-control
  // credit"): given back only when they are discarded and the peer cannot add to this
  // stream any more, so that discarded streams cannot carry more than a connection window
  // the application did not ask for, and a peer whose streams the application throws away
  // is not starved.
  if (s.closed) {
    // The peer finished the stream and the application drops what it never read: the
    // final size is known, nothing more can come on it.
    if (!closed_unread_.contains(&s)) return;
    if (const size_t unread = s.recv_queue.size(); unread > 0) {
      ngtcp2_conn_extend_max_offset(conn_, unread);
      s.recv_queue.drop(unread);
      host_.on_wants_write(*this);
    }
    s.read_closed = true;
    s.conn = nullptr;
    closed_unread_.erase(&s);  // last: the caller's handle keeps `s` alive
    return;
  }
  // Here ngtcp2 sends STOP_SENDING (or the peer already ended the stream with a FIN or
  // RESET_STREAM); the stream's window is never extended again, so what the peer still
  // sends is bounded by it, and ngtcp2 credits that itself as it discards it. The bytes
  // ngtcp2 already handed us are credited here, or they would leak for good.
  if (const size_t unread = s.recv_queue.size(); unread > 0) {
    ngtcp2_conn_extend_max_offset(conn_, unread);
    s.recv_queue.drop(unread);
  }
  ngtcp2_conn_shutdown_stream_read(conn_, 0, s.id, app_code);
  s.read_closed = true;
  host_.on_wants_write(*this);
}

}  // namespace stoq::quic

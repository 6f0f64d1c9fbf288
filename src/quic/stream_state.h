// Per-stream state owned jointly by the QUIC connection and the application's Stream handle.
// Sans-IO: it only holds buffers, flags and the application's callbacks.
#pragma once

#include <cstdint>
#include <functional>
#include <system_error>

#include <span>

#include "quic/byte_queue.h"
#include "stoq/error.h"

namespace stoq::quic {

class Connection;

struct StreamState {
  explicit StreamState(int64_t stream_id) : id(stream_id) {}

  int64_t id;
  Connection* conn = nullptr;  // null once the connection is gone

  // Send side: send_queue holds [acked, end); `unsent` bytes at its back are not yet
  // handed to ngtcp2.
  ByteQueue send_queue;
  uint64_t send_end = 0;
  size_t unsent = 0;
  bool fin_queued = false;  // the application called finish()
  bool fin_sent = false;
  bool write_closed = false;  // reset locally, STOP_SENDING from the peer, or unidirectional
  bool stop_sending_received = false;  // the peer sent STOP_SENDING with stop_sending_code
  uint64_t stop_sending_code = 0;
  bool want_writable = false;  // a write() was refused; tell the application when space frees
  bool in_send_queue = false;

  // Receive side.
  ByteQueue recv_queue;
  bool fin_received = false;
  bool eof_delivered = false;  // read() has returned 0 once
  bool read_reset = false;     // the peer reset the stream
  uint64_t reset_code = 0;
  bool read_closed = false;  // locally stopped (stop_sending) or a local unidirectional stream

  // Closed in both directions (ngtcp2 reported stream_close) or the connection died.
  bool closed = false;
  std::error_code close_error;
  uint64_t close_app_code = 0;

  // Application callbacks, run on the endpoint's loop thread, never re-entrantly from
  // inside the QUIC stack.
  std::function<void()> on_readable;
  std::function<void()> on_writable;
  std::function<void(std::error_code, uint64_t app_code)> on_closed;
};

// Reads buffered data: n > 0 bytes, 0 at the end of the stream, kWouldBlock when nothing
// is buffered yet, kStreamReset / kClosed when no more data can come. Works on a stream
// whose connection is already gone (data received before the close stays readable).
Result<size_t> read_buffered(StreamState& s, std::span<uint8_t> out);
// read_buffered without the copy: lends up to `max` buffered bytes to `fn`, then drops them.
Result<size_t> read_buffered_view(StreamState& s,
                                  const std::function<void(std::span<const uint8_t>)>& fn,
                                  size_t max);

}  // namespace stoq::quic

// A QUIC stream: an ordered, reliable byte stream in one or both directions.
//
// Stream is a cheap, copyable handle. Threading: use it only on the thread that runs its
// endpoint's loop (from callbacks, or via Endpoint::post). Callbacks run on that thread and
// never from inside another Stream call, so they may call any Stream function.
//
// Buffer ownership: write() copies what it accepts; the caller's buffer is free again when
// write() returns. write_shared() copies nothing and holds a reference to the caller's
// buffer until the bytes are acknowledged. read() copies into the caller's buffer;
// read_view() lends the buffered bytes to a callback instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <system_error>

#include "stoq/error.h"

namespace stoq {
namespace quic {
struct StreamState;
}

class Stream {
 public:
  Stream() = default;
  explicit Stream(std::shared_ptr<quic::StreamState> state) noexcept;

  explicit operator bool() const noexcept { return static_cast<bool>(s_); }
  int64_t id() const noexcept;
  bool is_bidirectional() const noexcept;

  // Queues up to data.size() bytes and returns how many were taken (possibly fewer when the
  // stream's send buffer is nearly full). Errc::kWouldBlock when the buffer is full: wait
  // for on_writable. Errc::kClosed after finish(), reset() or the connection's end.
  Result<size_t> write(std::span<const uint8_t> data);
  Result<size_t> write(std::string_view text) {
    return write({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  }
  // As write(), without copying: the stream keeps `owner` (a reference that keeps the
  // bytes alive) and reads `data` in place until the peer has acknowledged it, or the
  // stream is reset or closed. The bytes must not change meanwhile. For data that already
  // lives in a shared buffer (a file mapping, a cached object, a pattern block), this saves
  // the copy into the send buffer.
  Result<size_t> write_shared(std::span<const uint8_t> data, std::shared_ptr<const void> owner);
  // Bytes write() would accept now. 0 on an open stream arms on_writable, as a refused
  // write() does.
  size_t writable() const noexcept;
  // Ends the sending direction after everything queued (sends FIN).
  Status finish();

  // Copies received data into `out`. Returns n > 0, or 0 at the end of the stream (the
  // peer finished and everything was read). Errc::kWouldBlock when nothing is buffered
  // yet: wait for on_readable. Errc::kStreamReset if the peer reset the stream.
  Result<size_t> read(std::span<uint8_t> out);
  // As read(), without copying: calls `fn` with the buffered bytes in order, as one or more
  // contiguous pieces (up to `max` bytes in all), then consumes them. The pieces are valid
  // only during the call; `fn` must not read from this stream.
  Result<size_t> read_view(const std::function<void(std::span<const uint8_t>)>& fn,
                           size_t max = SIZE_MAX);
  // True once the peer's FIN has arrived and every byte was read.
  bool at_end() const noexcept;

  // Abandons sending (RESET_STREAM with `app_code`); queued data is dropped.
  void reset(uint64_t app_code);
  // Asks the peer to stop sending (STOP_SENDING with `app_code`); incoming data is dropped.
  void stop_sending(uint64_t app_code);

  // Called when read() may return data, the end of the stream or a reset.
  void on_readable(std::function<void()> cb);
  // Called when write() may accept data again after returning kWouldBlock or a short
  // count, or after writable() returned 0.
  void on_writable(std::function<void()> cb);
  // Called once when the stream is fully closed, with the error (empty when both directions
  // ended normally) and the application code of a reset, if any.
  void on_closed(std::function<void(std::error_code, uint64_t app_code)> cb);

 private:
  std::shared_ptr<quic::StreamState> s_;
};

}  // namespace stoq

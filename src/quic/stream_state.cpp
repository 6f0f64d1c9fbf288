#include "quic/stream_state.h"

#include <algorithm>

#include <string>

namespace stoq::quic {

namespace {
// What a read returns when nothing is buffered: end of stream, reset, closed or not yet.
Result<size_t> nothing_buffered(StreamState& s) {
  if (s.fin_received) {
    s.eof_delivered = true;
    return size_t{0};
  }
  if (s.closed || s.conn == nullptr) return {Errc::kClosed, "stream is closed"};
  return {Errc::kWouldBlock};
}
Result<size_t> reset_status(const StreamState& s) {
  return {Errc::kStreamReset, "peer reset the stream with code " + std::to_string(s.reset_code)};
}
}  // namespace

Result<size_t> read_buffered(StreamState& s, std::span<uint8_t> out) {
  if (s.read_reset) return reset_status(s);
  if (!s.recv_queue.empty()) return s.recv_queue.read(out);
  return nothing_buffered(s);
}

Result<size_t> read_buffered_view(StreamState& s,
                                  const std::function<void(std::span<const uint8_t>)>& fn,
                                  size_t max) {
  if (max == 0) return {Errc::kInvalidArgument, "read_view with max 0"};
  if (s.read_reset) return reset_status(s);
  if (s.recv_queue.empty()) return nothing_buffered(s);
  const size_t want = std::min(max, s.recv_queue.size());
  size_t done = 0;
  s.recv_queue.for_each_piece(0, [&](const uint8_t* p, size_t len) {
    const size_t take = std::min(len, want - done);
    fn({p, take});
    done += take;
    return done < want;
  });
  s.recv_queue.drop(done);
  return done;
}

}  // namespace stoq::quic

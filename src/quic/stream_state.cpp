#include "quic/stream_state.h"

#include <string>

namespace stoq::quic {

Result<size_t> read_buffered(StreamState& s, std::span<uint8_t> out) {
  if (s.read_reset) {
    return {Errc::kStreamReset, "peer reset the stream with code " + std::to_string(s.reset_code)};
  }
  if (!s.recv_queue.empty()) return s.recv_queue.read(out);
  if (s.fin_received) {
    s.eof_delivered = true;
    return size_t{0};
  }
  if (s.closed || s.conn == nullptr) return {Errc::kClosed, "stream is closed"};
  return {Errc::kWouldBlock};
}

}  // namespace stoq::quic

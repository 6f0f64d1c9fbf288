#include "server_modes.h"

#include <charconv>
#include <memory>
#include <vector>

#include "pattern.h"

namespace stoq::cli {
namespace {

constexpr size_t kIoChunk = 64 * 1024;

// One stream's server-side state machine. Lives as long as the stream's callbacks.
class StreamHandler : public std::enable_shared_from_this<StreamHandler> {
 public:
  StreamHandler(Stream s, ServeMode mode, ServerStats& stats, const Pattern& pattern)
      : s_(std::move(s)), mode_(mode), stats_(stats), pattern_(pattern), buf_(kIoChunk) {}

  void start() {
    auto self = shared_from_this();
    s_.on_readable([self] { self->on_readable(); });
    s_.on_writable([self] { self->on_writable(); });
    // The stream drops its callbacks (and so this handler) when it closes.
  }

 private:
  void on_readable() {
    // Echo applies backpressure: no reading while earlier data is still waiting to go out.
    while (pending_.empty() && !done_reading_) {
      auto r = s_.read(buf_);
      if (!r) {
        if (r.error() != Errc::kWouldBlock) done_reading_ = true;
        return;
      }
      if (*r == 0) {
        done_reading_ = true;
        on_end_of_request();
        return;
      }
      stats_.bytes_in += *r;
      std::span<const uint8_t> data(buf_.data(), *r);
      switch (mode_) {
        case ServeMode::kEcho:
          pending_.assign(data.begin(), data.end());
          flush_pending();
          break;
        case ServeMode::kSink:
          hash_.update(data);
          received_ += *r;
          break;
        case ServeMode::kSource:
          if (request_.size() + data.size() > 64) {
            s_.reset(1);
            done_reading_ = true;
            return;
          }
          request_.append(reinterpret_cast<const char*>(data.data()), data.size());
          break;
      }
    }
  }

  void on_end_of_request() {
    switch (mode_) {
      case ServeMode::kEcho:
        if (pending_.empty()) (void)s_.finish();
        break;
      case ServeMode::kSink: {
        auto d = hash_.finish();
        std::string reply = Sha256::hex(d) + " " + std::to_string(received_) + "\n";
        pending_.assign(reply.begin(), reply.end());
        flush_pending();
        break;
      }
      case ServeMode::kSource: {
        uint64_t n = 0;
        auto [p, ec] = std::from_chars(request_.data(), request_.data() + request_.size(), n);
        if (ec != std::errc{}) {
          s_.reset(2);
          return;
        }
        to_send_ = n;
        send_source();
        break;
      }
    }
  }

  void flush_pending() {
    while (!pending_.empty()) {
      auto w = s_.write(pending_);
      if (!w) return;  // kWouldBlock: on_writable continues
      stats_.bytes_out += *w;
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(*w));
    }
    if (mode_ == ServeMode::kSink || (mode_ == ServeMode::kEcho && done_reading_)) {
      (void)s_.finish();
    }
  }

  void send_source() {
    while (sent_ < to_send_) {
      auto piece = pattern_.piece(
          sent_, static_cast<size_t>(std::min<uint64_t>(to_send_ - sent_, kIoChunk)));
      auto w = s_.write(piece);
      if (!w) return;
      sent_ += *w;
      stats_.bytes_out += *w;
      if (*w < piece.size()) return;
    }
    (void)s_.finish();
  }

  void on_writable() {
    if (mode_ == ServeMode::kSource) {
      send_source();
      return;
    }
    flush_pending();
    if (mode_ == ServeMode::kEcho && pending_.empty()) on_readable();
  }

  Stream s_;
  ServeMode mode_;
  ServerStats& stats_;
  const Pattern& pattern_;
  std::vector<uint8_t> buf_;
  std::vector<uint8_t> pending_;
  bool done_reading_ = false;
  Sha256 hash_;
  uint64_t received_ = 0;
  std::string request_;
  uint64_t to_send_ = 0;
  uint64_t sent_ = 0;
};

}  // namespace

bool parse_serve_mode(std::string_view text, ServeMode& out) {
  if (text == "echo")
    out = ServeMode::kEcho;
  else if (text == "sink")
    out = ServeMode::kSink;
  else if (text == "source")
    out = ServeMode::kSource;
  else
    return false;
  return true;
}

void install_server(Endpoint& ep, ServeMode mode, ServerStats& stats,
                    std::function<void(const ConnectionInfo&, const CloseInfo&)> on_closed,
                    std::function<void(Connection)> on_accepted) {
  auto pattern = std::make_shared<Pattern>();
  ep.on_connection([mode, &stats, pattern, on_closed, on_accepted](Connection c) {
    ++stats.connections;
    if (on_accepted) on_accepted(c);
    c.on_stream([mode, &stats, pattern](Stream s) {
      ++stats.streams;
      std::make_shared<StreamHandler>(std::move(s), mode, stats, *pattern)->start();
    });
    if (on_closed) {
      // A weak reference: the connection's callbacks must not keep the connection alive.
      c.on_closed([weak = c.weak(), on_closed](const CloseInfo& info) {
        on_closed(weak.lock().info(), info);
      });
    }
  });
}

}  // namespace stoq::cli

#include "transfer.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <vector>

#include "cli_common.h"
#include "core/printable.h"
#include "pattern.h"

namespace stoq::cli {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kChunk = 64 * 1024;

class Transfer {
 public:
  Transfer(const TransferOptions& o, TransferReport& r) : o_(o), r_(r), rx_(kChunk) {}

  Status begin(Connection c) {
    conn_ = c;
    if (!o_.file.empty()) {
      in_.open(o_.file, std::ios::binary);
      if (!in_) return {Errc::kIoError, "cannot open " + o_.file};
    }
    auto s = c.open_bidi_stream();
    if (!s) return {s.error(), s.reason()};
    stream_ = *s;
    start_ = Clock::now();
    stream_.on_writable([this] { pump(); });
    stream_.on_readable([this] { receive(); });
    if (o_.download) {
      std::string req = std::to_string(o_.bytes) + "\n";
      (void)stream_.write(req);
      (void)stream_.finish();
      return ok_status();
    }
    pump();
    return ok_status();
  }

  bool done() const { return done_; }
  void fail(std::string why) {
    if (done_) return;
    r_.error = std::move(why);
    finish_up();
  }
  uint64_t progress_bytes() const { return o_.download ? received_ : sent_; }

 private:
  // Upload: write until the stream's buffer is full; on_writable resumes.
  void pump() {
    if (o_.download || sent_all_) return;
    for (;;) {
      if (pending_.empty()) {
        if (!next_chunk()) {
          sent_all_ = true;
          (void)stream_.finish();
          return;
        }
      }
      auto w = stream_.write(pending_);
      if (!w) {
        if (w.error() != Errc::kWouldBlock) fail("write: " + w.message());
        return;
      }
      pending_ = pending_.subspan(*w);
      sent_ += *w;
      if (!pending_.empty()) return;
    }
  }

  bool next_chunk() {
    if (!o_.file.empty()) {
      in_.read(reinterpret_cast<char*>(file_buf_.data()), static_cast<long>(file_buf_.size()));
      size_t n = static_cast<size_t>(in_.gcount());
      if (n == 0) return false;
      hash_.update({file_buf_.data(), n});
      pending_ = {file_buf_.data(), n};
      return true;
    }
    if (queued_ >= o_.bytes) return false;
    pending_ = pattern_.piece(queued_,
                              static_cast<size_t>(std::min<uint64_t>(o_.bytes - queued_, kChunk)));
    queued_ += pending_.size();
    return true;
  }

  void receive() {
    for (;;) {
      auto r = stream_.read(rx_);
      if (!r) {
        if (r.error() != Errc::kWouldBlock) fail("read: " + r.message());
        return;
      }
      if (*r == 0) {
        verify();
        return;
      }
      if (o_.download) {
        hash_.update({rx_.data(), *r});
        received_ += *r;
      } else if (reply_.size() + *r <= 256) {
        reply_.append(reinterpret_cast<const char*>(rx_.data()), *r);
      } else {
        fail("server reply too long (is the server in sink mode?)");
        return;
      }
    }
  }

  void verify() {
    r_.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    if (o_.download) {
      r_.bytes = received_;
      r_.digest = Sha256::hex(hash_.finish());
      std::string expect = Sha256::hex(pattern_.digest(o_.bytes));
      r_.verified = received_ == o_.bytes && r_.digest == expect;
      if (!r_.verified) {
        r_.error = "downloaded " + std::to_string(received_) + " bytes with SHA-256 " + r_.digest +
                   ", expected " + std::to_string(o_.bytes) + " bytes with " + expect;
      }
    } else {
      r_.bytes = sent_;
      r_.digest = Sha256::hex(o_.file.empty() ? pattern_.digest(sent_) : hash_.finish());
      std::string expect = r_.digest + " " + std::to_string(sent_) + "\n";
      r_.verified = reply_ == expect;
      if (!r_.verified) {
        r_.error = "server reported '" + reply_.substr(0, reply_.find('\n')) + "', we sent " +
                   expect.substr(0, expect.size() - 1);
      }
    }
    r_.ok = r_.verified;
    finish_up();
  }

  void finish_up() {
    done_ = true;
    r_.info = conn_.info();
    stream_.on_readable(nullptr);
    stream_.on_writable(nullptr);
    conn_.close(0, r_.ok ? "transfer complete" : "transfer failed");
  }

  const TransferOptions& o_;
  TransferReport& r_;
  Connection conn_;
  Stream stream_;
  Pattern pattern_;
  std::ifstream in_;
  std::vector<uint8_t> file_buf_ = std::vector<uint8_t>(kChunk);
  std::span<const uint8_t> pending_;
  uint64_t queued_ = 0, sent_ = 0, received_ = 0;
  bool sent_all_ = false;
  std::vector<uint8_t> rx_;
  std::string reply_;
  Sha256 hash_;
  Clock::time_point start_;
  bool done_ = false;
};

}  // namespace

TransferReport run_transfer(Endpoint& ep, const SocketAddress& server, const std::string& name,
                            const TransferOptions& opts) {
  TransferReport report;
  auto c = ep.connect(server, name);
  if (!c) {
    report.error = c.message();
    return report;
  }
  Connection conn = *c;
  auto t = std::make_unique<Transfer>(opts, report);
  bool closed = false;
  conn.on_established([&] {
    if (auto st = t->begin(conn); !st) t->fail(st.message());
  });
  conn.on_closed([&](const CloseInfo& info) {
    closed = true;
    if (!t->done()) {
      report.error = info.error.message() +
                     (info.reason.empty() ? "" : ": " + stoq::detail::printable(info.reason));
      report.info = conn.info();
    }
  });
  const auto deadline = Clock::now() + opts.timeout;
  auto last_progress = Clock::now();
  const bool tty = opts.progress && isatty(STDERR_FILENO);
  while (!closed) {
    if (Clock::now() > deadline) {
      report.error = "timed out after " + std::to_string(opts.timeout.count()) + " s";
      conn.close(1, "timeout");
      break;
    }
    ep.run_one(std::chrono::milliseconds(100));
    if (tty && Clock::now() - last_progress > std::chrono::milliseconds(500)) {
      last_progress = Clock::now();
      uint64_t total = opts.file.empty() ? opts.bytes : 0;
      std::fprintf(
          stderr, "\r  %s%s%s   ", human_bytes(static_cast<double>(t->progress_bytes())).c_str(),
          total ? " of " : "", total ? human_bytes(static_cast<double>(total)).c_str() : "");
    }
  }
  if (tty) std::fprintf(stderr, "\r%60s\r", "");
  // Let the CONNECTION_CLOSE go out.
  for (int i = 0; i < 5 && ep.connection_count() > 0; ++i) ep.run_one(std::chrono::milliseconds(2));
  if (report.error.empty() && !report.ok)
    report.error = "connection closed before the transfer completed";
  return report;
}

}  // namespace stoq::cli

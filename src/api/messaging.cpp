#include "api/messaging.h"

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "api/connection_shared.h"
#include "api/endpoint_impl.h"
#include "proto/falcon_key.h"
#include "proto/frame_type.h"
#include "proto/shard.h"
#include "proto/signature.h"
#include "quic/connection.h"
#include "quic/stream_state.h"

namespace stoq::detail {
namespace {

constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kFirstRead = 2048;

uint64_t random_u64() {
  uint64_t v = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof(v));
  return v;
}

// Sender-side proto errors as public errors.
template <class T>
Result<T> from_violation(const proto::Violation& v) {
  Errc e = Errc::kInvalidArgument;
  if (v.code == proto::Error::kLimitExceeded) e = Errc::kLimitExceeded;
  if (v.code == proto::Error::kFrameUnexpected) e = Errc::kUnsupported;
  if (v.code == proto::Error::kInternal) e = Errc::kInternal;
  return {e, v.reason};
}

proto::FalconAlgorithm to_proto(MessageSignatureAlgorithm a) {
  return a == MessageSignatureAlgorithm::kFalcon512 ? proto::FalconAlgorithm::kFalcon512
                                                    : proto::FalconAlgorithm::kFalcon1024;
}

}  // namespace

Result<std::shared_ptr<Messaging>> Messaging::create(ConnectionShared& shared,
                                                     const MessagingConfig& config,
                                                     bool datagrams_enabled, const Context* ctx,
                                                     const MessagingEnvironment& env) {
  if (ctx == nullptr) return {Errc::kInvalidArgument, "messaging: no Context"};
  // The endpoint fetches SHA-256 once for all its connections.
  auto sha256 = env.sha256 != nullptr ? proto::Result<proto::Sha256Algorithm>(*env.sha256)
                                      : proto::Sha256Algorithm::fetch(ctx->libctx());
  if (!sha256) return {Errc::kUnsupported, "messaging: " + sha256.error().reason};
  proto::SessionConfig sc;
  sc.local.max_message_size = config.max_message_size;
  sc.local.max_shard_count = config.max_shard_count;
  sc.local.token_window = config.token_window;
  sc.local.max_clock_skew_ms =
      static_cast<uint64_t>(std::max<int64_t>(0, config.max_clock_skew.count()));
  sc.local.extensions = proto::kAllExtensions;
  if (!datagrams_enabled) sc.local.extensions &= ~uint64_t{proto::kExtDatagram};
  if (config.signer) {
    const auto pk = config.signer->public_key();
    if (pk.size() != proto::falcon_public_key_size(to_proto(config.signer->algorithm()))) {
      return {Errc::kInvalidArgument, "messaging.signer: public key of " +
                                          std::to_string(pk.size()) +
                                          " bytes does not match its algorithm"};
    }
    const proto::KeyId id = proto::falcon_key_id(sha256.value(), pk);
    sc.local.falcon_key_hint = proto::key_hint(std::span<const uint8_t, 32>(id));
  }
  if (auto st = sc.local.validate(); !st) {
    return {Errc::kInvalidArgument, "messaging: " + st.error().reason};
  }
  sc.reassembly.memory_cap = config.reassembly_memory;
  sc.reassembly.idle_timeout_ms = static_cast<uint64_t>(config.shard_idle_timeout.count());
  sc.reassembly.max_lifetime_ms = static_cast<uint64_t>(config.shard_max_lifetime.count());
  sc.reassembly.max_messages = config.max_messages_in_reassembly;
  sc.message_buffer_cap = config.unsharded_buffer;
  sc.message_idle_timeout_ms =
      static_cast<uint64_t>(std::max<int64_t>(0, config.message_idle_timeout.count()));
  sc.budget = env.budget;
  sc.signer_windows = env.signer_windows;
  if (config.verifier) {
    sc.verify = [v = config.verifier](proto::FalconAlgorithm alg, std::span<const uint8_t> pk,
                                      std::span<const uint8_t> msg, std::span<const uint8_t> sig) {
      return v(static_cast<MessageSignatureAlgorithm>(alg), pk, msg, sig);
    };
  } else {
    sc.verify = [](proto::FalconAlgorithm, std::span<const uint8_t>, std::span<const uint8_t>,
                   std::span<const uint8_t>) { return false; };
  }
  sc.trusted_keys.assign(config.trusted_keys.begin(), config.trusted_keys.end());
  sc.require_token = config.require_token;
  sc.require_signature = config.require_signature;
  auto clock = env.clock ? env.clock : std::make_shared<io::SystemClock>();
  return std::shared_ptr<Messaging>(new Messaging(shared, std::move(sha256).value(), std::move(sc),
                                                  config, ctx, std::move(clock)));
}

Messaging::Messaging(ConnectionShared& shared, proto::Sha256Algorithm sha256,
                     proto::SessionConfig session_config, const MessagingConfig& config,
                     const Context* ctx, std::shared_ptr<const io::Clock> clock)
    : shared_(shared),
      config_(config),
      ctx_(ctx),
      clock_(std::move(clock)),
      sha256_(std::move(sha256)),
      session_(sha256_, std::move(session_config)) {
  if (config_.signer) key_id_ = proto::falcon_key_id(sha256_, config_.signer->public_key());
}

Messaging::~Messaging() = default;

uint64_t Messaging::peer_max_message_size() const noexcept {
  return ready() ? session_.peer_settings()->max_message_size : 0;
}

// ---------------------------------------------------------------------------- control

void Messaging::on_established() {
  // A server opens its control stream only once the client's has arrived: a plain QUIC
  // client never sees a stream it did not ask for (OpenSSL's s_client adopts the first
  // incoming stream as its default stream and could then no longer send).
  if (shared_.conn != nullptr && shared_.conn->is_server()) return;
  open_control_stream();
}

void Messaging::open_control_stream() {
  if (closed_ || control_ || shared_.conn == nullptr) return;
  auto s = shared_.conn->open_stream(false);
  if (!s) {
    // Without a control stream the peer cannot send us messages; plain streams still work.
    if (ctx_ != nullptr)
      ctx_->log(LogLevel::kWarn, "cannot open the STOQ control stream: " + s.message());
    return;
  }
  control_ = Stream(std::move(s).value());
  std::vector<uint8_t> bytes = session_.control_preface(random_u64() | 1);
  if (config_.signer) {
    proto::FalconKeyFrame::raw(sha256_, to_proto(config_.signer->algorithm()),
                               config_.signer->public_key())
        .encode(bytes);
  }
  // A few hundred bytes (a few KiB with a key) always fit the empty stream's send buffer.
  auto w = control_.write(bytes);
  if (!w || *w != bytes.size()) {
    if (ctx_ != nullptr) ctx_->log(LogLevel::kWarn, "cannot write the STOQ control stream");
  }
}

// ---------------------------------------------------------------------------- receive

void Messaging::on_remote_uni_stream(std::shared_ptr<quic::StreamState> stream) {
  if (closed_) return;
  Stream s(stream);
  const int64_t id = s.id();
  Inbound& in = inbound_[id];
  in.stream = s;
  in.state = stream;
  s.on_readable([this, id] { pump_inbound(id); });
}

void Messaging::pump_inbound(int64_t id) {
  auto it = inbound_.find(id);
  if (it == inbound_.end()) return;
  // Stage 1: the stream type, one byte at a time so no application byte is consumed.
  while (!it->second.routed) {
    Inbound& in = it->second;
    uint8_t b = 0;
    auto r = in.stream.read({&b, 1});
    if (!r) {
      if (r.error() == make_error_code(Errc::kWouldBlock)) return;
      inbound_.erase(it);  // reset or closed before its type was complete: discard
      return;
    }
    if (*r == 0) {
      inbound_.erase(it);
      return;
    }
    in.type_bytes.push_back(b);
    std::span<const uint8_t> one(&b, 1);
    const bool bad = !in.type.feed(one).ok();
    if (!bad && !in.type.type()) continue;
    if (!bad && *in.type.type() == static_cast<uint64_t>(proto::StreamType::kApplication)) {
      hand_to_application(id);
      return;
    }
    in.routed = true;
    if (!bad && *in.type.type() == static_cast<uint64_t>(proto::StreamType::kControl)) {
      open_control_stream();  // a server answers the client's control stream with its own
    }
    std::vector<uint8_t> type_bytes = std::move(in.type_bytes);
    if (!feed(id, type_bytes, false)) return;
    it = inbound_.find(id);
    if (it == inbound_.end()) return;
  }
  // Stage 2: everything else goes to the session, in chunks (reading returns credit).
  // Control streams carry a few bytes: start small, grow when a read fills the buffer
  // (64 KiB per connection was the largest allocation in a 300-connection heap profile).
  // The first reads go to the stack: a connection whose streams carry only control
  // frames then holds no read buffer at all.
  uint8_t first[kFirstRead];
  for (;;) {
    if (read_full_ && read_buf_.size() < kReadChunk) {
      read_buf_.resize(std::min(kReadChunk, std::max(read_buf_.size(), kFirstRead) * 4));
    }
    const std::span<uint8_t> buf = read_buf_.empty() ? std::span<uint8_t>(first) : read_buf_;
    auto r = it->second.stream.read(buf);
    read_full_ = r && *r == buf.size();
    if (!r) {
      if (r.error() == make_error_code(Errc::kWouldBlock)) return;
      inbound_.erase(it);
      check(session_.on_uni_stream_reset(id, now_ms()));
      drain();
      return;
    }
    if (*r == 0) {
      inbound_.erase(it);
      feed(id, {}, true);
      return;
    }
    // feed() may run application callbacks that send or close; no copy of the buffer is
    // needed (the session consumes the bytes before returning).
    if (!feed(id, std::span<const uint8_t>(buf.data(), *r), false)) return;
    it = inbound_.find(id);
    if (it == inbound_.end()) return;
  }
}

void Messaging::hand_to_application(int64_t id) {
  auto node = inbound_.extract(id);
  Stream s = node.mapped().stream;
  std::shared_ptr<quic::StreamState> st = node.mapped().state;
  s.on_readable(nullptr);
  if (!shared_.on_stream) {
    s.stop_sending(0);  // nobody will read it (as for streams without messaging)
    return;
  }
  auto cb = shared_.on_stream;
  cb(s);
  // The readable event that brought the type bytes was consumed here: if data, the FIN or
  // a reset is already waiting, tell the new owner now instead of on the next packet.
  if (st->on_readable && (!st->recv_queue.empty() || st->fin_received || st->read_reset)) {
    auto readable = st->on_readable;
    readable();
  }
}

bool Messaging::check(const proto::Status& st) {
  if (st.ok()) return true;
  closed_ = true;
  const proto::Violation& v = st.error();
  if (ctx_ != nullptr && ctx_->log_enabled(LogLevel::kDebug)) {
    ctx_->log(LogLevel::kDebug, "STOQ protocol violation: " +
                                    std::string(proto::error_name(v.code)) + ": " + v.reason);
  }
  if (shared_.conn != nullptr && shared_.endpoint != nullptr) {
    shared_.endpoint->close(shared_, static_cast<uint64_t>(v.code), v.reason.substr(0, 512));
  }
  return false;
}

bool Messaging::feed(int64_t id, std::span<const uint8_t> bytes, bool fin) {
  if (closed_) return false;
  auto r = session_.on_uni_stream(id, bytes, fin, now_ms());
  if (!r) {
    check(r.error());
    return false;
  }
  drain();
  return !closed_;
}

std::span<const uint8_t> Messaging::on_datagram(std::span<const uint8_t> payload) {
  if (closed_) return {};
  auto r = session_.on_datagram(payload, now_ms());
  if (!r) {
    check(r.error());
    return {};
  }
  drain();
  return r.value();  // an application datagram's payload (tag 0x00), else empty
}

uint64_t Messaging::next_expiry(uint64_t mono_now_ns) const {
  if (closed_) return UINT64_MAX;
  auto e = session_.next_expiry();
  if (!e) return UINT64_MAX;
  const uint64_t now = now_ms();
  return *e <= now ? mono_now_ns : mono_now_ns + (*e - now) * 1'000'000;
}

void Messaging::on_timer() {
  if (closed_) return;
  const uint64_t now = now_ms();
  auto e = session_.next_expiry();
  if (!e || *e > now) return;
  session_.on_timer(now);
  drain();
}

void Messaging::stop_inbound(int64_t id, proto::Error code) {
  auto it = inbound_.find(id);
  if (it == inbound_.end()) return;
  // The rest of the stream is discarded by QUIC from now on, so the session must forget
  // it rather than wait for its end.
  Stream s = it->second.stream;
  inbound_.erase(it);
  s.on_readable(nullptr);
  s.stop_sending(static_cast<uint64_t>(code));
  check(session_.on_uni_stream_reset(id, now_ms()));
}

void Messaging::drain() {
  while (!closed_) {
    auto e = session_.poll_event();
    if (!e) break;
    if (auto* m = std::get_if<proto::ReceivedMessage>(&*e)) {
      ++counters_.messages_received;
      if (m->via_datagram) ++counters_.datagrams_received;
      deliver(*m);
    } else if (auto* r = std::get_if<proto::RejectedMessage>(&*e)) {
      ++counters_.messages_rejected;
      if (on_rejected) {
        RejectedMessage out;
        out.code = static_cast<uint64_t>(r->code);
        out.code_name = std::string(proto::error_name(r->code));
        out.reason = r->reason;
        out.message_id = r->message_id;
        out.missing_shards = r->missing_shards;
        auto cb = on_rejected;  // the callback may replace itself
        cb(out);
      }
    } else if (auto* s = std::get_if<proto::StopSending>(&*e)) {
      stop_inbound(s->stream_id, s->code);
    } else if (std::holds_alternative<proto::PeerSettingsReceived>(*e)) {
      maybe_sendable();
    } else if (auto* k = std::get_if<proto::PeerKeyAnnounced>(&*e)) {
      if (!k->usable && ctx_ != nullptr && ctx_->log_enabled(LogLevel::kDebug)) {
        ctx_->log(LogLevel::kDebug, "peer announced a signing key that cannot be used");
      }
    }
  }
}

void Messaging::deliver(proto::ReceivedMessage& m) {
  if (!on_message) return;
  ReceivedMessage out;
  out.payload = m.payload.span();
  if (m.header.token) {
    out.has_token = true;
    out.sequence = m.header.token->sequence;
    out.timestamp_ms = m.header.token->timestamp_ms;
    out.payload_hash = m.header.token->payload_hash;
  }
  out.signer = m.signer;
  if (m.header.shard) {
    out.shards = MessageShardInfo{m.header.shard->message_id, m.header.shard->count,
                                  m.header.shard->total_length};
  }
  out.via_datagram = m.via_datagram;
  out.stream_count = m.streams.size();
  auto cb = on_message;
  cb(out);
}

// ---------------------------------------------------------------------------- send

void Messaging::maybe_sendable() {
  if (!blocked_ || closed_) return;
  blocked_ = false;
  if (on_sendable) {
    auto cb = on_sendable;
    cb();
  }
}

Result<uint64_t> Messaging::send(std::vector<uint8_t>& payload, const MessageOptions& options) {
  quic::Connection* conn = shared_.conn;
  if (closed_ || conn == nullptr || !conn->is_open())
    return {Errc::kClosed, "connection is closed"};
  if (!session_.peer_settings()) {
    blocked_ = true;
    return {Errc::kWouldBlock, "the peer's STOQ SETTINGS have not arrived yet"};
  }
  if (options.shards == 0) return {Errc::kInvalidArgument, "shards must be at least 1"};
  if (options.sign && !options.token) return {Errc::kInvalidArgument, "sign needs token"};
  if (options.sign && !config_.signer) {
    return {Errc::kInvalidArgument, "sign requested but messaging.signer is not configured"};
  }
  // The peer remembers token_window sequences: if the oldest TOKEN message still in flight
  // were that far behind the newest, it would arrive below the peer's window and be
  // rejected as a replay. A message stops being in flight when the peer acknowledged all
  // of its streams.
  if (options.token && !tokens_in_flight_.empty() &&
      next_number_ + 1 - *tokens_in_flight_.begin() >= session_.peer_settings()->token_window) {
    blocked_ = true;
    return {Errc::kWouldBlock, "the peer's token window is full of messages in flight"};
  }
  if (pending_bytes_ > 0 && pending_bytes_ + payload.size() > config_.max_pending_send_bytes) {
    blocked_ = true;
    return {Errc::kWouldBlock, "max_pending_send_bytes reached"};
  }
  const proto::MessageWriter writer = session_.writer();
  const uint64_t number = ++next_number_;
  const uint64_t now = now_ms();
  const std::span<const uint8_t> data(payload);

  proto::MessageHeader h;
  std::vector<proto::ShardFrame> shards;
  if (options.shards > 1) {
    auto split = proto::split_message(sha256_, data, options.shards, ++next_message_id_);
    if (!split) return from_violation<uint64_t>(split.error());
    shards = std::move(split).value();
    h.shard = shards[0];
    // The whole-message hash is the TOKEN hash too: hash a large payload once.
    if (options.token) h.token = proto::TokenFrame{shards[0].message_hash, number, now};
  } else if (options.token) {
    h.token = proto::TokenFrame::make(sha256_, data, number, now);
  }
  if (options.sign) {
    proto::SignFunction fn = [s = config_.signer](std::span<const uint8_t> m) {
      return s->sign(m);
    };
    if (auto st = proto::sign_header(h, *key_id_, fn); !st)
      return from_violation<uint64_t>(st.error());
  }
  // For a sharded message the check covers shard 0 (validate_header bounds total_length).
  const uint64_t checked = h.shard ? h.shard->length : payload.size();
  if (auto st = writer.check(h, checked); !st) return from_violation<uint64_t>(st.error());

  if (options.datagram_if_small && shards.empty()) {
    const size_t max = conn->max_datagram_payload();
    if (max > 0) {
      auto d = writer.encode_datagram(h, data, max);
      if (d && conn->send_datagram(d.value()).ok()) {
        ++counters_.datagrams_sent;
        ++counters_.messages_sent;
        return number;
      }
    }
    // Too large, not negotiated or queue full: a stream carries it reliably instead.
  }

  const size_t n = shards.empty() ? 1 : shards.size();
  if (conn->uni_streams_left() < n) {
    return {Errc::kStreamLimit, "need " + std::to_string(n) +
                                    " unidirectional streams, the peer allows " +
                                    std::to_string(conn->uni_streams_left()) + " more now"};
  }
  Outgoing m;
  for (size_t i = 0; i < n; ++i) {
    proto::MessageHeader hi;
    OutStream o;
    if (shards.empty()) {
      hi = h;
      o.end = payload.size();
    } else if (i == 0) {
      hi = h;
      o.pos = shards[0].offset;
      o.end = shards[0].offset + shards[0].length;
    } else {
      hi.shard = shards[i];  // TOKEN, HOP, SEED and FALCON_SIG travel on shard 0 only
      o.pos = shards[i].offset;
      o.end = shards[i].offset + shards[i].length;
    }
    auto bytes = writer.begin(hi, shards.empty() ? payload.size() : shards[i].length);
    if (!bytes) return from_violation<uint64_t>(bytes.error());
    o.pending = std::move(bytes).value();
    m.streams.push_back(std::move(o));
  }
  // Everything is checked: open the streams (credit was checked above).
  for (auto& o : m.streams) {
    auto s = conn->open_stream(false);
    if (!s) {
      for (auto& prev : m.streams) {
        if (prev.stream) prev.stream.reset(static_cast<uint64_t>(proto::Error::kNoError));
      }
      return {s.error(), s.reason()};
    }
    o.stream = Stream(std::move(s).value());
  }
  m.remaining = m.streams.size();
  if (options.token) {
    tokens_in_flight_.insert(number);
    auto open = std::make_shared<size_t>(m.streams.size());
    for (auto& o : m.streams) {
      o.stream.on_closed([this, open, number](std::error_code, uint64_t) {
        if (--*open == 0) {
          tokens_in_flight_.erase(number);
          maybe_sendable();
        }
      });
    }
  }
  m.payload = std::move(payload);
  pending_bytes_ += m.payload.size();
  outgoing_.emplace(number, std::move(m));
  for (size_t i = 0; i < n; ++i) {
    auto it = outgoing_.find(number);
    if (it == outgoing_.end()) break;
    it->second.streams[i].stream.on_writable([this, number, i] { pump_outgoing(number, i); });
    pump_outgoing(number, i);
  }
  return number;
}

bool Messaging::write_stream(Outgoing& m, OutStream& o) {
  const uint64_t max_frame = session_.writer().max_data_frame();
  while (!o.done) {
    if (!o.pending.empty()) {
      auto r = o.stream.write(o.pending);
      if (!r) return r.error() == make_error_code(Errc::kWouldBlock);
      o.pending.erase(o.pending.begin(), o.pending.begin() + static_cast<ptrdiff_t>(*r));
      if (!o.pending.empty()) return true;
      continue;
    }
    if (o.frame_left > 0) {
      auto r = o.stream.write(std::span<const uint8_t>(m.payload.data() + o.pos, o.frame_left));
      if (!r) return r.error() == make_error_code(Errc::kWouldBlock);
      o.pos += *r;
      o.frame_left -= *r;
      if (o.frame_left > 0) return true;
      continue;
    }
    if (o.pos < o.end) {
      o.frame_left = std::min<uint64_t>(max_frame, o.end - o.pos);
      proto::MessageWriter::append_data_header(o.pending, o.frame_left);
      continue;
    }
    if (!o.stream.finish().ok()) return false;
    o.done = true;
    o.stream.on_writable(nullptr);
    --m.remaining;
  }
  return true;
}

void Messaging::pump_outgoing(uint64_t number, size_t index) {
  auto it = outgoing_.find(number);
  if (it == outgoing_.end() || index >= it->second.streams.size()) return;
  Outgoing& m = it->second;
  if (!write_stream(m, m.streams[index])) {
    fail_outgoing(number);
    return;
  }
  if (m.remaining == 0) finish_outgoing(number);
}

void Messaging::fail_outgoing(uint64_t number) {
  auto node = outgoing_.extract(number);
  if (node.empty()) return;
  for (auto& o : node.mapped().streams) {
    o.stream.on_writable(nullptr);
    if (!o.done) o.stream.reset(static_cast<uint64_t>(proto::Error::kNoError));
  }
  ++counters_.send_failures;
  pending_bytes_ -= std::min<uint64_t>(pending_bytes_, node.mapped().payload.size());
  maybe_sendable();
}

void Messaging::finish_outgoing(uint64_t number) {
  auto node = outgoing_.extract(number);
  if (node.empty()) return;
  ++counters_.messages_sent;
  pending_bytes_ -= std::min<uint64_t>(pending_bytes_, node.mapped().payload.size());
  maybe_sendable();
}

void Messaging::on_connection_closed() {
  closed_ = true;
  for (auto& [id, in] : inbound_) in.stream.on_readable(nullptr);
  inbound_.clear();
  for (auto& [n, m] : outgoing_) {
    for (auto& o : m.streams) o.stream.on_writable(nullptr);
  }
  outgoing_.clear();
  tokens_in_flight_.clear();
  pending_bytes_ = 0;
  on_message = nullptr;
  on_rejected = nullptr;
  on_sendable = nullptr;
}

MessageStats Messaging::stats() const {
  MessageStats s = counters_;
  const auto t = session_.token_stats();
  s.tokens_accepted = t.accepted;
  s.token_hash_mismatch = t.hash_mismatch;
  s.token_replayed = t.replayed;
  s.token_stale = t.stale;
  const auto& r = session_.reassembly_stats();
  s.shards_completed = r.completed;
  s.shards_corrupted = r.corrupted;
  s.shards_timed_out = r.timed_out;
  s.shards_rejected = r.rejected;
  s.shards_abandoned = r.abandoned;
  s.unsharded_buffered_bytes = session_.buffered_bytes();
  s.pending_send_bytes = pending_bytes_;
  return s;
}

}  // namespace stoq::detail

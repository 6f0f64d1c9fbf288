#include "proto/session.h"

#include <algorithm>
#include <utility>

#include "proto/datagram.h"
#include "proto/message_reader.h"

namespace stoq::proto {

struct Session::Stream {
  enum class Kind { kPending, kControl, kMessage, kApplication, kIgnored };
  Kind kind = Kind::kPending;
  StreamTypeReader type;
  std::unique_ptr<MessageReader> reader;
  std::vector<uint8_t> buffer;  // unsharded payload
  bool sharded = false;
  bool rejected = false;  // message error: the rest of the stream is discarded
  uint64_t message_id = 0;
  uint64_t shard_index = 0;
  uint64_t last_progress_ms = 0;  // message streams: the last time a byte arrived
  bool watched = false;           // counted in Session::watched_ (idle deadline applies)
  uint64_t charged = 0;           // buffer capacity charged to the budget
};

namespace {

ShardReassemblerConfig reassembly_config(const SessionConfig& c) {
  ShardReassemblerConfig r = c.reassembly;
  r.max_shard_count = c.local.max_shard_count;
  if (c.budget) r.budget = c.budget.get();
  return r;
}

TokenVerifierConfig token_config(const Settings& local) {
  return {local.token_window, local.max_clock_skew_ms};
}

void count(TokenStats& stats, const Status& st) {
  if (st) {
    ++stats.accepted;
    return;
  }
  switch (st.error().code) {
    case Error::kTokenInvalid:
      ++stats.hash_mismatch;
      break;
    case Error::kTokenReplay:
      ++stats.replayed;
      break;
    case Error::kTokenStale:
      ++stats.stale;
      break;
    default:
      break;
  }
}

}  // namespace

Session::Session(Sha256Algorithm sha256, SessionConfig config)
    : sha256_(std::move(sha256)),
      config_(std::move(config)),
      control_(config_.local, sha256_),
      tokens_(token_config(config_.local)),
      signer_windows_(config_.signer_windows
                          ? config_.signer_windows
                          : std::make_shared<SignerWindows>(token_config(config_.local))),
      signatures_(sha256_, config_.verify),
      reassembler_(sha256_, reassembly_config(config_)) {
  for (const KeyId& k : config_.trusted_keys) signatures_.trust(k);
}

Session::~Session() {
  if (config_.budget && charged_ > 0) config_.budget->release(charged_);
}

std::vector<uint8_t> Session::control_preface(uint64_t grease_random) const {
  return control_stream_preface(config_.local, grease_random);
}

MessageWriter Session::writer() const {
  return MessageWriter(peer_settings().value_or(Settings{}), config_.local.extensions);
}

Status Session::fail(Violation v) {
  error_ = v;
  return v;
}

void Session::release(Stream& s) {
  buffered_ -= std::min<uint64_t>(buffered_, s.buffer.size());
  uncharge(s);
  std::vector<uint8_t>().swap(s.buffer);
}

void Session::uncharge(Stream& s) {
  if (config_.budget && s.charged > 0) config_.budget->release(s.charged);
  charged_ -= std::min(charged_, s.charged);
  s.charged = 0;
}

bool Session::grow_buffer(Stream& s, size_t more) {
  // The budget is charged with what is allocated, not just what is used: capacity grows
  // geometrically (up to the per-connection cap) and each step is charged before it is
  // allocated.
  const size_t need = s.buffer.size() + more;
  if (need <= s.buffer.capacity()) return true;
  const uint64_t doubled = std::min<uint64_t>(std::max<uint64_t>(s.buffer.capacity() * 2, 16384),
                                              config_.message_buffer_cap);
  size_t cap = std::max<size_t>(need, static_cast<size_t>(doubled));
  uint64_t extra = cap - s.buffer.capacity();
  if (config_.budget && !config_.budget->try_charge(extra)) {
    // Near the budget: just what this piece needs.
    cap = need;
    extra = cap - s.buffer.capacity();
    if (!config_.budget->try_charge(extra)) return false;
  }
  s.buffer.reserve(cap);
  s.charged += extra;
  charged_ += extra;
  return true;
}

void Session::unwatch(Stream& s) {
  if (!s.watched) return;
  s.watched = false;
  --watched_;
}

void Session::reject_stream(int64_t id, Stream& s, Error code) {
  if (s.rejected) return;
  s.rejected = true;
  unwatch(s);
  release(s);
  events_.emplace_back(StopSending{id, code});
}

void Session::reject_message(Error code, std::string reason, std::optional<uint64_t> message_id,
                             std::vector<uint64_t> missing, std::vector<int64_t> streams) {
  ++stats_.messages_rejected;
  events_.emplace_back(
      RejectedMessage{code, std::move(reason), message_id, std::move(missing), std::move(streams)});
}

Result<std::span<const uint8_t>> Session::on_uni_stream(int64_t stream_id,
                                                        std::span<const uint8_t> data, bool fin,
                                                        uint64_t now_ms) {
  using Kind = Stream::Kind;
  if (error_) return *error_;
  auto& slot = streams_[stream_id];
  if (!slot) slot = std::make_unique<Stream>();
  Stream& s = *slot;
  if (s.kind == Kind::kPending) {
    if (auto st = s.type.feed(data); !st) return fail(st.error()).error();
    if (!s.type.type()) {
      if (fin) streams_.erase(stream_id);  // ended before its type: nothing to do
      return std::span<const uint8_t>{};
    }
    switch (static_cast<StreamType>(*s.type.type())) {
      case StreamType::kControl:
        if (control_stream_id_)
          return fail(violation(Error::kStreamCreation, "second control stream")).error();
        control_stream_id_ = stream_id;
        s.kind = Kind::kControl;
        break;
      case StreamType::kMessage:
        s.kind = Kind::kMessage;
        s.reader = std::make_unique<MessageReader>(MessageLimits::from(config_.local), sha256_);
        s.last_progress_ms = now_ms;
        if (config_.message_idle_timeout_ms > 0) {
          s.watched = true;
          ++watched_;
          streams_next_check_ =
              std::min(streams_next_check_, now_ms + config_.message_idle_timeout_ms);
        }
        break;
      case StreamType::kApplication:
        s.kind = Kind::kApplication;
        break;
      default:
        s.kind = Kind::kIgnored;
        ++stats_.streams_ignored;
        events_.emplace_back(StopSending{stream_id, Error::kNoError});
        break;
    }
  }
  switch (s.kind) {
    case Kind::kControl: {
      Status st = control_.on_data(data);
      drain_control();
      if (!st) return fail(st.error()).error();
      if (fin) return fail(control_.on_closed().error()).error();
      return std::span<const uint8_t>{};
    }
    case Kind::kApplication:
      if (fin) streams_.erase(stream_id);
      return data;
    case Kind::kMessage: {
      if (!data.empty()) s.last_progress_ms = now_ms;
      Status st = on_message_data(stream_id, s, data, fin, now_ms);
      if (!st) return fail(st.error()).error();
      if (fin) {
        release(s);
        unwatch(s);
        streams_.erase(stream_id);
      }
      return std::span<const uint8_t>{};
    }
    case Kind::kPending:
    case Kind::kIgnored:
      break;
  }
  if (fin) streams_.erase(stream_id);
  return std::span<const uint8_t>{};
}

Status Session::on_message_data(int64_t id, Stream& s, std::span<const uint8_t> data, bool fin,
                                uint64_t now_ms) {
  auto handle = [&](const MessageEvent& e) {
    const MessageHeader& h = s.reader->header();
    switch (e.kind) {
      case MessageEventKind::kNeedMore:
        break;
      case MessageEventKind::kHeader:
        if (!h.shard) break;
        s.sharded = true;
        unwatch(s);  // the reassembler's timeouts apply
        s.message_id = h.shard->message_id;
        s.shard_index = h.shard->index;
        if (auto st = reassembler_.on_shard_begin(h, now_ms); !st) {
          drain_reassembler(now_ms);
          reject_stream(id, s, st.error().code);
        } else {
          shard_streams_[s.message_id].push_back(id);
          drain_reassembler(now_ms);
        }
        break;
      case MessageEventKind::kData:
        if (s.sharded) {
          auto st = reassembler_.on_shard_data(s.message_id, s.shard_index, e.data, now_ms);
          drain_reassembler(now_ms);
          if (!st) reject_stream(id, s, st.error().code);
        } else if (buffered_ + e.data.size() > config_.message_buffer_cap) {
          reject_stream(id, s, Error::kLimitExceeded);
          reject_message(Error::kLimitExceeded, "message buffer cap reached", std::nullopt, {},
                         {id});
        } else if (!grow_buffer(s, e.data.size())) {
          reject_stream(id, s, Error::kLimitExceeded);
          reject_message(Error::kLimitExceeded,
                         "message memory budget reached (this source or the endpoint)",
                         std::nullopt, {}, {id});
        } else {
          s.buffer.insert(s.buffer.end(), e.data.begin(), e.data.end());
          buffered_ += e.data.size();
        }
        break;
      case MessageEventKind::kEnd:
        if (s.sharded) {
          auto st = reassembler_.on_shard_end(s.message_id, s.shard_index, now_ms);
          drain_reassembler(now_ms);
          if (!st) reject_stream(id, s, st.error().code);
        } else {
          buffered_ -= std::min<uint64_t>(buffered_, s.buffer.size());
          uncharge(s);
          deliver(h, OwnedBytes(std::move(s.buffer)), s.reader->payload_digest(), false, {id},
                  now_ms);
          s.buffer.clear();
        }
        break;
    }
  };
  // A rejected message's stream is only read to its end (the QUIC layer also sent
  // STOP_SENDING); protocol violations on it still count.
  while (true) {
    auto ev = s.reader->next(data);
    if (!ev) return ev.error();
    if (ev.value().kind == MessageEventKind::kNeedMore) break;
    if (!s.rejected) handle(ev.value());
  }
  if (!fin) return Ok{};
  while (true) {
    auto ev = s.reader->finish();
    if (!ev) return ev.error();
    if (!s.rejected) handle(ev.value());
    if (ev.value().kind == MessageEventKind::kEnd) break;
  }
  return Ok{};
}

Status Session::on_uni_stream_reset(int64_t stream_id, uint64_t now_ms) {
  if (error_) return *error_;
  if (control_stream_id_ == stream_id)
    return fail(violation(Error::kClosedCriticalStream, "peer reset its control stream"));
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) return Ok{};
  Stream& s = *it->second;
  if (s.kind == Stream::Kind::kMessage && s.sharded && !s.rejected) {
    reassembler_.on_shard_abandoned(s.message_id, s.shard_index);
    drain_reassembler(now_ms);
  }
  release(s);
  unwatch(s);
  streams_.erase(it);
  return Ok{};
}

Result<std::span<const uint8_t>> Session::on_datagram(std::span<const uint8_t> datagram,
                                                      uint64_t now_ms) {
  if (error_) return *error_;
  ++stats_.datagrams_received;
  auto d = decode_datagram(datagram, MessageLimits::from(config_.local));
  if (!d) return fail(d.error()).error();
  switch (d.value().kind) {
    case DatagramKind::kApplication:
      return d.value().payload;
    case DatagramKind::kIgnored:
      break;
    case DatagramKind::kMessage: {
      const auto p = d.value().payload;
      deliver(std::move(d.value().header), OwnedBytes(std::vector<uint8_t>(p.begin(), p.end())),
              std::nullopt, true, {}, now_ms);
      break;
    }
  }
  return std::span<const uint8_t>{};
}

void Session::deliver(MessageHeader header, OwnedBytes payload, const std::optional<Digest>& digest,
                      bool via_datagram, std::vector<int64_t> streams, uint64_t now_ms) {
  std::optional<uint64_t> mid;
  if (header.shard) mid = header.shard->message_id;
  if (config_.require_token && !header.token)
    return reject_message(Error::kTokenInvalid, "message without TOKEN", mid, {}, streams);
  std::optional<KeyId> signer;
  // The signature is checked before the token is recorded in the replay window, so a
  // forged token cannot burn a sequence number.
  if (header.signature) {
    auto who = signatures_.verify(header);
    if (!who) return reject_message(who.error().code, who.error().reason, mid, {}, streams);
    signer = who.value();
  } else if (config_.require_signature) {
    return reject_message(Error::kSignatureInvalid, "message not signed", mid, {}, streams);
  }
  if (header.token) {
    const Digest d = digest ? *digest : sha256_.digest(payload.span());
    if (auto st = verify_token(signer, *header.token, d, now_ms); !st)
      return reject_message(st.error().code, st.error().reason, mid, {}, streams);
  }
  ++stats_.messages_received;
  events_.emplace_back(ReceivedMessage{std::move(header), std::move(payload), signer, via_datagram,
                                       std::move(streams)});
}

Status Session::verify_token(const std::optional<KeyId>& signer, const TokenFrame& token,
                             const Digest& digest, uint64_t now_ms) {
  if (!signer) return tokens_.verify_digest(token, digest, now_ms);
  Status st = signer_windows_->verify(*signer, token, digest, now_ms);
  count(signed_stats_, st);
  return st;
}

TokenStats Session::token_stats() const {
  TokenStats sum = tokens_.stats();
  sum.accepted += signed_stats_.accepted;
  sum.hash_mismatch += signed_stats_.hash_mismatch;
  sum.replayed += signed_stats_.replayed;
  sum.stale += signed_stats_.stale;
  return sum;
}

void Session::drain_control() {
  while (auto e = control_.poll_event()) {
    if (auto* s = std::get_if<PeerSettingsEvent>(&*e)) {
      events_.emplace_back(PeerSettingsReceived{s->settings});
    } else if (auto* k = std::get_if<PeerKeyEvent>(&*e)) {
      const bool usable = signatures_.add_key(k->key).ok();
      events_.emplace_back(PeerKeyAnnounced{std::move(k->key), usable});
    }
  }
}

void Session::drain_reassembler(uint64_t now_ms) {
  while (auto e = reassembler_.poll_event()) {
    if (auto* done = std::get_if<ReassembledMessage>(&*e)) {
      auto node = shard_streams_.extract(done->message_id);
      std::vector<int64_t> streams = node ? std::move(node.mapped()) : std::vector<int64_t>{};
      deliver(std::move(done->header), std::move(done->payload), done->digest, false,
              std::move(streams), now_ms);
    } else if (auto* failed = std::get_if<FailedMessage>(&*e)) {
      auto node = shard_streams_.extract(failed->message_id);
      std::vector<int64_t> streams = node ? std::move(node.mapped()) : std::vector<int64_t>{};
      for (int64_t id : streams) {
        auto it = streams_.find(id);
        if (it != streams_.end()) reject_stream(id, *it->second, failed->code);
      }
      reject_message(failed->code, std::move(failed->reason), failed->message_id,
                     std::move(failed->missing), std::move(streams));
    }
  }
}

void Session::on_timer(uint64_t now_ms) {
  reassembler_.on_timer(now_ms);
  drain_reassembler(now_ms);
  if (now_ms >= streams_next_check_) expire_idle_streams(now_ms);
}

std::optional<uint64_t> Session::next_expiry() const {
  std::optional<uint64_t> r = reassembler_.next_expiry();
  if (watched_ > 0 && streams_next_check_ != UINT64_MAX && (!r || streams_next_check_ < *r))
    r = streams_next_check_;
  return r;
}

void Session::expire_idle_streams(uint64_t now_ms) {
  // Sharded streams are the reassembler's (its idle timeout and lifetime); a rejected
  // stream holds nothing. The scan runs at most once per idle timeout of the oldest stream.
  const uint64_t timeout = config_.message_idle_timeout_ms;
  uint64_t next = UINT64_MAX;
  for (auto& [id, sp] : streams_) {
    Stream& s = *sp;
    if (!s.watched) continue;
    const uint64_t deadline = s.last_progress_ms + timeout;
    if (deadline > now_ms) {
      next = std::min(next, deadline);
      continue;
    }
    reject_stream(id, s, Error::kMessageTimeout);
    reject_message(Error::kMessageTimeout,
                   "message stream idle for " + std::to_string(timeout) + " ms", std::nullopt, {},
                   {id});
  }
  streams_next_check_ = next;
}

std::optional<SessionEvent> Session::poll_event() {
  if (events_.empty()) return std::nullopt;
  SessionEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

}  // namespace stoq::proto

#include "proto/session.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace stoq::proto {
namespace {

using test::sha256;
using test::test_sha256;

using test::pattern;

// Stand-in for Falcon (see signature_test.cpp): signature = SHA-256(pk || message).
std::vector<uint8_t> fake_sign(std::span<const uint8_t> pk, std::span<const uint8_t> msg) {
  std::vector<uint8_t> in(pk.begin(), pk.end());
  in.insert(in.end(), msg.begin(), msg.end());
  auto d = sha256(in);
  return {d.begin(), d.end()};
}
bool fake_verify(FalconAlgorithm, std::span<const uint8_t> pk, std::span<const uint8_t> msg,
                 std::span<const uint8_t> sig) {
  auto want = fake_sign(pk, msg);
  return std::equal(want.begin(), want.end(), sig.begin(), sig.end());
}

constexpr uint64_t kNow = 1764072000000;
constexpr int64_t kControl = 3;  // peer-initiated unidirectional stream ids: 3, 7, 11, ...

struct Peer {
  std::vector<uint8_t> pk = pattern(1793, 5);
  FalconKeyFrame key = FalconKeyFrame::raw(test_sha256(), FalconAlgorithm::kFalcon1024, pk);
  uint64_t sequence = 0;
  int64_t next_stream = 7;

  std::vector<uint8_t> control() const {
    auto bytes = control_stream_preface(Settings{}, 42);
    key.encode(bytes);
    return bytes;
  }
  MessageHeader header(std::span<const uint8_t> payload, bool sign) {
    MessageHeader h;
    h.token = TokenFrame::make(test_sha256(), payload, ++sequence, kNow);
    if (sign) {
      EXPECT_TRUE(sign_header(h, key.key_id, [&](std::span<const uint8_t> m) {
                    return std::optional<std::vector<uint8_t>>(fake_sign(pk, m));
                  }).ok());
    }
    return h;
  }
};

SessionConfig config() {
  SessionConfig c;
  c.verify = fake_verify;
  return c;
}

std::vector<SessionEvent> drain(Session& s) {
  std::vector<SessionEvent> out;
  while (auto e = s.poll_event()) out.push_back(std::move(*e));
  return out;
}

template <class T>
std::vector<T> only(const std::vector<SessionEvent>& events) {
  std::vector<T> out;
  for (const auto& e : events)
    if (auto* p = std::get_if<T>(&e)) out.push_back(std::move(*const_cast<T*>(p)));
  return out;
}

// Sends `bytes` on a stream in small pieces, FIN with the last.
Status send(Session& s, int64_t id, const std::vector<uint8_t>& bytes, size_t piece = 5) {
  std::span<const uint8_t> in = bytes;
  do {
    auto chunk = in.first(std::min(piece, in.size()));
    in = in.subspan(chunk.size());
    auto r = s.on_uni_stream(id, chunk, in.empty(), kNow);
    if (!r) return r.error();
  } while (!in.empty());
  return Ok{};
}

TEST(Session, ControlStreamEvents) {
  Session s(test_sha256(), config());
  Peer peer;
  auto bytes = peer.control();
  for (uint8_t b : bytes) ASSERT_TRUE(s.on_uni_stream(kControl, {&b, 1}, false, kNow).ok());
  auto events = drain(s);
  ASSERT_EQ(only<PeerSettingsReceived>(events).size(), 1u);
  auto keys = only<PeerKeyAnnounced>(events);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_TRUE(keys[0].usable);
  EXPECT_TRUE(s.peer_settings().has_value());
  EXPECT_EQ(s.writer().max_data_frame(), Settings{}.max_frame_size);

  std::vector<uint8_t> second = {0x40, 0x53};
  auto r = s.on_uni_stream(11, second, false, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Error::kStreamCreation);
  EXPECT_FALSE(s.on_datagram(std::vector<uint8_t>{0, 1}, kNow).ok());  // dead after an error
}

TEST(Session, ControlStreamMayNotEnd) {
  Session a(test_sha256(), config());
  Peer peer;
  ASSERT_TRUE(a.on_uni_stream(kControl, peer.control(), false, kNow).ok());
  EXPECT_EQ(a.on_uni_stream(kControl, {}, true, kNow).code(), Error::kClosedCriticalStream);
  Session b(test_sha256(), config());
  ASSERT_TRUE(b.on_uni_stream(kControl, peer.control(), false, kNow).ok());
  EXPECT_EQ(b.on_uni_stream_reset(kControl, kNow).code(), Error::kClosedCriticalStream);
}

TEST(Session, SignedMessageDeliveredReplayRejected) {
  Session s(test_sha256(), config());
  Peer peer;
  ASSERT_TRUE(s.on_uni_stream(kControl, peer.control(), false, kNow).ok());
  drain(s);
  const auto payload = pattern(3000);
  MessageHeader h = peer.header(payload, true);
  auto stream = s.writer().encode_stream(h, payload, 7).value();
  ASSERT_TRUE(send(s, 7, stream).ok());
  auto got = only<ReceivedMessage>(drain(s));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(std::equal(payload.begin(), payload.end(), got[0].payload.span().begin(),
                         got[0].payload.span().end()));
  EXPECT_EQ(got[0].signer, peer.key.key_id);
  EXPECT_EQ(got[0].header.token->sequence, 1u);
  EXPECT_EQ(got[0].streams, std::vector<int64_t>{7});
  EXPECT_EQ(s.buffered_bytes(), 0u);

  ASSERT_TRUE(send(s, 11, stream).ok());  // the same message again
  auto events = drain(s);
  EXPECT_TRUE(only<ReceivedMessage>(events).empty());
  auto rejected = only<RejectedMessage>(events);
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].code, Error::kTokenReplay);
  EXPECT_EQ(s.token_stats().replayed, 1u);
  EXPECT_EQ(s.stats().messages_received, 1u);
}

TEST(Session, UntrustedSignerAndUnsignedWhenRequired) {
  SessionConfig c = config();
  c.trusted_keys.push_back(test::digest_filled(1));
  c.require_signature = true;
  Session s(test_sha256(), c);
  Peer peer;
  ASSERT_TRUE(s.on_uni_stream(kControl, peer.control(), false, kNow).ok());
  const auto payload = pattern(10);
  ASSERT_TRUE(
      send(s, 7, s.writer().encode_stream(peer.header(payload, true), payload).value()).ok());
  ASSERT_TRUE(
      send(s, 11, s.writer().encode_stream(peer.header(payload, false), payload).value()).ok());
  auto rejected = only<RejectedMessage>(drain(s));
  ASSERT_EQ(rejected.size(), 2u);
  EXPECT_EQ(rejected[0].code, Error::kUntrustedKey);
  EXPECT_EQ(rejected[1].code, Error::kSignatureInvalid);
  EXPECT_EQ(s.token_stats().accepted, 0u);  // nothing recorded for rejected signatures
}

// Sends a sharded message interleaved over `n` streams; optionally flips one payload byte.
void send_sharded(Session& s, Peer& peer, std::span<const uint8_t> payload, uint64_t n,
                  uint64_t message_id, int64_t first_stream, bool corrupt = false) {
  auto shards = split_message(test_sha256(), payload, n, message_id).value();
  std::vector<std::vector<uint8_t>> streams;
  for (const ShardFrame& sf : shards) {
    MessageHeader h;
    if (sf.index == 0) h = peer.header(payload, true);
    h.shard = sf;
    if (sf.index == 0) {  // re-sign: the signature covers the SHARD identity
      EXPECT_TRUE(sign_header(h, peer.key.key_id, [&](std::span<const uint8_t> m) {
                    return std::optional<std::vector<uint8_t>>(fake_sign(peer.pk, m));
                  }).ok());
    }
    std::vector<uint8_t> part(payload.begin() + sf.offset, payload.begin() + sf.offset + sf.length);
    if (corrupt && sf.index == n - 1) part[0] ^= 0x80;
    streams.push_back(s.writer().encode_stream(h, part).value());
  }
  std::vector<size_t> pos(n, 0);
  for (bool more = true; more;) {
    more = false;
    for (uint64_t i = 0; i < n; ++i) {
      if (pos[i] == streams[i].size()) continue;
      const size_t len = std::min<size_t>(1000 + 13 * i, streams[i].size() - pos[i]);
      const bool fin = pos[i] + len == streams[i].size();
      auto r =
          s.on_uni_stream(first_stream + 4 * int64_t(i),
                          std::span<const uint8_t>(streams[i]).subspan(pos[i], len), fin, kNow);
      ASSERT_TRUE(r.ok()) << r.error().reason;
      pos[i] += len;
      more = true;
    }
  }
}

TEST(Session, ShardedMessageOverParallelStreams) {
  Session s(test_sha256(), config());
  Peer peer;
  ASSERT_TRUE(s.on_uni_stream(kControl, peer.control(), false, kNow).ok());
  drain(s);
  const auto payload = pattern(200000);
  send_sharded(s, peer, payload, 16, 0xabc, 7);
  auto got = only<ReceivedMessage>(drain(s));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload.size(), payload.size());
  EXPECT_TRUE(std::equal(payload.begin(), payload.end(), got[0].payload.span().begin()));
  EXPECT_EQ(got[0].signer, peer.key.key_id);
  ASSERT_TRUE(got[0].header.shard);
  EXPECT_EQ(got[0].header.shard->count, 16u);
  EXPECT_EQ(got[0].streams.size(), 16u);
  EXPECT_EQ(s.reassembly_stats().completed, 1u);
}

TEST(Session, CorruptedShardIsRejected) {
  Session s(test_sha256(), config());
  Peer peer;
  ASSERT_TRUE(s.on_uni_stream(kControl, peer.control(), false, kNow).ok());
  drain(s);
  const auto payload = pattern(50000);
  send_sharded(s, peer, payload, 4, 1, 7, /*corrupt=*/true);
  auto events = drain(s);
  EXPECT_TRUE(only<ReceivedMessage>(events).empty());
  auto rejected = only<RejectedMessage>(events);
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].code, Error::kShardIntegrity);
  EXPECT_EQ(rejected[0].message_id, 1u);
}

TEST(Session, IncompleteShardsTimeOutAndMemoryStaysBounded) {
  SessionConfig c = config();
  c.reassembly.memory_cap = 4 << 20;
  c.reassembly.idle_timeout_ms = 1000;
  Session s(test_sha256(), c);
  Peer peer;
  uint64_t refused = 0;
  for (uint64_t id = 0; id < 200; ++id) {
    MessageHeader h;
    h.shard = ShardFrame{id, 0, 2, 120000, 0, 60000, test::digest_filled(3)};
    auto bytes = s.writer().begin(h, 60000).value();
    MessageWriter::append_data_header(bytes, 60000);
    auto junk = pattern(5000);
    bytes.insert(bytes.end(), junk.begin(), junk.end());  // then the peer goes quiet
    ASSERT_TRUE(s.on_uni_stream(7 + 4 * int64_t(id), bytes, false, kNow).ok());
    for (const auto& st : only<StopSending>(drain(s))) refused += st.code == Error::kLimitExceeded;
  }
  EXPECT_GT(refused, 150u);
  EXPECT_EQ(s.next_expiry(), kNow + 1000);
  s.on_timer(kNow + 1000);
  auto events = drain(s);
  auto rejected = only<RejectedMessage>(events);
  ASSERT_FALSE(rejected.empty());
  EXPECT_EQ(rejected[0].code, Error::kShardTimeout);
  EXPECT_EQ(rejected[0].missing_shards, std::vector<uint64_t>({0, 1}));
  EXPECT_FALSE(s.next_expiry());
}

TEST(Session, UnshardedBufferCap) {
  SessionConfig c = config();
  c.message_buffer_cap = 10000;
  Session s(test_sha256(), c);
  auto big = s.writer().encode_stream({}, pattern(10001)).value();
  ASSERT_TRUE(send(s, 7, big, 4096).ok());
  auto events = drain(s);
  ASSERT_EQ(only<StopSending>(events).size(), 1u);
  ASSERT_EQ(only<RejectedMessage>(events).size(), 1u);
  EXPECT_EQ(s.buffered_bytes(), 0u);
}

// Counts what sessions charge; refuses beyond `cap`.
class CountingBudget final : public MemoryBudget {
 public:
  explicit CountingBudget(uint64_t cap) : cap_(cap) {}
  bool try_charge(uint64_t bytes) override {
    if (bytes > cap_ - held) return false;
    held += bytes;
    return true;
  }
  void release(uint64_t bytes) override {
    EXPECT_LE(bytes, held);
    held -= std::min(bytes, held);
  }
  uint64_t held = 0;

 private:
  uint64_t cap_;
};

TEST(Session, SignerWindowsAreSharedSoAReplayOnAnotherConnectionIsRefused) {
  SessionConfig c = config();
  c.signer_windows = std::make_shared<SignerWindows>(TokenVerifierConfig{});
  Session first(test_sha256(), c), second(test_sha256(), c);
  Peer peer;
  for (Session* s : {&first, &second}) {
    ASSERT_TRUE(s->on_uni_stream(kControl, peer.control(), false, kNow).ok());
    drain(*s);
  }
  const auto payload = pattern(3000);
  auto stream = first.writer().encode_stream(peer.header(payload, true), payload, 7).value();
  ASSERT_TRUE(send(first, 7, stream).ok());
  EXPECT_EQ(only<ReceivedMessage>(drain(first)).size(), 1u);
  // The same bytes captured and replayed on a second connection to the same receiver.
  ASSERT_TRUE(send(second, 7, stream).ok());
  auto events = drain(second);
  EXPECT_TRUE(only<ReceivedMessage>(events).empty());
  ASSERT_EQ(only<RejectedMessage>(events).size(), 1u);
  EXPECT_EQ(only<RejectedMessage>(events)[0].code, Error::kTokenReplay);
  EXPECT_EQ(second.token_stats().replayed, 1u);
  EXPECT_EQ(first.token_stats().accepted, 1u);
  // Without a shared set each session has windows of its own (the replay gets through).
  Session lone_a(test_sha256(), config()), lone_b(test_sha256(), config());
  for (Session* s : {&lone_a, &lone_b}) {
    ASSERT_TRUE(s->on_uni_stream(kControl, peer.control(), false, kNow).ok());
    ASSERT_TRUE(send(*s, 7, stream).ok());
    EXPECT_EQ(only<ReceivedMessage>(drain(*s)).size(), 1u);
  }
}

TEST(SignerWindows, BoundedAndForgetOnlyWindowsNoMessageCanBeReplayedInto) {
  TokenVerifierConfig tc;
  tc.max_clock_skew_ms = 1000;
  SignerWindows w(tc, 2);
  const auto payload = pattern(10);
  const Digest d = sha256(payload);
  auto key = [](uint8_t b) {
    KeyId k{};
    k.fill(b);
    return k;
  };
  auto token = [&](uint64_t seq, uint64_t ts) {
    return TokenFrame::make(test_sha256(), payload, seq, ts);
  };
  EXPECT_TRUE(w.verify(key(1), token(1, kNow), d, kNow).ok());
  EXPECT_TRUE(w.verify(key(2), token(1, kNow), d, kNow).ok());
  // Full, and both windows still matter: a third signer is refused, not let in by evicting.
  EXPECT_EQ(w.verify(key(3), token(1, kNow), d, kNow + 1500).code(), Error::kLimitExceeded);
  EXPECT_EQ(w.verify(key(1), token(1, kNow), d, kNow + 900).code(), Error::kTokenReplay);
  // Past last acceptance + 2 x skew no token of theirs is fresh any more: they may go.
  EXPECT_TRUE(w.verify(key(3), token(1, kNow + 2500), d, kNow + 2500).ok());
  EXPECT_LE(w.signers(), 2u);
  // A rejected token of a new signer leaves no window behind.
  SignerWindows v(tc, 2);
  EXPECT_EQ(v.verify(key(9), token(1, kNow - 5000), d, kNow).code(), Error::kTokenStale);
  EXPECT_EQ(v.signers(), 0u);
}

TEST(Session, AnIdleUnshardedMessageTimesOutAndReleasesItsMemory) {
  SessionConfig c = config();
  c.message_idle_timeout_ms = 2000;
  auto budget = std::make_shared<CountingBudget>(1 << 20);
  c.budget = budget;
  Session s(test_sha256(), c);
  const auto payload = pattern(50000);
  auto bytes = s.writer().encode_stream({}, payload, 7).value();
  bytes.resize(30000);  // the sender stops half way and goes quiet
  ASSERT_TRUE(s.on_uni_stream(7, bytes, false, kNow).ok());
  EXPECT_GT(s.buffered_bytes(), 0u);
  EXPECT_EQ(budget->held, s.buffered_bytes());
  EXPECT_EQ(s.next_expiry(), kNow + 2000);
  // Progress moves the deadline.
  ASSERT_TRUE(s.on_uni_stream(7, std::vector<uint8_t>{}, false, kNow + 1000).ok());
  s.on_timer(kNow + 1500);
  EXPECT_TRUE(drain(s).empty());
  std::vector<uint8_t> more(bytes.end() - 1, bytes.end());
  bytes.pop_back();
  s.on_timer(kNow + 2000);  // no byte since kNow: expired
  auto events = drain(s);
  ASSERT_EQ(only<StopSending>(events).size(), 1u);
  EXPECT_EQ(only<StopSending>(events)[0].code, Error::kMessageTimeout);
  ASSERT_EQ(only<RejectedMessage>(events).size(), 1u);
  EXPECT_EQ(only<RejectedMessage>(events)[0].code, Error::kMessageTimeout);
  EXPECT_EQ(s.buffered_bytes(), 0u);
  EXPECT_EQ(budget->held, 0u);
  EXPECT_FALSE(s.next_expiry());
}

TEST(Session, AStreamThatKeepsBringingBytesIsNotTimedOut) {
  SessionConfig c = config();
  c.message_idle_timeout_ms = 2000;
  Session s(test_sha256(), c);
  const auto payload = pattern(50000);
  auto bytes = s.writer().encode_stream({}, payload, 7).value();
  uint64_t now = kNow;
  size_t at = 0;
  while (at < bytes.size()) {  // 1 KiB a second: slow, never idle for 2 s
    const size_t n = std::min<size_t>(1024, bytes.size() - at);
    const bool fin = at + n == bytes.size();
    ASSERT_TRUE(s.on_uni_stream(7, std::span(bytes).subspan(at, n), fin, now).ok());
    at += n;
    now += 1000;
    if (auto e = s.next_expiry(); e && *e <= now) s.on_timer(now);
  }
  auto events = drain(s);
  EXPECT_TRUE(only<RejectedMessage>(events).empty());
  EXPECT_EQ(only<ReceivedMessage>(events).size(), 1u);
}

TEST(Session, TheBudgetBoundsBufferedBytesAndEveryChargeIsReleased) {
  SessionConfig c = config();
  auto budget = std::make_shared<CountingBudget>(100000);
  c.budget = budget;
  c.reassembly.memory_cap = 10 << 20;
  {
    Session s(test_sha256(), c);
    // Two unsharded messages of 60 KB at once: the second passes the budget and is refused.
    const auto payload = pattern(60000);
    auto a = s.writer().encode_stream({}, payload, 7).value();
    auto b = s.writer().encode_stream({}, payload, 11).value();
    a.pop_back();
    b.pop_back();
    ASSERT_TRUE(s.on_uni_stream(7, a, false, kNow).ok());
    ASSERT_TRUE(s.on_uni_stream(11, b, false, kNow).ok());
    auto events = drain(s);
    ASSERT_EQ(only<RejectedMessage>(events).size(), 1u);
    EXPECT_EQ(only<RejectedMessage>(events)[0].code, Error::kLimitExceeded);
    EXPECT_LE(budget->held, 100000u);
    // A sharded message needs its whole reservation from the budget.
    MessageHeader h;
    h.shard = ShardFrame{5, 0, 2, 120000, 0, 60000, test::digest_filled(3)};
    auto sh = s.writer().begin(h, 60000).value();
    MessageWriter::append_data_header(sh, 60000);
    ASSERT_TRUE(s.on_uni_stream(15, sh, false, kNow).ok());
    events = drain(s);
    ASSERT_EQ(only<RejectedMessage>(events).size(), 1u);
    EXPECT_EQ(only<RejectedMessage>(events)[0].code, Error::kLimitExceeded);
    // The first message completes: its bytes leave the budget.
    const uint8_t last = payload.back();
    ASSERT_TRUE(s.on_uni_stream(7, {&last, 1}, true, kNow).ok());
    EXPECT_EQ(only<ReceivedMessage>(drain(s)).size(), 1u);
    EXPECT_EQ(budget->held, 0u);
    // Bytes still held when the session goes away go back too.
    auto d = s.writer().encode_stream({}, pattern(1000), 19).value();
    d.pop_back();
    ASSERT_TRUE(s.on_uni_stream(19, d, false, kNow).ok());
    EXPECT_GT(budget->held, 0u);
  }
  EXPECT_EQ(budget->held, 0u);
}

TEST(Session, ApplicationGreaseAndDatagrams) {
  Session s(test_sha256(), config());
  std::vector<uint8_t> app = {0x40, 0x41, 'a', 'b', 'c'};
  auto r = s.on_uni_stream(7, app, true, kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::string(r.value().begin(), r.value().end()), "abc");

  ASSERT_TRUE(s.on_uni_stream(11, grease_stream(0x0709), false, kNow).ok());
  auto stops = only<StopSending>(drain(s));
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops[0].stream_id, 11);
  EXPECT_EQ(s.stats().streams_ignored, 1u);

  std::vector<uint8_t> appdg = {0x00, 'x'};
  auto d = s.on_datagram(appdg, kNow);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.value().size(), 1u);
  Peer peer;
  const auto payload = pattern(100);
  auto msg = s.writer().encode_datagram(peer.header(payload, false), payload, 1200).value();
  ASSERT_TRUE(s.on_datagram(msg, kNow).ok());
  ASSERT_TRUE(s.on_datagram(msg, kNow).ok());  // duplicated by the network
  auto events = drain(s);
  auto got = only<ReceivedMessage>(events);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].via_datagram);
  EXPECT_EQ(only<RejectedMessage>(events).at(0).code, Error::kTokenReplay);
}

TEST(Session, MalformedMessageStreamClosesTheConnection) {
  Session s(test_sha256(), config());
  std::vector<uint8_t> bad = {0x40, 0x4d};
  append_frame(bad, to_wire(FrameType::kToken), pattern(47));
  auto r = send(s, 7, bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Error::kFrameEncoding);
  EXPECT_EQ(s.on_uni_stream(11, {}, false, kNow).code(), Error::kFrameEncoding);
}

TEST(Session, ResetShardStreamFailsTheMessage) {
  Session s(test_sha256(), config());
  MessageHeader h;
  h.shard = ShardFrame{5, 0, 2, 10, 0, 5, test::digest_filled(0)};
  auto bytes = s.writer().begin(h, 5).value();
  MessageWriter::append_data_header(bytes, 5);
  bytes.insert(bytes.end(), {1, 2});
  ASSERT_TRUE(s.on_uni_stream(7, bytes, false, kNow).ok());
  ASSERT_TRUE(s.on_uni_stream_reset(7, kNow).ok());
  auto rejected = only<RejectedMessage>(drain(s));
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].message_id, 5u);
  EXPECT_EQ(s.reassembly_stats().abandoned, 1u);
}

}  // namespace
}  // namespace stoq::proto

namespace stoq::proto {
namespace {

using test::sha256;
using test::test_sha256;

TEST(Session, ReplayWindowsArePerSigner) {
  Session s(test_sha256(), config());
  Peer a, b;
  b.pk = pattern(1793, 6);
  b.key = FalconKeyFrame::raw(test_sha256(), FalconAlgorithm::kFalcon1024, b.pk);
  auto control = a.control();
  b.key.encode(control);
  ASSERT_TRUE(s.on_uni_stream(kControl, control, false, kNow).ok());
  const auto payload = pattern(10);
  // Both senders use sequence 1 (as two origins relayed over one connection would).
  ASSERT_TRUE(send(s, 7, s.writer().encode_stream(a.header(payload, true), payload).value()).ok());
  ASSERT_TRUE(send(s, 11, s.writer().encode_stream(b.header(payload, true), payload).value()).ok());
  // And an unsigned message with sequence 1 has its own window too.
  Peer c;
  ASSERT_TRUE(
      send(s, 15, s.writer().encode_stream(c.header(payload, false), payload).value()).ok());
  auto events = drain(s);
  EXPECT_EQ(only<ReceivedMessage>(events).size(), 3u);
  EXPECT_TRUE(only<RejectedMessage>(events).empty());
  EXPECT_EQ(s.token_stats().accepted, 3u);
}

}  // namespace
}  // namespace stoq::proto

namespace stoq::proto {
namespace {

using test::sha256;
using test::test_sha256;

TEST(Session, SignerKeyConfiguredOutOfBand) {
  Session s(test_sha256(), config());
  Peer origin;  // e.g. the origin of a relayed message: never announced on this connection
  ASSERT_TRUE(s.add_signer_key(FalconAlgorithm::kFalcon1024, origin.key.key_id, origin.pk).ok());
  const auto payload = pattern(33);
  ASSERT_TRUE(
      send(s, 7, s.writer().encode_stream(origin.header(payload, true), payload).value()).ok());
  auto got = only<ReceivedMessage>(drain(s));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].signer, origin.key.key_id);
}

}  // namespace
}  // namespace stoq::proto

#include "proto/fuzz_entries.h"

#include <cstdlib>
#include <utility>
#include <vector>

#include "proto/control_stream.h"
#include "proto/datagram.h"
#include "proto/frame.h"
#include "proto/frame_decoder.h"
#include "proto/message_reader.h"
#include "proto/message_writer.h"
#include "proto/session.h"
#include "proto/shard_reassembler.h"

namespace stoq::proto::fuzz {
namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

// SHA-256 from OpenSSL's default library context, fetched once per process: the fuzz
// targets and the replay test have no Context of their own.
const Sha256Algorithm& sha256() {
  static const Sha256Algorithm algorithm = [] {
    auto a = Sha256Algorithm::fetch(nullptr);
    check(a.ok());
    return std::move(a).value();
  }();
  return algorithm;
}

// Decode, re-encode, decode again: the two values must agree, and the re-encoding must
// be a single well-formed frame of the right type.
template <class T>
int round_trip(FrameType type, std::span<const uint8_t> payload) {
  auto first = T::decode(payload);
  if (!first) return 0;
  std::vector<uint8_t> encoded;
  first.value().encode(encoded);
  ByteReader r(encoded);
  auto frame = read_frame(r, kMaxMaxFrameSize);
  check(frame.ok() && r.empty() && frame.value().type == to_wire(type));
  auto second = T::decode(frame.value().payload);
  check(second.ok() && second.value() == first.value());
  return 0;
}

// Splits input into chunks whose sizes come from a tiny generator seeded by the input.
struct Chunker {
  std::span<const uint8_t> rest;
  uint32_t state;
  explicit Chunker(std::span<const uint8_t> in) : rest(in), state(in.empty() ? 1 : in[0] | 1) {}
  std::span<const uint8_t> next() {
    state = state * 1103515245u + 12345u;
    size_t n = 1 + (state >> 16) % 17;
    if (n > rest.size()) n = rest.size();
    auto piece = rest.first(n);
    rest = rest.subspan(n);
    return piece;
  }
};

}  // namespace

int varint(const uint8_t* data, size_t size) {
  uint64_t v = 0;
  const size_t n = decode_varint({data, size}, v);
  if (n == 0) return 0;
  check(v <= kVarintMax && n <= 8);
  uint8_t buf[8];
  const size_t m = encode_varint(v, buf);
  uint64_t w = 0;
  check(m == varint_size(v) && m <= n && decode_varint({buf, m}, w) == m && w == v);
  return 0;
}

int settings(const uint8_t* data, size_t size) {
  auto s = Settings::decode({data, size});
  if (!s) return 0;
  check(s.value().validate().ok());
  return round_trip<Settings>(FrameType::kSettings, {data, size});
}

int token(const uint8_t* d, size_t n) {
  return round_trip<TokenFrame>(FrameType::kToken, {d, n});
}
int shard(const uint8_t* d, size_t n) {
  return round_trip<ShardFrame>(FrameType::kShard, {d, n});
}
int hop(const uint8_t* d, size_t n) {
  return round_trip<HopFrame>(FrameType::kHop, {d, n});
}
int seed(const uint8_t* d, size_t n) {
  return round_trip<SeedFrame>(FrameType::kSeed, {d, n});
}
int falcon_key(const uint8_t* d, size_t n) {
  return round_trip<FalconKeyFrame>(FrameType::kFalconKey, {d, n});
}
int falcon_sig(const uint8_t* d, size_t n) {
  return round_trip<FalconSigFrame>(FrameType::kFalconSig, {d, n});
}

// Chunked and one-shot decoding must produce the same frames and DATA bytes.
int frame_decoder(const uint8_t* data, size_t size) {
  struct Out {
    std::vector<std::pair<uint64_t, std::vector<uint8_t>>> frames;
    std::vector<uint8_t> data;
    bool failed = false;
    Error code = Error::kNoError;
  };
  auto run = [&](bool chunked) {
    Out out;
    FrameDecoder dec(kMinMaxFrameSize);
    Chunker chunker({data, size});
    std::span<const uint8_t> whole{data, size};
    for (;;) {
      std::span<const uint8_t> in = chunked ? chunker.next() : whole;
      if (!chunked) whole = {};
      if (in.empty()) break;
      while (true) {
        auto ev = dec.next(in);
        if (!ev) {
          out.failed = true;
          out.code = ev.code();
          return out;
        }
        check(dec.buffered_bytes() <= kMaxBufferedFrame);
        const FrameEvent& e = ev.value();
        if (e.kind == FrameEventKind::kNeedMore) break;
        if (e.kind == FrameEventKind::kFrame)
          out.frames.emplace_back(e.type, std::vector<uint8_t>(e.payload.begin(), e.payload.end()));
        if (e.kind == FrameEventKind::kData)
          out.data.insert(out.data.end(), e.payload.begin(), e.payload.end());
      }
      check(in.empty());
    }
    return out;
  };
  Out a = run(false), b = run(true);
  check(a.failed == b.failed && a.code == b.code && a.frames == b.frames && a.data == b.data);
  return 0;
}

int control_stream(const uint8_t* data, size_t size) {
  ControlStream cs{Settings{}, sha256()};
  Chunker chunker({data, size});
  for (auto piece = chunker.next(); !piece.empty(); piece = chunker.next()) {
    if (!cs.on_data(piece).ok()) {
      check(!cs.on_data(piece).ok());  // sticky
      return 0;
    }
  }
  size_t events = 0;
  while (auto e = cs.poll_event()) {
    ++events;
    if (auto* s = std::get_if<PeerSettingsEvent>(&*e)) check(s->settings.validate().ok());
  }
  check(events <= 1 + kMaxAnnouncedKeys);
  return 0;
}

int message_reader(const uint8_t* data, size_t size) {
  MessageLimits limits;
  limits.max_frame_size = kMinMaxFrameSize;
  limits.max_message_size = 1 << 16;
  MessageReader reader(limits, sha256());
  Chunker chunker({data, size});
  uint64_t seen = 0;
  bool header = false;
  for (auto piece = chunker.next(); !piece.empty(); piece = chunker.next()) {
    for (;;) {
      auto ev = reader.next(piece);
      if (!ev) return 0;
      if (ev.value().kind == MessageEventKind::kNeedMore) break;
      if (ev.value().kind == MessageEventKind::kHeader) header = true;
      if (ev.value().kind == MessageEventKind::kData) {
        check(header);
        seen += ev.value().data.size();
      }
    }
  }
  for (int i = 0; i < 3; ++i) {
    auto ev = reader.finish();
    if (!ev) return 0;
    if (ev.value().kind == MessageEventKind::kEnd) break;
  }
  check(seen == reader.payload_bytes() && seen <= limits.max_message_size);
  check(validate_header(reader.header(), limits).ok());
  return 0;
}

int datagram(const uint8_t* data, size_t size) {
  MessageLimits limits;
  auto d = decode_datagram({data, size}, limits);
  if (!d || d.value().kind != DatagramKind::kMessage) return 0;
  MessageWriter writer{Settings{}};
  auto again = writer.encode_datagram(d.value().header, d.value().payload, 1 << 20);
  check(again.ok());
  auto d2 = decode_datagram(again.value(), limits);
  check(d2.ok() && d2.value().header == d.value().header &&
        std::equal(d2.value().payload.begin(), d2.value().payload.end(), d.value().payload.begin(),
                   d.value().payload.end()));
  return 0;
}

// Interprets the input as a script of shard operations on a few small messages and checks
// that reserved memory never exceeds the cap and every message finishes at most once.
int shard_reassembler(const uint8_t* data, size_t size) {
  ShardReassemblerConfig config;
  config.memory_cap = 64 * 1024;
  config.max_messages = 4;
  config.idle_timeout_ms = 50;
  config.max_lifetime_ms = 200;
  ShardReassembler r(sha256(), config);
  ByteReader in({data, size});
  uint64_t now = 0;
  uint8_t op = 0;
  while (in.u8(op)) {
    uint8_t a = 0, b = 0;
    if (!in.u8(a) || !in.u8(b)) break;
    const uint64_t id = a % 6, count = 1 + b % 4, index = (b >> 2) % count;
    const uint64_t total = (uint64_t{a} << 4) + b;  // up to 4 KiB + a bit
    MessageHeader h;
    h.shard = ShardFrame{id, index, count, total, 0, 0, {}};
    // Near-equal split, like split_message.
    const uint64_t base = total / count, extra = total % count;
    h.shard->offset = index * base + std::min(index, extra);
    h.shard->length = base + (index < extra ? 1 : 0);
    h.shard->message_hash[0] = static_cast<uint8_t>(op);
    std::vector<uint8_t> bytes(op % 64, static_cast<uint8_t>(a));
    switch (op % 5) {
      case 0:
        (void)r.on_shard_begin(h, now);
        break;
      case 1:
        (void)r.on_shard_data(id, index, bytes, now);
        break;
      case 2:
        (void)r.on_shard_end(id, index, now);
        break;
      case 3:
        now += op;
        r.on_timer(now);
        break;
      case 4:
        r.on_shard_abandoned(id, index);
        break;
    }
    check(r.memory_reserved() <= config.memory_cap);
    check(r.messages_in_progress() <= config.max_messages);
  }
  while (r.poll_event()) {
  }
  return 0;
}

// Interprets the input as records `op (1) | len (1) | bytes (len)` driving a Session:
// stream data (4 stream ids, bit 0x80 = FIN), datagrams, stream resets and timer ticks.
// Checks that buffered memory stays under the caps and that errors are final.
int session(const uint8_t* data, size_t size) {
  SessionConfig config;
  config.message_buffer_cap = 8192;
  config.reassembly.memory_cap = 64 * 1024;
  config.reassembly.idle_timeout_ms = 100;
  Session s(sha256(), config);
  ByteReader in({data, size});
  uint64_t now = 1000;
  bool dead = false;
  uint8_t op = 0, len = 0;
  std::span<const uint8_t> bytes;
  while (in.u8(op) && in.u8(len) && in.bytes(std::min<size_t>(len, in.remaining()), bytes)) {
    const int64_t stream = 3 + 4 * ((op >> 2) & 3);
    bool failed = false;
    switch (op & 3) {
      case 0:
        failed = !s.on_uni_stream(stream, bytes, (op & 0x80) != 0, now).ok();
        break;
      case 1:
        failed = !s.on_datagram(bytes, now).ok();
        break;
      case 2:
        failed = !s.on_uni_stream_reset(stream, now).ok();
        break;
      case 3:
        now += len;
        s.on_timer(now);
        break;
    }
    check(!dead || failed || (op & 3) == 3);  // once failed, every input call fails
    dead = dead || failed;
    check(s.buffered_bytes() <= config.message_buffer_cap);
    check(s.reassembly_stats().completed <= 1000000);
    while (s.poll_event()) {
    }
  }
  return 0;
}

std::span<const Entry> entries() {
  static constexpr Entry kEntries[] = {
      {"varint", varint},
      {"settings", settings},
      {"token", token},
      {"shard", shard},
      {"hop", hop},
      {"seed", seed},
      {"falcon_key", falcon_key},
      {"falcon_sig", falcon_sig},
      {"frame_decoder", frame_decoder},
      {"control_stream", control_stream},
      {"message_reader", message_reader},
      {"datagram", datagram},
      {"shard_reassembler", shard_reassembler},
      {"session", session},
  };
  return kEntries;
}

}  // namespace stoq::proto::fuzz

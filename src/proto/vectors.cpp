#include "vectors.h"

#include "proto/control_stream.h"
#include "proto/frame.h"
#include "proto/message_writer.h"
#include "proto/signature.h"
#include "proto/test_util.h"

namespace stoq::proto::test {
namespace {

Digest counting(uint8_t start) {
  Digest d;
  for (size_t i = 0; i < d.size(); ++i) d[i] = static_cast<uint8_t>(start + i);
  return d;
}

}  // namespace

std::vector<NamedVector> documented_vectors() {
  std::vector<NamedVector> v;
  auto add = [&](std::string name, std::string desc, std::vector<uint8_t> bytes) {
    v.push_back({std::move(name), std::move(desc), std::move(bytes)});
  };
  std::vector<uint8_t> out;

  // SETTINGS with every default value.
  Settings defaults;
  defaults.encode(out);
  add("settings", "SETTINGS carrying every setting at its default value", out);

  // Control stream preface with non-default settings.
  Settings s;
  s.max_frame_size = 16384;
  s.max_shard_count = 16;
  s.extensions = kExtToken | kExtShard | kExtSignature;
  s.falcon_key_hint = 0x0123456789abcdef;
  add("control_preface",
      "control stream start: stream type 0x53, then SETTINGS with max_frame_size 16384, "
      "max_shard_count 16, extensions 0x13, falcon_key_hint 0x0123456789abcdef, others default",
      control_stream_preface(s));

  // TOKEN for the payload "hello", sequence 1, timestamp 1764072000000 (2025-11-25T12:00Z).
  const std::vector<uint8_t> hello = {'h', 'e', 'l', 'l', 'o'};
  const TokenFrame token = TokenFrame::make(test_sha256(), hello, 1, 1764072000000);
  out.clear();
  token.encode(out);
  add("token",
      "TOKEN for payload \"hello\" (SHA-256 2cf24dba...), sequence 1, timestamp_ms 1764072000000",
      out);

  ShardFrame shard{0x1122334455667788, 1, 3, 100000, 33334, 33333, counting(0)};
  out.clear();
  shard.encode(out);
  add("shard",
      "SHARD message_id 0x1122334455667788, index 1 of 3, total_length 100000, offset 33334, "
      "length 33333, message_hash 00 01 02 .. 1f",
      out);

  HopFrame hop;
  hop.hop_limit = 4;
  const uint8_t v4[4] = {192, 0, 2, 7};
  const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  const uint8_t relay[3] = {'r', 'l', 'y'};
  hop.route.push_back(NodeAddress::ipv6(v6, 4433));
  hop.record.push_back({NodeAddress::ipv4(v4, 443), 1764072000000});
  hop.record.push_back({NodeAddress::node_id(relay), 1764072000250});
  out.clear();
  hop.encode(out);
  add("hop",
      "HOP hop_limit 4, route [2001:db8::1 port 4433], record [192.0.2.7 port 443 at "
      "1764072000000, node id \"rly\" at 1764072000250]",
      out);

  SeedFrame seed{SeedOp::kStore, counting(0xa0), 3, 7, 1048576};
  out.clear();
  seed.encode(out);
  add("seed",
      "SEED store, content_hash a0 a1 .. bf, replication_factor 3, priority 7, "
      "content_length 1048576",
      out);

  // A Falcon-512-sized dummy key (897 bytes of 0x5a): format only, not a real key.
  const std::vector<uint8_t> pk(897, 0x5a);
  out.clear();
  FalconKeyFrame::raw(test_sha256(), FalconAlgorithm::kFalcon512, pk).encode(out);
  add("falcon_key",
      "FALCON_KEY Falcon-512 raw key of 897 bytes 0x5a (a format example, not a valid key); "
      "key_id = SHA-256 of those bytes",
      out);

  FalconSigFrame sig{counting(0x40), std::vector<uint8_t>(40, 0x39)};
  out.clear();
  sig.encode(out);
  add("falcon_sig", "FALCON_SIG key_id 40 41 .. 5f, 40-byte signature of 0x39 (format example)",
      out);

  out.clear();
  append_frame(out, to_wire(FrameType::kData), hello);
  add("data", "DATA carrying \"hello\"", out);

  out.clear();
  append_grease_frame(out, 0x0302);
  add("grease",
      "grease frame for random value 0x302: type 0x1f * 0x302 + 0x21 = 0x5d5f, "
      "3 payload bytes",
      out);

  // Signed portion for the TOKEN above, with key id 40..5f, unsharded.
  add("signed_portion", "signed portion for key_id 40 41 .. 5f and the TOKEN vector, no SHARD",
      signed_bytes(counting(0x40), token, nullptr));

  // A complete message stream: TOKEN + DATA "hello".
  MessageHeader header;
  header.token = token;
  Settings peer;
  auto stream = MessageWriter(peer).encode_stream(header, hello);
  add("message_stream", "message stream: type 0x4d, the TOKEN vector, DATA \"hello\", then FIN",
      stream.ok() ? stream.value() : std::vector<uint8_t>{});

  auto dg = MessageWriter(peer).encode_datagram(header, hello, 1200);
  add("message_datagram", "DATAGRAM payload: tag 0x4d, the TOKEN vector, DATA \"hello\"",
      dg.ok() ? dg.value() : std::vector<uint8_t>{});
  return v;
}

}  // namespace stoq::proto::test

// Runs every decoder's fuzz entry over its checked-in seed corpus
// (fuzz/corpus/proto_<name>/) and over deterministic pseudo-random mutations of it, so the
// fuzz targets are exercised by the normal test suite (without libFuzzer).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "proto/fuzz_entries.h"

namespace stoq::proto {
namespace fuzz {
// Test names carry the decoder name; this keeps gtest from dumping the struct's bytes.
void PrintTo(const Entry& e, std::ostream* os) {
  *os << e.name;
}
}  // namespace fuzz
namespace {

namespace fs = std::filesystem;

std::vector<std::vector<uint8_t>> load_corpus(std::string_view name) {
  std::vector<std::vector<uint8_t>> out;
  const fs::path dir = fs::path(STOQ_PROTO_CORPUS_DIR) / ("proto_" + std::string(name));
  if (!fs::is_directory(dir)) return out;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());  // deterministic order
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

std::vector<uint8_t> mutate(const std::vector<uint8_t>& in, std::mt19937_64& rng) {
  std::vector<uint8_t> out = in;
  const int edits = 1 + rng() % 4;
  for (int i = 0; i < edits; ++i) {
    switch (rng() % 6) {
      case 0:  // flip a bit
        if (!out.empty()) out[rng() % out.size()] ^= uint8_t(1u << (rng() % 8));
        break;
      case 1:  // set an interesting byte
        if (!out.empty()) {
          static constexpr uint8_t kBytes[] = {0x00, 0x01, 0x3f, 0x40, 0x7f,
                                               0x80, 0xbf, 0xc0, 0xff};
          out[rng() % out.size()] = kBytes[rng() % std::size(kBytes)];
        }
        break;
      case 2:  // truncate
        if (!out.empty()) out.resize(rng() % out.size());
        break;
      case 3:  // insert random bytes
        for (int n = rng() % 8; n > 0; --n)
          out.insert(out.begin() + (out.empty() ? 0 : rng() % (out.size() + 1)), uint8_t(rng()));
        break;
      case 4:  // duplicate a slice
        if (out.size() > 2) {
          const size_t a = rng() % out.size(),
                       len = 1 + rng() % std::min<size_t>(64, out.size() - a);
          std::vector<uint8_t> slice(out.begin() + a, out.begin() + a + len);
          out.insert(out.begin() + rng() % out.size(), slice.begin(), slice.end());
        }
        break;
      case 5:  // erase a slice
        if (out.size() > 2) {
          const size_t a = rng() % out.size(), len = 1 + rng() % (out.size() - a);
          out.erase(out.begin() + a, out.begin() + a + len);
        }
        break;
    }
  }
  return out;
}

class FuzzReplay : public ::testing::TestWithParam<fuzz::Entry> {};

TEST_P(FuzzReplay, CorpusAndMutations) {
  const fuzz::Entry& entry = GetParam();
  const auto corpus = load_corpus(entry.name);
  ASSERT_FALSE(corpus.empty()) << "no seed corpus for " << entry.name << " in "
                               << STOQ_PROTO_CORPUS_DIR;
  for (const auto& input : corpus) entry.run(input.data(), input.size());
  std::mt19937_64 rng(0x5354'4f51 ^ std::hash<std::string_view>{}(entry.name));
  constexpr int kMutations = 3000;
  for (int i = 0; i < kMutations; ++i) {
    auto m = mutate(corpus[i % corpus.size()], rng);
    entry.run(m.data(), m.size());
  }
  // Pure noise too.
  for (int i = 0; i < 200; ++i) {
    std::vector<uint8_t> noise(rng() % 256);
    for (auto& b : noise) b = uint8_t(rng());
    entry.run(noise.data(), noise.size());
  }
}

INSTANTIATE_TEST_SUITE_P(Proto, FuzzReplay,
                         ::testing::ValuesIn(fuzz::entries().begin(), fuzz::entries().end()),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace stoq::proto

// Regenerates the seed corpus (run once by hand; the files are checked in):
//   proto_test --gtest_also_run_disabled_tests --gtest_filter='*WriteSeedCorpus*'
#include "proto/control_stream.h"
#include "proto/message_writer.h"
#include "test_util.h"

namespace stoq::proto {
namespace {

using test::sha256;
using test::test_sha256;

void write_seeds(std::string_view name, const std::vector<std::vector<uint8_t>>& seeds) {
  const fs::path dir = fs::path(STOQ_PROTO_CORPUS_DIR) / ("proto_" + std::string(name));
  fs::create_directories(dir);
  for (size_t i = 0; i < seeds.size(); ++i) {
    char file[32];
    std::snprintf(file, sizeof file, "seed-%02zu", i);
    std::ofstream out(dir / file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(seeds[i].data()), std::streamsize(seeds[i].size()));
  }
}

std::vector<uint8_t> payload_of(const std::vector<uint8_t>& frame) {
  ByteReader r(frame);
  auto f = read_frame(r, kMaxMaxFrameSize);
  return {f.value().payload.begin(), f.value().payload.end()};
}

template <class T>
std::vector<uint8_t> frame_payload(const T& value) {
  std::vector<uint8_t> out;
  value.encode(out);
  return payload_of(out);
}

std::vector<uint8_t> control_preface_bytes(const Settings& s) {
  return control_stream_preface(s, 5);
}

TEST(FuzzCorpus, DISABLED_WriteSeedCorpus) {
  using test::digest_filled;
  using test::pattern;
  std::vector<std::vector<uint8_t>> s;
  for (uint64_t v : {uint64_t{0}, uint64_t{37}, uint64_t{16383}, uint64_t{1} << 29, kVarintMax}) {
    s.emplace_back();
    append_varint(s.back(), v);
  }
  write_seeds("varint", s);

  Settings custom;
  custom.max_frame_size = 8192;
  custom.extensions = kExtToken | kExtShard;
  custom.falcon_key_hint = 12345;
  std::vector<uint8_t> a, b;
  Settings{}.encode(a);
  custom.encode(b, 0xabcdef);
  write_seeds("settings", {payload_of(a), payload_of(b), {}});

  const auto p = pattern(64);
  write_seeds("token",
              {frame_payload(TokenFrame::make(test_sha256(), p, 1, 2)),
               frame_payload(TokenFrame{digest_filled(0xff), ~uint64_t{0}, ~uint64_t{0}})});
  write_seeds("shard", {frame_payload(ShardFrame{1, 0, 1, 64, 0, 64, sha256(p)}),
                        frame_payload(ShardFrame{~uint64_t{0}, 15, 16, 1u << 30, 1u << 20, 1u << 16,
                                                 digest_filled(1)})});
  HopFrame hop;
  hop.hop_limit = 5;
  const uint8_t v4[4] = {10, 1, 2, 3};
  const uint8_t v6[16] = {0xfe, 0x80};
  const uint8_t id[5] = {'n', 'o', 'd', 'e', '1'};
  hop.route = {NodeAddress::ipv4(v4, 443), NodeAddress::node_id(id)};
  hop.record = {{NodeAddress::ipv6(v6, 4433), 1764072000000}};
  write_seeds("hop", {frame_payload(hop), frame_payload(HopFrame{})});
  write_seeds("seed", {frame_payload(SeedFrame{SeedOp::kStore, sha256(p), 3, 9, 64}),
                       frame_payload(SeedFrame{SeedOp::kFetch, sha256(p), 0, 0, 0}),
                       frame_payload(SeedFrame{SeedOp::kHave, sha256(p), 1, 255, 64})});
  write_seeds(
      "falcon_key",
      {frame_payload(FalconKeyFrame::raw(test_sha256(), FalconAlgorithm::kFalcon512, pattern(897))),
       frame_payload(
           FalconKeyFrame::raw(test_sha256(), FalconAlgorithm::kFalcon1024, pattern(1793))),
       frame_payload(FalconKeyFrame{FalconAlgorithm::kFalcon1024, digest_filled(2),
                                    KeyEncoding::kCertificateChain, pattern(300)})});
  write_seeds("falcon_sig", {frame_payload(FalconSigFrame{digest_filled(3), pattern(666)}),
                             frame_payload(FalconSigFrame{digest_filled(3), pattern(1462)})});

  // Streams of frames.
  std::vector<uint8_t> frames;
  Settings{}.encode(frames);
  append_grease_frame(frames, 0x0504);
  TokenFrame::make(test_sha256(), p, 1, 2).encode(frames);
  append_frame(frames, to_wire(FrameType::kData), p);
  append_frame(frames, 0x1234, p);
  HopFrame{}.encode(frames);
  write_seeds("frame_decoder", {frames});

  auto control = control_stream_preface(custom, 77);
  control.erase(control.begin(), control.begin() + 2);
  auto control_key = control;
  FalconKeyFrame::raw(test_sha256(), FalconAlgorithm::kFalcon512, pattern(897)).encode(control_key);
  write_seeds("control_stream", {control, control_key});

  MessageHeader full;
  full.token = TokenFrame::make(test_sha256(), p, 1, 2);
  full.hop = hop;
  full.seed = SeedFrame{SeedOp::kStore, sha256(p), 3, 9, 64};
  full.signature = FalconSigFrame{digest_filled(3), pattern(40)};
  MessageHeader sharded;
  sharded.shard = split_message(test_sha256(), p, 2, 9).value()[1];
  Settings small;
  small.max_frame_size = 4096;
  MessageWriter w(small);
  auto m1 = w.encode_stream(full, p, 0x99).value();
  auto m2 = w.encode_stream(sharded, std::span<const uint8_t>(p).subspan(32)).value();
  auto m3 = w.encode_stream({}, pattern(9000)).value();
  for (auto* m : {&m1, &m2, &m3}) m->erase(m->begin(), m->begin() + 2);
  write_seeds("message_reader", {m1, m2, m3});

  MessageHeader dh;
  dh.token = full.token;
  std::vector<uint8_t> app = {0x00, 'h', 'i'};
  write_seeds("datagram", {w.encode_datagram(dh, p, 1200).value(),
                           w.encode_datagram({}, pattern(3), 1200).value(), app});

  // Scripts for the reassembler entry: triples (op, a, b); op % 5 selects begin, data,
  // end, timer, abandon.
  // Session scripts: records op | len | bytes (see fuzz_entries.cpp).
  auto record = [](std::vector<uint8_t>& out, uint8_t op, std::span<const uint8_t> bytes) {
    while (true) {
      const size_t n = std::min<size_t>(bytes.size(), 255);
      out.push_back(bytes.size() <= 255 ? op : static_cast<uint8_t>(op & 0x7f));
      out.push_back(static_cast<uint8_t>(n));
      out.insert(out.end(), bytes.begin(), bytes.begin() + n);
      bytes = bytes.subspan(n);
      if (bytes.empty()) break;
    }
  };
  std::vector<uint8_t> sess;
  record(sess, 0x00, control_preface_bytes(custom));
  auto ms = w.encode_stream(full, p).value();
  record(sess, 0x84, ms);
  record(sess, 0x01, w.encode_datagram(dh, p, 1200).value());
  auto shards = split_message(test_sha256(), p, 2, 3).value();
  for (uint8_t i = 0; i < 2; ++i) {
    MessageHeader sh;
    sh.shard = shards[i];
    record(
        sess, static_cast<uint8_t>(0x88 + 4 * i),
        w.encode_stream(sh, std::span<const uint8_t>(p).subspan(shards[i].offset, shards[i].length))
            .value());
  }
  record(sess, 0x03, std::vector<uint8_t>(200, 0));
  write_seeds("session", {sess});

  write_seeds("shard_reassembler",
              {{0, 1, 4, 1, 1, 4, 5, 1, 4, 2, 1, 4, 3, 1, 4},
               {0, 2, 1, 0, 2, 5, 1, 2, 1, 6, 2, 5, 2, 2, 1, 2, 2, 5, 8, 0, 0},
               {0, 3, 0, 0, 9, 0, 0, 15, 0, 0, 21, 0, 0, 27, 0, 3, 200, 0, 4, 3, 0}});
}

}  // namespace
}  // namespace stoq::proto

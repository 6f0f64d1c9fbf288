// Known-answer tests: regenerate the NIST round-3 .rsp files bit for bit.
#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/falcon/ctr_drbg.h"
#include "crypto/falcon/falcon.h"
#include "crypto/falcon/test_sha256.h"

namespace stoq::falcon {
namespace {

using detail::CtrDrbg;
using test::to_hex;

constexpr const char* kSha512 = "dd75c946fdedef4ec46a2bee7e10c65c9126f1a839b9ced6921fd45f7354b5cd";
constexpr const char* kSha1024 = "036a0bf5260573cec44977284dfef756cd1143db9961b981bd1fb55828acb20d";

struct Record {
  std::map<std::string, std::string> fields;
};

std::string hex(const std::vector<std::uint8_t>& v) {
  return to_hex(v.data(), v.size(), true);
}

// Regenerates records [0, count) in .rsp text form, as the NIST harness writes them.
std::vector<std::string> regenerate(Level level, int count) {
  std::array<std::uint8_t, 48> entropy{};
  for (int i = 0; i < 48; ++i) entropy[i] = static_cast<std::uint8_t>(i);
  CtrDrbg master(entropy);
  std::vector<std::string> out;
  for (int c = 0; c < count; ++c) {
    std::array<std::uint8_t, 48> seed{};
    master.generate(seed);
    std::vector<std::uint8_t> msg(33 * static_cast<std::size_t>(c + 1));
    master.generate(msg);

    CtrDrbg drbg(seed);
    const RandomSource rng = [&drbg](std::span<std::uint8_t> b) {
      drbg.generate(b);
      return true;
    };
    auto kp = generate_keypair(level, rng);
    EXPECT_TRUE(kp.ok());
    if (!kp.ok()) return out;
    auto sm = sign_message(kp->secret_key, msg, rng);
    EXPECT_TRUE(sm.ok());
    if (!sm.ok()) return out;
    // The signed message must open with the public key.
    auto opened = open_message(kp->public_key, sm.value());
    EXPECT_TRUE(opened.ok()) << "record " << c << ": " << opened.error().message();

    const auto pk = kp->public_key.bytes();
    const auto sk = kp->secret_key.bytes();
    std::ostringstream r;
    r << "count = " << c << "\n"
      << "seed = " << to_hex(seed.data(), seed.size(), true) << "\n"
      << "mlen = " << msg.size() << "\n"
      << "msg = " << hex(msg) << "\n"
      << "pk = " << to_hex(pk.data(), pk.size(), true) << "\n"
      << "sk = " << to_hex(sk.data(), sk.size(), true) << "\n"
      << "smlen = " << sm->size() << "\n"
      << "sm = " << hex(sm.value()) << "\n\n";
    out.push_back(r.str());
  }
  return out;
}

const std::vector<std::string>& full_file_records(Level level) {
  static std::map<Level, std::vector<std::string>> cache;
  auto it = cache.find(level);
  if (it == cache.end()) it = cache.emplace(level, regenerate(level, 100)).first;
  return it->second;
}

std::string header(Level level) {
  return level == Level::k512 ? "# Falcon-512\n\n" : "# Falcon-1024\n\n";
}

std::vector<Record> parse(const std::string& text) {
  std::vector<Record> recs;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find(" = ");
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq);
    if (key == "count") recs.emplace_back();
    if (!recs.empty()) recs.back().fields[key] = line.substr(eq + 3);
  }
  return recs;
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  out = ss.str();
  return true;
}

std::string kat_path(Level level) {
  return std::string(STOQ_FALCON_KAT_DIR) +
         (level == Level::k512 ? "/falcon512-KAT.rsp" : "/falcon1024-KAT.rsp");
}

// Compares generated records against the official file; names the first differing field.
void compare_records(Level level, const std::vector<std::string>& generated) {
  std::string official;
  if (!read_file(kat_path(level), official)) {
    GTEST_SKIP() << "KAT file not present: " << kat_path(level);
  }
  std::string gen_text;
  for (const auto& r : generated) gen_text += r;
  const auto want = parse(official);
  const auto got = parse(gen_text);
  ASSERT_GE(want.size(), got.size());
  static const char* kOrder[] = {"count", "seed", "mlen", "msg", "pk", "sk", "smlen", "sm"};
  for (std::size_t i = 0; i < got.size(); ++i) {
    for (const char* key : kOrder) {
      const auto& a = got[i].fields.at(key);
      const auto& b = want[i].fields.at(key);
      if (a != b) {
        std::size_t pos = 0;
        while (pos < a.size() && pos < b.size() && a[pos] == b[pos]) ++pos;
        FAIL() << "record " << i << ": first differing field '" << key << "' at hex offset " << pos
               << " (byte " << pos / 2 << ")";
      }
    }
  }
}

TEST(FalconKat, Record0Falcon512) {
  compare_records(Level::k512, regenerate(Level::k512, 1));
}

TEST(FalconKat, Record0Falcon1024) {
  compare_records(Level::k1024, regenerate(Level::k1024, 1));
}

void full_file_check(Level level, const char* expected_sha) {
  const auto& recs = full_file_records(level);
  ASSERT_EQ(recs.size(), 100u);
  std::string text = header(level);
  for (const auto& r : recs) text += r;
  const auto digest = test::sha256(text);
  EXPECT_EQ(to_hex(digest.data(), digest.size(), false), expected_sha);
}

TEST(FalconKat, FullFileSha256Falcon512) {
  full_file_check(Level::k512, kSha512);
}
TEST(FalconKat, FullFileSha256Falcon1024) {
  full_file_check(Level::k1024, kSha1024);
}

TEST(FalconKat, RecordByRecordFalcon512) {
  compare_records(Level::k512, full_file_records(Level::k512));
}
TEST(FalconKat, RecordByRecordFalcon1024) {
  compare_records(Level::k1024, full_file_records(Level::k1024));
}

TEST(FalconKat, Sha256SelfTest) {
  const auto d = test::sha256("abc");
  EXPECT_EQ(to_hex(d.data(), d.size(), false),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace stoq::falcon

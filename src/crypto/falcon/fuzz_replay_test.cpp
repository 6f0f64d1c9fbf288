// Runs the libFuzzer entry points over a generated corpus (valid encodings, bit flips,
// truncations, random bytes) and over the checked-in seeds (fuzz/corpus/falcon_*) so they
// are exercised in every test run, fuzz build or not.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "crypto/falcon/falcon.h"
#include "crypto/falcon/fuzz_entries.h"
#include "crypto/falcon/shake256.h"

namespace stoq::falcon {
namespace {

std::vector<std::vector<std::uint8_t>> corpus_from(const std::vector<std::uint8_t>& valid,
                                                   std::uint32_t seed) {
  std::vector<std::vector<std::uint8_t>> out{valid, {}};
  std::mt19937 rng(seed);
  for (int i = 0; i < 40; ++i) {
    auto m = valid;
    if (!m.empty()) m[rng() % m.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    out.push_back(m);
  }
  for (std::size_t cut : {std::size_t{1}, std::size_t{2}, valid.size() / 2, valid.size() - 1}) {
    if (cut <= valid.size())
      out.emplace_back(valid.begin(), valid.begin() + static_cast<std::ptrdiff_t>(cut));
  }
  for (int i = 0; i < 20; ++i) {
    std::vector<std::uint8_t> r(rng() % 1800);
    for (auto& b : r) b = static_cast<std::uint8_t>(rng());
    out.push_back(r);
  }
  return out;
}

RandomSource fixed(std::uint8_t tag) {
  auto xof = std::make_shared<detail::Shake256>();
  const std::uint8_t s[1] = {tag};
  xof->inject(s);
  xof->flip();
  return [xof](std::span<std::uint8_t> o) {
    xof->extract(o);
    return true;
  };
}

TEST(FalconFuzzReplay, AllEntryPoints) {
  for (Level level : {Level::k512, Level::k1024}) {
    auto kp = generate_keypair(level, fixed(static_cast<std::uint8_t>(level == Level::k512)));
    ASSERT_TRUE(kp.ok());
    const auto pkb = kp->public_key.bytes();
    for (const auto& in : corpus_from({pkb.begin(), pkb.end()}, 1)) {
      EXPECT_EQ(fuzz::public_key(in.data(), in.size()), 0);
    }
    const std::vector<std::uint8_t> msg = {'x'};
    auto sig = sign(kp->secret_key, msg, fixed(9));
    ASSERT_TRUE(sig.ok());
    const std::vector<std::uint8_t> comp(sig->bytes().begin() + 41, sig->bytes().end());
    for (const auto& in : corpus_from(comp, 2)) {
      EXPECT_EQ(fuzz::signature(in.data(), in.size()), 0);
    }
    std::vector<std::uint8_t> vin = {static_cast<std::uint8_t>(level == Level::k1024), 0, 20};
    vin.insert(vin.end(), 30, 0x11);
    for (const auto& in : corpus_from(vin, 3)) {
      EXPECT_EQ(fuzz::verify(in.data(), in.size()), 0);
    }
  }
}

// The seeds scripts/test hands to fuzz_falcon_<name> (fuzz/corpus/falcon_<name>/).
std::vector<std::vector<std::uint8_t>> checked_in_seeds(const std::string& name) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  const fs::path dir = fs::path(STOQ_FALCON_CORPUS_DIR) / ("falcon_" + name);
  if (fs::is_directory(dir)) {
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<std::vector<std::uint8_t>> out;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

TEST(FalconFuzzReplay, CheckedInSeeds) {
  const struct {
    const char* name;
    int (*entry)(const std::uint8_t*, std::size_t);
  } targets[] = {{"pubkey", fuzz::public_key}, {"sig", fuzz::signature}, {"verify", fuzz::verify}};
  for (const auto& t : targets) {
    const auto seeds = checked_in_seeds(t.name);
    EXPECT_FALSE(seeds.empty()) << "no seeds in fuzz/corpus/falcon_" << t.name;
    for (const auto& in : seeds) EXPECT_EQ(t.entry(in.data(), in.size()), 0);
  }
}

}  // namespace
}  // namespace stoq::falcon

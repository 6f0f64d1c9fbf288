// Runs the libFuzzer entry points over a generated corpus (valid encodings, bit flips,
// truncations, random bytes) so they are exercised in every test run, fuzz build or not.
#include <gtest/gtest.h>

#include <memory>
#include <random>
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

}  // namespace
}  // namespace stoq::falcon

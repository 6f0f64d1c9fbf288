// Runs each provider fuzz entry over its checked-in seed corpus (fuzz/corpus/provider_*/)
// and over deterministic mutations of it, so the fuzz targets also run without libFuzzer.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "provider/fuzz_entries.h"
#include "provider/test_libctx.h"

namespace stoq::provider {
namespace {

namespace fs = std::filesystem;

std::vector<std::vector<std::uint8_t>> load_corpus(std::string_view name) {
  std::vector<std::vector<std::uint8_t>> out;
  const fs::path dir = fs::path(STOQ_PROVIDER_CORPUS_DIR) / ("provider_" + std::string(name));
  std::vector<fs::path> files;
  if (fs::is_directory(dir)) {
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.is_regular_file()) files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

std::vector<std::uint8_t> mutate(const std::vector<std::uint8_t>& in, std::mt19937_64& rng) {
  std::vector<std::uint8_t> out = in;
  switch (rng() % 4) {
    case 0:
      if (!out.empty()) out[rng() % out.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
      break;
    case 1:
      if (!out.empty()) out.resize(rng() % out.size());
      break;
    case 2:
      if (!out.empty()) out[rng() % std::min<std::size_t>(out.size(), 24)] = 0x80;
      break;
    default:
      out.insert(out.begin() + static_cast<long>(rng() % (out.size() + 1)),
                 static_cast<std::uint8_t>(rng()));
      break;
  }
  return out;
}

TEST(ProviderFuzzReplay, CorporaAndMutations) {
  test::LibCtx ctx;
  ASSERT_TRUE(ctx.ok()) << test::drain_errors();
  std::mt19937_64 rng(20261125);
  for (const auto& entry : fuzz::entries()) {
    SCOPED_TRACE(std::string(entry.name));
    const auto corpus = load_corpus(entry.name);
    ASSERT_GE(corpus.size(), 4u) << "seed corpus missing for provider_" << entry.name;
    for (const auto& input : corpus) {
      entry.run(ctx.get(), input.data(), input.size());
      for (int i = 0; i < 12; ++i) {
        const auto m = mutate(input, rng);
        entry.run(ctx.get(), m.data(), m.size());
      }
    }
  }
}

}  // namespace
}  // namespace stoq::provider

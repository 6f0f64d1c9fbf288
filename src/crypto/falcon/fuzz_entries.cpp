#include "crypto/falcon/fuzz_entries.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "crypto/falcon/codec.h"
#include "crypto/falcon/falcon.h"
#include "crypto/falcon/shake256.h"

namespace stoq::falcon::fuzz {
namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

// Deterministic RNG so fuzz runs are reproducible.
RandomSource fixed_rng(std::uint8_t tag) {
  auto xof = std::make_shared<detail::Shake256>();
  const std::uint8_t seed[2] = {0xF0, tag};
  xof->inject(seed);
  xof->flip();
  return [xof](std::span<std::uint8_t> out) {
    xof->extract(out);
    return true;
  };
}

struct Fixture {
  KeyPair pair;
  std::vector<std::uint8_t> message;
  std::vector<std::uint8_t> signature;
};

const Fixture& fixture(Level level) {
  static const auto make = [](Level l) {
    auto kp = generate_keypair(l, fixed_rng(l == Level::k512 ? 1 : 2));
    require(kp.ok());
    std::vector<std::uint8_t> msg = {'f', 'u', 'z', 'z'};
    auto sig = sign(kp->secret_key, msg, fixed_rng(3));
    require(sig.ok());
    std::vector<std::uint8_t> s(sig->bytes().begin(), sig->bytes().end());
    return Fixture{std::move(kp).value(), std::move(msg), std::move(s)};
  };
  static const Fixture f512 = make(Level::k512);
  static const Fixture f1024 = make(Level::k1024);
  return level == Level::k512 ? f512 : f1024;
}

}  // namespace

namespace {

void check_public_key(std::span<const std::uint8_t> in) {
  auto pk = PublicKey::decode(in);
  if (!pk.ok()) return;
  const unsigned logn = pk->level() == Level::k512 ? 9 : 10;
  std::array<std::uint16_t, 1024> h{};
  require(detail::modq_decode(h.data(), logn, in.subspan(1)) == in.size() - 1);
  std::vector<std::uint8_t> again(in.size() - 1);
  require(detail::modq_encode(again, h.data(), logn) == in.size() - 1);
  require(std::equal(again.begin(), again.end(), in.begin() + 1));
}

}  // namespace

int public_key(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  check_public_key(in);
  // Also as a body of the right length for each level, so random inputs reach the
  // coefficient decoder: header byte from the input, body zero-extended or cut.
  if (size >= 1) {
    for (const Level level : {Level::k512, Level::k1024}) {
      std::vector<std::uint8_t> framed(sizes(level).public_key, 0);
      std::copy_n(in.begin(), std::min(size, framed.size()), framed.begin());
      if ((framed[0] & 0x0F) == 0) framed[0] = level == Level::k512 ? 9 : 10;
      check_public_key(framed);
    }
  }
  return 0;
}

int signature(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  for (unsigned logn : {9u, 10u}) {
    std::array<std::int16_t, 1024> s2{};
    const std::size_t used = detail::comp_decode(s2.data(), logn, in);
    if (used == 0) continue;
    std::vector<std::uint8_t> again(used);
    require(detail::comp_encode(again, s2.data(), logn) == used);
    require(std::equal(again.begin(), again.end(), in.begin()));
  }
  return 0;
}

int verify(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const Fixture& fx = fixture((data[0] & 1) != 0 ? Level::k1024 : Level::k512);
  const std::size_t sig_len = ((static_cast<std::size_t>(data[1]) << 8) | data[2]);
  const std::span<const std::uint8_t> rest(data + 3, size - 3);
  const std::size_t cut = std::min(sig_len, rest.size());
  // Signature = fuzz bytes XORed onto the valid signature, so the fuzzer starts near it.
  std::vector<std::uint8_t> sig(std::max(cut, fx.signature.size()), 0);
  std::copy(fx.signature.begin(), fx.signature.end(), sig.begin());
  for (std::size_t i = 0; i < cut; ++i) sig[i] ^= rest[i];
  sig.resize(cut == 0 ? fx.signature.size() : cut);
  const auto msg = rest.subspan(cut);
  (void)stoq::falcon::verify(fx.pair.public_key, msg, sig);
  require(!stoq::falcon::verify(fx.pair.public_key, fx.message, fx.signature));
  return 0;
}

}  // namespace stoq::falcon::fuzz

// Constant-time check for signing, run under valgrind memcheck by the `ct` ctest label.
//
// The private key (f, g, F, G) is marked undefined with VALGRIND_MAKE_MEM_UNDEFINED; memcheck
// then reports every conditional jump and every memory address that depends on it. The
// library is built with STOQ_FALCON_CT_CHECK for this program, which declassifies exactly
// the values the algorithm makes public by design (ct_check.h):
//   - each BerExp byte comparison and each rejection-sampling accept/reject outcome,
//   - the signature norm check that decides whether to restart,
//   - the signature s2 itself once signing returns (it is the public output).
// Any other report makes valgrind exit with status 1 and the test fail. Two passes: the
// key expansion and signing core on poisoned (f, g, F, G) arrays, then the public API (sign
// in both formats and sign_message) with the expanded keys inside a SecretKey poisoned.
// Exit code 77 (ctest SKIP_RETURN_CODE) when not running under valgrind.
// `--canary` branches on a poisoned byte on purpose: the falcon_ct_valgrind_canary test
// expects valgrind to fail, proving the harness does detect a leak.
#include <valgrind/valgrind.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "crypto/falcon/ct_check.h"
#include "crypto/falcon/falcon.h"
#include "crypto/falcon/hash_to_point.h"
#include "crypto/falcon/key_access.h"
#include "crypto/falcon/keygen.h"
#include "crypto/falcon/shake256.h"
#include "crypto/falcon/sign.h"
#include "crypto/falcon/verify.h"

int main(int argc, char** argv) {
  using namespace stoq::falcon;
  using namespace stoq::falcon::detail;
  if (!RUNNING_ON_VALGRIND) {
    std::puts("not under valgrind: skipped");
    return 77;
  }
  if (argc > 1 && std::strcmp(argv[1], "--canary") == 0) {
    volatile std::int8_t secret = 3;
    ct_poison(const_cast<std::int8_t*>(&secret), 1);
    if (secret > 1) std::puts("canary branch taken");
    return 0;
  }
  int failures = 0;
  for (unsigned logn : {9u, 10u}) {
    const std::size_t n = std::size_t{1} << logn;
    std::vector<std::int8_t> f(n), g(n), F(n), G(n);
    std::vector<std::uint16_t> h(n);
    Shake256 kg;
    const std::uint8_t seed[48] = {1, 2, 3};
    kg.inject(seed);
    kg.flip();
    keygen(kg, logn, f.data(), g.data(), F.data(), G.data(), h.data());

    // From here on the private key is secret.
    ct_poison(f.data(), n);
    ct_poison(g.data(), n);
    ct_poison(F.data(), n);
    ct_poison(G.data(), n);
    // Expanding the key (FFT basis, LDL tree) is checked too: it runs on the secret basis.
    std::vector<double> expanded(signing_key_size(logn));
    expand_signing_key(expanded.data(), f.data(), g.data(), F.data(), G.data(), logn);

    for (int msg = 0; msg < 2; ++msg) {
      std::array<std::uint8_t, 40> nonce{};
      nonce[0] = static_cast<std::uint8_t>(msg);
      const std::uint8_t text[] = {'c', 't', static_cast<std::uint8_t>(msg)};
      std::vector<std::uint16_t> c(n);
      hash_to_point(nonce, text, c.data(), logn);
      Shake256 rng;
      rng.inject(nonce);
      rng.flip();
      std::vector<std::int16_t> s2(n);
      sign_core(rng, expanded.data(), c.data(), logn, s2.data());
      ct_declassify(s2.data(), n * sizeof(std::int16_t));  // the signature is public
      if (!verify_core(c.data(), s2.data(), h.data(), logn)) ++failures;
    }
  }
  // The same through the public API: key pair from a deterministic RNG, expanded private
  // key poisoned inside the SecretKey, detached and NIST-format signatures.
  for (const Level level : {Level::k512, Level::k1024}) {
    auto xof = std::make_shared<Shake256>();
    const std::uint8_t seed[1] = {static_cast<std::uint8_t>(level == Level::k512 ? 5 : 6)};
    xof->inject(seed);
    xof->flip();
    const RandomSource rng = [xof](std::span<std::uint8_t> out) {
      xof->extract(out);
      return true;
    };
    auto kp = generate_keypair(level, rng);
    if (!kp.ok()) return 3;
    const auto& expanded = KeyAccess::expanded(kp->secret_key);
    ct_poison(expanded.data(), expanded.size());
    const auto& signing = KeyAccess::signing(kp->secret_key);
    ct_poison(signing.data(), signing.size() * sizeof(double));
    const std::uint8_t msg[] = {'a', 'p', 'i'};
    auto sig = sign(kp->secret_key, msg, rng);
    if (!sig.ok() || verify(kp->public_key, msg, sig->bytes())) ++failures;
    auto padded = sign(kp->secret_key, msg, rng, SignatureFormat::kPadded);
    if (!padded.ok() || verify(kp->public_key, msg, padded->bytes())) ++failures;
    auto sm = sign_message(kp->secret_key, msg, rng);
    if (!sm.ok() || !open_message(kp->public_key, sm.value()).ok()) ++failures;
  }
  std::printf("ct check done, %d verification failures\n", failures);
  return failures == 0 ? 0 : 2;
}

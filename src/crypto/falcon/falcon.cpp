#include "crypto/falcon/falcon.h"

#include <algorithm>
#include <array>
#include <string>

#include "crypto/falcon/codec.h"
#include "crypto/falcon/ct_check.h"
#include "crypto/falcon/hash_to_point.h"
#include "crypto/falcon/key_access.h"
#include "crypto/falcon/keygen.h"
#include "crypto/falcon/modq.h"
#include "crypto/falcon/ntru_solve.h"
#include "crypto/falcon/params.h"
#include "crypto/falcon/secure_zero.h"
#include "crypto/falcon/shake256.h"
#include "crypto/falcon/sign.h"
#include "crypto/falcon/verify.h"

namespace stoq::falcon {
namespace {

using detail::Params;
using detail::params_for;

class FalconCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "falcon"; }
  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::kOk:
        return "success";
      case Errc::kBadPublicKey:
        return "malformed Falcon public key";
      case Errc::kBadSecretKey:
        return "malformed Falcon private key";
      case Errc::kBadSignature:
        return "malformed Falcon signature";
      case Errc::kVerificationFailed:
        return "Falcon signature verification failed";
      case Errc::kRngFailure:
        return "random source failure";
      case Errc::kLevelMismatch:
        return "Falcon parameter set mismatch";
    }
    return "unknown Falcon error";
  }
};

constexpr unsigned logn_of(Level level) {
  return level == Level::k512 ? 9 : 10;
}

// Expanded private key (f, g, F, G), wiped on scope exit.
struct ExpandedKey {
  std::array<std::int8_t, 1024> f{}, g{}, F{}, G{};
  ~ExpandedKey() {
    detail::secure_zero(f.data(), f.size());
    detail::secure_zero(g.data(), g.size());
    detail::secure_zero(F.data(), F.size());
    detail::secure_zero(G.data(), G.size());
  }
};

std::vector<std::int8_t> pack(const ExpandedKey& k, std::size_t n) {
  std::vector<std::int8_t> v(4 * n);
  std::copy_n(k.f.begin(), n, v.begin());
  std::copy_n(k.g.begin(), n, v.begin() + static_cast<std::ptrdiff_t>(n));
  std::copy_n(k.F.begin(), n, v.begin() + static_cast<std::ptrdiff_t>(2 * n));
  std::copy_n(k.G.begin(), n, v.begin() + static_cast<std::ptrdiff_t>(3 * n));
  return v;
}

std::vector<double> expand_for_signing(const ExpandedKey& k, unsigned logn) {
  std::vector<double> v(detail::signing_key_size(logn));
  detail::expand_signing_key(v.data(), k.f.data(), k.g.data(), k.F.data(), k.G.data(), logn);
  return v;
}

bool expand_secret(std::span<const std::uint8_t> sk, unsigned logn, ExpandedKey& k) {
  const Params& p = params_for(logn);
  if (sk.size() != p.sk_bytes || sk[0] != 0x50 + logn) return false;
  std::size_t off = 1;
  std::size_t v = detail::trim_i8_decode(k.f.data(), logn, p.fg_bits, sk.subspan(off));
  if (v == 0) return false;
  off += v;
  v = detail::trim_i8_decode(k.g.data(), logn, p.fg_bits, sk.subspan(off));
  if (v == 0) return false;
  off += v;
  v = detail::trim_i8_decode(k.F.data(), logn, p.big_fg_bits, sk.subspan(off));
  if (v == 0) return false;
  off += v;
  if (off != sk.size()) return false;
  return detail::complete_private(k.G.data(), k.f.data(), k.g.data(), k.F.data(), logn) &&
         detail::ntru_equation_holds(k.f.data(), k.g.data(), k.F.data(), k.G.data(), logn);
}

// Produces nonce and compressed s2 (at most max_comp bytes) exactly as the round-3 code:
// nonce from the first RNG call, signing seed from the second, re-signing on the same
// SHAKE256 stream if the encoding does not fit.
bool sign_raw(const double* expanded, unsigned logn, std::span<const std::uint8_t> message,
              const RandomSource& rng, std::array<std::uint8_t, detail::kNonceBytes>& nonce,
              std::vector<std::uint8_t>& comp, std::size_t max_comp) {
  if (!rng(nonce)) return false;
  std::array<std::uint16_t, 1024> c{};
  detail::hash_to_point(nonce, message, c.data(), logn);
  std::array<std::uint8_t, detail::kSeedBytes> seed{};
  if (!rng(seed)) return false;
  detail::Shake256 xof;
  xof.inject(seed);
  xof.flip();
  detail::secure_zero(seed.data(), seed.size());
  std::array<std::int16_t, 1024> s2{};
  comp.assign(max_comp, 0);
  for (;;) {
    detail::sign_core(xof, expanded, c.data(), logn, s2.data());
    detail::ct_declassify(s2.data(), sizeof s2);  // the signature is public from here on
    const std::size_t len = detail::comp_encode(comp, s2.data(), logn);
    if (len != 0) {
      comp.resize(len);
      break;
    }
  }
  return true;
}

}  // namespace

const std::error_category& falcon_category() noexcept {
  static const FalconCategory category;
  return category;
}

std::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), falcon_category()};
}

Sizes sizes(Level level) noexcept {
  const Params& p = params_for(logn_of(level));
  return {p.pk_bytes, p.sk_bytes, p.sig_max, p.sig_padded};
}

Result<PublicKey> PublicKey::decode(std::span<const std::uint8_t> encoded) {
  for (const Level level : {Level::k512, Level::k1024}) {
    const unsigned logn = logn_of(level);
    const Params& p = params_for(logn);
    if (encoded.size() != p.pk_bytes) continue;
    if (encoded[0] != logn) return Errc::kBadPublicKey;
    std::array<std::uint16_t, 1024> h{};
    if (detail::modq_decode(h.data(), logn, encoded.subspan(1)) != p.pk_bytes - 1) {
      return Errc::kBadPublicKey;
    }
    return PublicKey(level, std::vector<std::uint8_t>(encoded.begin(), encoded.end()));
  }
  return Errc::kBadPublicKey;
}

SecretKey::SecretKey(SecretKey&& other) noexcept
    : level_(other.level_),
      bytes_(std::move(other.bytes_)),
      expanded_(std::move(other.expanded_)),
      signing_(std::move(other.signing_)) {
  other.bytes_.clear();
  other.expanded_.clear();
  other.signing_.clear();
}

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    wipe();
    level_ = other.level_;
    bytes_ = std::move(other.bytes_);
    expanded_ = std::move(other.expanded_);
    signing_ = std::move(other.signing_);
    other.bytes_.clear();
    other.expanded_.clear();
    other.signing_.clear();
  }
  return *this;
}

SecretKey::~SecretKey() {
  wipe();
}

void SecretKey::wipe() noexcept {
  detail::secure_zero(bytes_.data(), bytes_.size());
  bytes_.clear();
  detail::secure_zero(expanded_.data(), expanded_.size());
  expanded_.clear();
  detail::secure_zero(signing_.data(), signing_.size() * sizeof(double));
  signing_.clear();
}

Result<SecretKey> SecretKey::decode(std::span<const std::uint8_t> encoded) {
  for (const Level level : {Level::k512, Level::k1024}) {
    const unsigned logn = logn_of(level);
    if (encoded.size() != params_for(logn).sk_bytes) continue;
    ExpandedKey k;
    if (!expand_secret(encoded, logn, k)) return Errc::kBadSecretKey;
    return SecretKey(level, std::vector<std::uint8_t>(encoded.begin(), encoded.end()),
                     pack(k, params_for(logn).n), expand_for_signing(k, logn));
  }
  return Errc::kBadSecretKey;
}

Result<PublicKey> derive_public_key(const SecretKey& key) {
  const unsigned logn = logn_of(key.level());
  const Params& p = params_for(logn);
  // f || g || F || G, n bytes each; empty when moved from.
  const std::vector<std::int8_t>& expanded = detail::KeyAccess::expanded(key);
  if (expanded.size() != 4 * p.n) return Errc::kBadSecretKey;
  std::array<std::uint16_t, 1024> h{};
  if (!detail::compute_public(h.data(), expanded.data(), expanded.data() + p.n, logn)) {
    return Errc::kBadSecretKey;  // f not invertible mod q: not a valid secret key
  }
  std::vector<std::uint8_t> pk(p.pk_bytes);
  pk[0] = static_cast<std::uint8_t>(logn);
  if (detail::modq_encode(std::span(pk).subspan(1), h.data(), logn) != p.pk_bytes - 1) {
    return Errc::kBadSecretKey;  // unreachable: every h coefficient is below q
  }
  return detail::KeyAccess::make_public(key.level(), std::move(pk));
}

Result<KeyPair> generate_keypair(Level level, const RandomSource& rng) {
  const unsigned logn = logn_of(level);
  const Params& p = params_for(logn);
  std::array<std::uint8_t, detail::kSeedBytes> seed{};
  if (!rng(seed)) return Errc::kRngFailure;
  detail::Shake256 xof;
  xof.inject(seed);
  xof.flip();
  detail::secure_zero(seed.data(), seed.size());

  ExpandedKey k;
  std::array<std::uint16_t, 1024> h{};
  detail::keygen(xof, logn, k.f.data(), k.g.data(), k.F.data(), k.G.data(), h.data());
  xof.wipe();

  std::vector<std::uint8_t> sk(p.sk_bytes);
  sk[0] = static_cast<std::uint8_t>(0x50 + logn);
  std::size_t off = 1;
  off += detail::trim_i8_encode(std::span(sk).subspan(off), k.f.data(), logn, p.fg_bits);
  off += detail::trim_i8_encode(std::span(sk).subspan(off), k.g.data(), logn, p.fg_bits);
  off += detail::trim_i8_encode(std::span(sk).subspan(off), k.F.data(), logn, p.big_fg_bits);
  std::vector<std::uint8_t> pk(p.pk_bytes);
  pk[0] = static_cast<std::uint8_t>(logn);
  const std::size_t pk_len = detail::modq_encode(std::span(pk).subspan(1), h.data(), logn);
  if (off != p.sk_bytes || pk_len != p.pk_bytes - 1) {
    detail::secure_zero(sk.data(), sk.size());
    return Errc::kBadSecretKey;  // unreachable: keygen bounds every coefficient
  }
  return KeyPair{detail::KeyAccess::make_public(level, std::move(pk)),
                 detail::KeyAccess::make_secret(level, std::move(sk), pack(k, p.n),
                                                expand_for_signing(k, logn))};
}

Result<Signature> sign(const SecretKey& key, std::span<const std::uint8_t> message,
                       const RandomSource& rng, SignatureFormat format) {
  const unsigned logn = logn_of(key.level());
  const Params& p = params_for(logn);
  const auto& expanded = detail::KeyAccess::signing(key);
  if (expanded.size() != detail::signing_key_size(logn)) return Errc::kBadSecretKey;  // moved
  const std::size_t total = format == SignatureFormat::kPadded ? p.sig_padded : p.sig_max;
  std::array<std::uint8_t, detail::kNonceBytes> nonce{};
  std::vector<std::uint8_t> comp;
  if (!sign_raw(expanded.data(), logn, message, rng, nonce, comp,
                total - 1 - detail::kNonceBytes)) {
    return Errc::kRngFailure;
  }
  std::vector<std::uint8_t> sig;
  sig.reserve(total);
  sig.push_back(static_cast<std::uint8_t>(0x30 + logn));
  sig.insert(sig.end(), nonce.begin(), nonce.end());
  sig.insert(sig.end(), comp.begin(), comp.end());
  if (format == SignatureFormat::kPadded) sig.resize(total, 0);
  return Signature(std::move(sig));
}

namespace {

std::error_code verify_parts(const PublicKey& key, std::span<const std::uint8_t> nonce,
                             std::span<const std::uint8_t> message,
                             std::span<const std::uint8_t> comp, bool allow_padding) {
  const unsigned logn = logn_of(key.level());
  const Params& p = params_for(logn);
  std::array<std::uint16_t, 1024> h{};
  if (detail::modq_decode(h.data(), logn, key.bytes().subspan(1)) != p.pk_bytes - 1) {
    return Errc::kBadPublicKey;
  }
  std::array<std::int16_t, 1024> s2{};
  if (comp.empty()) return Errc::kBadSignature;
  const std::size_t used = detail::comp_decode(s2.data(), logn, comp);
  if (used == 0) return Errc::kBadSignature;
  if (used != comp.size()) {
    // Trailing bytes exist only in the padded format, and must all be zero.
    if (!allow_padding) return Errc::kBadSignature;
    for (std::size_t i = used; i < comp.size(); ++i) {
      if (comp[i] != 0) return Errc::kBadSignature;
    }
  }
  std::array<std::uint16_t, 1024> c{};
  detail::hash_to_point(nonce, message, c.data(), logn);
  if (!detail::verify_core(c.data(), s2.data(), h.data(), logn)) {
    return Errc::kVerificationFailed;
  }
  return {};
}

}  // namespace

std::error_code verify(const PublicKey& key, std::span<const std::uint8_t> message,
                       std::span<const std::uint8_t> signature) {
  const unsigned logn = logn_of(key.level());
  const Params& p = params_for(logn);
  if (signature.size() < 1 + detail::kNonceBytes + 1) return Errc::kBadSignature;
  if (signature[0] != 0x30 + logn) {
    const unsigned other = logn == 9 ? 10 : 9;
    return signature[0] == 0x30 + other ? Errc::kLevelMismatch : Errc::kBadSignature;
  }
  const bool padded = signature.size() == p.sig_padded;
  if (!padded && signature.size() > p.sig_max) return Errc::kBadSignature;
  return verify_parts(key, signature.subspan(1, detail::kNonceBytes), message,
                      signature.subspan(1 + detail::kNonceBytes), padded);
}

Result<std::vector<std::uint8_t>> sign_message(const SecretKey& key,
                                               std::span<const std::uint8_t> message,
                                               const RandomSource& rng) {
  const unsigned logn = logn_of(key.level());
  const Params& p = params_for(logn);
  const auto& expanded = detail::KeyAccess::signing(key);
  if (expanded.size() != detail::signing_key_size(logn)) return Errc::kBadSecretKey;  // moved
  std::array<std::uint8_t, detail::kNonceBytes> nonce{};
  std::vector<std::uint8_t> comp;
  if (!sign_raw(expanded.data(), logn, message, rng, nonce, comp, p.sm_comp_max))
    return Errc::kRngFailure;
  const std::size_t l = comp.size() + 1;
  std::vector<std::uint8_t> sm;
  sm.reserve(2 + nonce.size() + message.size() + l);
  sm.push_back(static_cast<std::uint8_t>(l >> 8));
  sm.push_back(static_cast<std::uint8_t>(l));
  sm.insert(sm.end(), nonce.begin(), nonce.end());
  sm.insert(sm.end(), message.begin(), message.end());
  sm.push_back(static_cast<std::uint8_t>(0x20 + logn));
  sm.insert(sm.end(), comp.begin(), comp.end());
  return sm;
}

Result<std::vector<std::uint8_t>> open_message(const PublicKey& key,
                                               std::span<const std::uint8_t> sm) {
  const unsigned logn = logn_of(key.level());
  constexpr std::size_t kNonce = detail::kNonceBytes;
  if (sm.size() < 3 + kNonce) return Errc::kBadSignature;
  std::size_t l = (static_cast<std::size_t>(sm[0]) << 8) | sm[1];
  if (l < 2 || l > sm.size() - kNonce - 2) return Errc::kBadSignature;
  --l;  // compressed s2 length
  const std::size_t mlen = sm.size() - kNonce - 3 - l;
  if (sm[2 + kNonce + mlen] != 0x20 + logn) return Errc::kBadSignature;
  const auto message = sm.subspan(2 + kNonce, mlen);
  const std::error_code ec =
      verify_parts(key, sm.subspan(2, kNonce), message, sm.subspan(3 + kNonce + mlen), false);
  if (ec) return ec;
  return std::vector<std::uint8_t>(message.begin(), message.end());
}

}  // namespace stoq::falcon

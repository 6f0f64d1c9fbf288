#include "provider/key.h"

#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace stoq::provider {
namespace {

void put_be32(std::uint8_t* p, std::size_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

std::size_t get_be32(const std::uint8_t* p) {
  return (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) |
         std::size_t{p[3]};
}

int curve_nid(const Algorithm& alg) {
  return alg.classical == Classical::kP256 ? NID_X9_62_prime256v1 : NID_secp521r1;
}

bool has_curve(EVP_PKEY* pkey, const Algorithm& alg) {
  char group[64] = {};
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                     nullptr) != 1) {
    return false;
  }
  int nid = OBJ_sn2nid(group);
  if (nid == NID_undef) nid = EC_curve_nist2nid(group);
  return EVP_PKEY_is_a(pkey, "EC") && nid == curve_nid(alg);
}

bool ec_point_of(EVP_PKEY* pkey, const Algorithm& alg, std::vector<std::uint8_t>& out,
                 std::string& why) {
  std::vector<std::uint8_t> point(alg.classical_public_size);
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point.data(),
                                      point.size(), &len) != 1 ||
      len != point.size() || point[0] != 0x04) {
    why = "the EC key has no uncompressed public point of the expected size";
    return false;
  }
  out = std::move(point);
  return true;
}

EVP_PKEY* ec_public_from_point(const ProviderContext& ctx, const Algorithm& alg,
                               std::span<const std::uint8_t> point) {
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_name(ctx.libctx, "EC", nullptr);
  if (pctx == nullptr) return nullptr;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(alg.curve), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                        const_cast<std::uint8_t*>(point.data()), point.size()),
      OSSL_PARAM_construct_end()};
  EVP_PKEY* pkey = nullptr;
  if (EVP_PKEY_fromdata_init(pctx) != 1 ||
      EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    pkey = nullptr;
  }
  EVP_PKEY_CTX_free(pctx);
  return pkey;
}

bool same_bytes(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace

falcon::RandomSource random_source(const ProviderContext& ctx) {
  OSSL_LIB_CTX* libctx = ctx.libctx;
  return [libctx](std::span<std::uint8_t> out) {
    return RAND_priv_bytes_ex(libctx, out.data(), out.size(), 0) == 1;
  };
}

Key::~Key() {
  EVP_PKEY_free(classical_);
}

void Key::adopt(Key& other) {
  pq_public_ = std::move(other.pq_public_);
  pq_secret_ = std::move(other.pq_secret_);
  EVP_PKEY_free(classical_);
  classical_ = std::exchange(other.classical_, nullptr);
  classical_point_ = std::move(other.classical_point_);
}

std::unique_ptr<Key> Key::generate(const Algorithm& alg, const ProviderContext& ctx,
                                   std::string& why) {
  auto key = std::make_unique<Key>(alg, ctx);
  auto pair = falcon::generate_keypair(alg.level, random_source(ctx));
  if (!pair) {
    why = "Falcon key generation failed: " + pair.error().message();
    return nullptr;
  }
  key->pq_public_ = std::move(pair->public_key);
  key->pq_secret_ = std::move(pair->secret_key);
  if (alg.is_hybrid()) {
    key->classical_ = EVP_PKEY_Q_keygen(ctx.libctx, nullptr, "EC", alg.curve);
    if (key->classical_ == nullptr) {
      why = std::string("EC key generation on ") + alg.curve + " failed";
      return nullptr;
    }
    if (!ec_point_of(key->classical_, alg, key->classical_point_, why)) return nullptr;
  }
  return key;
}

std::unique_ptr<Key> Key::duplicate(int selection, std::string& why) const {
  auto copy = std::make_unique<Key>(*alg_, *ctx_);
  const bool want_private = (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0;
  const bool want_public = (selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) != 0 || want_private;
  if (want_public && has_public()) {
    copy->pq_public_ = *pq_public_;
    if (alg_->is_hybrid()) copy->classical_point_ = classical_point_;
  }
  if (want_private && has_private()) {
    auto secret = falcon::SecretKey::decode(pq_secret_->bytes());
    if (!secret) {
      why = "cannot copy the Falcon secret key";
      return nullptr;
    }
    copy->pq_secret_ = std::move(secret.value());
  }
  if (alg_->is_hybrid() && classical_ != nullptr && want_public) {
    if (want_private && has_private()) {
      copy->classical_ = EVP_PKEY_dup(classical_);
    } else {
      copy->classical_ = ec_public_from_point(*ctx_, *alg_, classical_point_);
    }
    if (copy->classical_ == nullptr) {
      why = "cannot copy the EC key";
      return nullptr;
    }
  }
  return copy;
}

std::vector<std::uint8_t> Key::public_encoding() const {
  const auto pk = pq_public_->bytes();
  std::vector<std::uint8_t> out(public_encoding_size(*alg_));
  std::size_t at = 0;
  if (alg_->is_hybrid()) {
    put_be32(out.data(), classical_point_.size());
    std::memcpy(out.data() + 4, classical_point_.data(), classical_point_.size());
    at = 4 + classical_point_.size();
  }
  std::memcpy(out.data() + at, pk.data(), pk.size());
  return out;
}

bool Key::private_encoding(SecretBytes& out, std::string& why) const {
  const auto sk = pq_secret_->bytes();
  if (!alg_->is_hybrid()) {
    SecretBytes bytes(sk.size());
    std::copy(sk.begin(), sk.end(), bytes.data());
    out = std::move(bytes);
    return true;
  }
  unsigned char* der = nullptr;
  const int der_len = i2d_PrivateKey(classical_, &der);
  if (der_len <= 0 || static_cast<std::size_t>(der_len) > alg_->classical_private_max) {
    OPENSSL_clear_free(der, der_len > 0 ? der_len : 0);
    why = "cannot encode the EC private key";
    return false;
  }
  const auto n = static_cast<std::size_t>(der_len);
  SecretBytes bytes(4 + n + sk.size());
  put_be32(bytes.data(), n);
  std::memcpy(bytes.data() + 4, der, n);
  std::copy(sk.begin(), sk.end(), bytes.data() + 4 + n);
  OPENSSL_clear_free(der, n);
  out = std::move(bytes);
  return true;
}

bool Key::pkcs8_content(SecretBytes& out, std::string& why) const {
  SecretBytes priv;
  if (!private_encoding(priv, why)) return false;
  const auto pk = pq_public_->bytes();
  SecretBytes bytes(priv.size() + pk.size());
  std::copy(priv.span().begin(), priv.span().end(), bytes.data());
  std::copy(pk.begin(), pk.end(), bytes.data() + priv.size());
  out = std::move(bytes);
  return true;
}

bool Key::set_public(std::span<const std::uint8_t> encoded, std::string& why) {
  const std::size_t pk_size = falcon::sizes(alg_->level).public_key;
  if (encoded.size() != public_encoding_size(*alg_)) {
    why = std::string(alg_->name) + " public key: " + std::to_string(encoded.size()) +
          " bytes, expected " + std::to_string(public_encoding_size(*alg_));
    return false;
  }
  Key next(*alg_, *ctx_);
  std::span<const std::uint8_t> pq = encoded;
  if (alg_->is_hybrid()) {
    if (get_be32(encoded.data()) != alg_->classical_public_size) {
      why = std::string(alg_->name) + " public key: wrong classical key length";
      return false;
    }
    const auto point = encoded.subspan(4, alg_->classical_public_size);
    next.classical_ = ec_public_from_point(*ctx_, *alg_, point);
    if (next.classical_ == nullptr || point[0] != 0x04) {
      why = std::string(alg_->name) + " public key: not an uncompressed point on " + alg_->curve;
      return false;
    }
    next.classical_point_.assign(point.begin(), point.end());
    pq = encoded.subspan(4 + alg_->classical_public_size);
  }
  if (pq.size() != pk_size) {
    why = "internal size mismatch";
    return false;
  }
  auto pk = falcon::PublicKey::decode(pq);
  if (!pk || pk->level() != alg_->level) {
    why = std::string(alg_->name) + " public key: malformed Falcon public key";
    return false;
  }
  next.pq_public_ = std::move(pk.value());
  adopt(next);
  return true;
}

bool Key::set_private(std::span<const std::uint8_t> encoded,
                      std::optional<std::span<const std::uint8_t>> public_encoded,
                      std::string& why) {
  const std::string what = std::string(alg_->name) + " private key: ";
  const std::size_t sk_size = falcon::sizes(alg_->level).secret_key;
  Key next(*alg_, *ctx_);
  std::span<const std::uint8_t> pq = encoded;
  if (alg_->is_hybrid()) {
    if (encoded.size() < 4) {
      why = what + "truncated";
      return false;
    }
    const std::size_t n = get_be32(encoded.data());
    if (n == 0 || n > alg_->classical_private_max || encoded.size() - 4 < n) {
      why = what + "bad classical key length " + std::to_string(n);
      return false;
    }
    const unsigned char* p = encoded.data() + 4;
    next.classical_ =
        d2i_PrivateKey_ex(EVP_PKEY_EC, nullptr, &p, static_cast<long>(n), ctx_->libctx, nullptr);
    if (next.classical_ == nullptr || p != encoded.data() + 4 + n ||
        !has_curve(next.classical_, *alg_)) {
      why = what + "the classical part is not an ECPrivateKey on " + alg_->curve;
      return false;
    }
    if (!ec_point_of(next.classical_, *alg_, next.classical_point_, why)) return false;
    pq = encoded.subspan(4 + n);
  }
  if (pq.size() != sk_size) {
    why = what + "Falcon secret key of " + std::to_string(pq.size()) + " bytes, expected " +
          std::to_string(sk_size);
    return false;
  }
  auto sk = falcon::SecretKey::decode(pq);
  if (!sk || sk->level() != alg_->level) {
    why = what + "malformed Falcon secret key";
    return false;
  }
  auto pk = falcon::derive_public_key(sk.value());
  if (!pk) {
    why = what + "Falcon secret key has no public key";
    return false;
  }
  next.pq_secret_ = std::move(sk.value());
  next.pq_public_ = std::move(pk.value());
  if (public_encoded && !same_bytes(*public_encoded, next.public_encoding())) {
    why = what + "does not match the public key given with it";
    return false;
  }
  adopt(next);
  return true;
}

bool Key::set_from_pkcs8_content(std::span<const std::uint8_t> content, std::string& why) {
  const std::size_t pk_size = falcon::sizes(alg_->level).public_key;
  if (content.size() <= pk_size) {
    why = std::string(alg_->name) + " PKCS#8 key: " + std::to_string(content.size()) +
          " bytes is too short";
    return false;
  }
  const auto priv = content.first(content.size() - pk_size);
  const auto pk = content.last(pk_size);
  Key next(*alg_, *ctx_);
  if (!next.set_private(priv, std::nullopt, why)) return false;
  if (!same_bytes(pk, next.pq_public_->bytes())) {
    why = std::string(alg_->name) + " PKCS#8 key: the public key does not match the private key";
    return false;
  }
  adopt(next);
  return true;
}

}  // namespace stoq::provider

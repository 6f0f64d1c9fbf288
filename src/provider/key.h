// A provider key: a Falcon key pair (public only, or both halves) and, for the hybrid
// algorithms, an ECDSA key held in the provider's child library context.
//
// Encodings (docs/pq-auth.md, the oqs-provider formats):
//   public   falcon:  pk                                   (897 / 1793 bytes)
//            hybrid:  BE32(len(P)) || P || pk               P = uncompressed EC point
//   private  falcon:  sk                                   (1281 / 2305 bytes)
//            hybrid:  BE32(len(E)) || E || sk               E = ECPrivateKey DER
//   PKCS#8 content:   private || pk                         (the Falcon pk, not the EC point)
//
// Setters return false with a reason in `why` and leave the key unchanged on failure.
// Thread-compatible: const access from several threads is safe.
#pragma once

#include <openssl/types.h>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "crypto/falcon/falcon.h"
#include "provider/algorithm.h"
#include "provider/provider_context.h"
#include "provider/secret_bytes.h"

namespace stoq::provider {

class Key {
 public:
  Key(const Algorithm& alg, const ProviderContext& ctx) : alg_(&alg), ctx_(&ctx) {}
  ~Key();
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;

  // A fresh key pair; nullptr with a reason on failure (randomness, EC key generation).
  static std::unique_ptr<Key> generate(const Algorithm& alg, const ProviderContext& ctx,
                                       std::string& why);
  // A copy of the parts in `selection` (OSSL_KEYMGMT_SELECT_*); nullptr on failure.
  std::unique_ptr<Key> duplicate(int selection, std::string& why) const;

  const Algorithm& algorithm() const { return *alg_; }
  const ProviderContext& context() const { return *ctx_; }
  bool has_public() const { return pq_public_.has_value(); }
  bool has_private() const { return pq_secret_.has_value(); }

  // Require has_public() / has_private().
  std::vector<std::uint8_t> public_encoding() const;
  bool private_encoding(SecretBytes& out, std::string& why) const;
  bool pkcs8_content(SecretBytes& out, std::string& why) const;

  bool set_public(std::span<const std::uint8_t> encoded, std::string& why);
  // Sets both halves from the private encoding; `public_encoded`, when given, must match
  // the public key derived from it.
  bool set_private(std::span<const std::uint8_t> encoded,
                   std::optional<std::span<const std::uint8_t>> public_encoded, std::string& why);
  bool set_from_pkcs8_content(std::span<const std::uint8_t> content, std::string& why);

  const falcon::PublicKey& falcon_public() const { return *pq_public_; }
  const falcon::SecretKey& falcon_secret() const { return *pq_secret_; }
  EVP_PKEY* classical() const { return classical_; }  // hybrids only

 private:
  void adopt(Key& other);

  const Algorithm* alg_;
  const ProviderContext* ctx_;
  std::optional<falcon::PublicKey> pq_public_;
  std::optional<falcon::SecretKey> pq_secret_;
  EVP_PKEY* classical_ = nullptr;              // private when has_private(), else public
  std::vector<std::uint8_t> classical_point_;  // uncompressed EC point (hybrids)
};

// Randomness for Falcon from the provider's library context.
falcon::RandomSource random_source(const ProviderContext& ctx);

}  // namespace stoq::provider

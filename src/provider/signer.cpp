#include "provider/signer.h"

#include <openssl/evp.h>

namespace stoq::provider {
namespace {

bool ecdsa_sign(const Key& key, std::span<const std::uint8_t> message,
                std::vector<std::uint8_t>& out) {
  const Algorithm& alg = key.algorithm();
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  bool ok = md != nullptr &&
            EVP_DigestSignInit_ex(md, nullptr, alg.classical_digest, key.context().libctx, nullptr,
                                  key.classical(), nullptr) == 1;
  std::size_t len = 0;
  ok = ok && EVP_DigestSign(md, nullptr, &len, message.data(), message.size()) == 1;
  if (ok) {
    out.resize(len);
    ok = EVP_DigestSign(md, out.data(), &len, message.data(), message.size()) == 1 &&
         len <= alg.classical_signature_max;
    out.resize(len);
  }
  EVP_MD_CTX_free(md);
  return ok;
}

bool ecdsa_verify(const Key& key, std::span<const std::uint8_t> message,
                  std::span<const std::uint8_t> sig) {
  const Algorithm& alg = key.algorithm();
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  const bool ok = md != nullptr &&
                  EVP_DigestVerifyInit_ex(md, nullptr, alg.classical_digest, key.context().libctx,
                                          nullptr, key.classical(), nullptr) == 1 &&
                  EVP_DigestVerify(md, sig.data(), sig.size(), message.data(), message.size()) == 1;
  EVP_MD_CTX_free(md);
  return ok;
}

}  // namespace

bool sign(const Key& key, std::span<const std::uint8_t> message, std::vector<std::uint8_t>& sig,
          std::string& why) {
  const Algorithm& alg = key.algorithm();
  std::vector<std::uint8_t> out;
  if (alg.is_hybrid()) {
    std::vector<std::uint8_t> classical;
    if (!ecdsa_sign(key, message, classical)) {
      why = std::string(alg.name) + ": ECDSA signing failed";
      return false;
    }
    const std::size_t n = classical.size();
    out.reserve(4 + n + falcon::sizes(alg.level).signature_max);
    out.push_back(static_cast<std::uint8_t>(n >> 24));
    out.push_back(static_cast<std::uint8_t>(n >> 16));
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(n));
    out.insert(out.end(), classical.begin(), classical.end());
  }
  auto pq = falcon::sign(key.falcon_secret(), message, random_source(key.context()),
                         falcon::SignatureFormat::kCompressed);
  if (!pq) {
    why = std::string(alg.name) + ": Falcon signing failed: " + pq.error().message();
    return false;
  }
  out.insert(out.end(), pq->bytes().begin(), pq->bytes().end());
  sig = std::move(out);
  return true;
}

bool verify(const Key& key, std::span<const std::uint8_t> message,
            std::span<const std::uint8_t> sig, std::string& why) {
  const Algorithm& alg = key.algorithm();
  if (sig.size() > max_signature_size(alg)) {
    why = std::string(alg.name) + " signature of " + std::to_string(sig.size()) +
          " bytes exceeds the maximum " + std::to_string(max_signature_size(alg));
    return false;
  }
  std::span<const std::uint8_t> pq = sig;
  if (alg.is_hybrid()) {
    if (sig.size() < 4) {
      why = std::string(alg.name) + " signature truncated";
      return false;
    }
    const std::size_t n = (std::size_t{sig[0]} << 24) | (std::size_t{sig[1]} << 16) |
                          (std::size_t{sig[2]} << 8) | std::size_t{sig[3]};
    if (n == 0 || n > alg.classical_signature_max || sig.size() - 4 < n) {
      why = std::string(alg.name) + " signature: bad classical signature length";
      return false;
    }
    if (!ecdsa_verify(key, message, sig.subspan(4, n))) {
      why = std::string(alg.name) + ": the ECDSA half does not verify";
      return false;
    }
    pq = sig.subspan(4 + n);
  }
  const std::error_code ec = falcon::verify(key.falcon_public(), message, pq);
  if (ec) {
    why = std::string(alg.name) + ": the Falcon signature does not verify (" + ec.message() + ")";
    return false;
  }
  return true;
}

}  // namespace stoq::provider

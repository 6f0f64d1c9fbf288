#include "tls/auth_policy.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>

namespace stoq {

const char* to_string(AuthPolicy p) noexcept {
  switch (p) {
    case AuthPolicy::kAny:
      return "any";
    case AuthPolicy::kHybridRequired:
      return "hybrid-required";
    case AuthPolicy::kPqRequired:
      return "pq-required";
  }
  return "?";
}

bool parse_auth_policy(std::string_view text, AuthPolicy& out) noexcept {
  if (text == "any") {
    out = AuthPolicy::kAny;
  } else if (text == "hybrid-required") {
    out = AuthPolicy::kHybridRequired;
  } else if (text == "pq-required") {
    out = AuthPolicy::kPqRequired;
  } else {
    return false;
  }
  return true;
}

namespace tls {
namespace {

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string subject_of(const X509* cert) {
  char buf[256];
  const X509_NAME* name = X509_get_subject_name(cert);
  if (name == nullptr || X509_NAME_oneline(name, buf, sizeof buf) == nullptr) return "?";
  return buf;
}

}  // namespace

const char* to_string(SignatureKind k) noexcept {
  switch (k) {
    case SignatureKind::kClassical:
      return "classical";
    case SignatureKind::kPostQuantum:
      return "post-quantum";
    case SignatureKind::kHybrid:
      return "hybrid";
  }
  return "?";
}

SignatureKind classify_algorithm(std::string_view name) noexcept {
  std::string n(name);
  std::transform(n.begin(), n.end(), n.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const bool pq = contains(n, "falcon") || contains(n, "ml-dsa") || contains(n, "mldsa") ||
                  contains(n, "slh-dsa") || contains(n, "slhdsa") || contains(n, "sphincs") ||
                  contains(n, "dilithium");
  if (!pq) return SignatureKind::kClassical;
  // Composites carry their classical half in the name: p256_falcon512, mldsa65_ed25519 ...
  const bool classical = contains(n, "p256") || contains(n, "p384") || contains(n, "p521") ||
                         contains(n, "rsa") || contains(n, "ed25519") || contains(n, "ed448") ||
                         contains(n, "ecdsa") || contains(n, "bp256") || contains(n, "bp384");
  return classical ? SignatureKind::kHybrid : SignatureKind::kPostQuantum;
}

bool allowed(AuthPolicy policy, SignatureKind kind) noexcept {
  switch (policy) {
    case AuthPolicy::kAny:
      return true;
    case AuthPolicy::kHybridRequired:
      return kind == SignatureKind::kHybrid;
    case AuthPolicy::kPqRequired:
      return kind != SignatureKind::kClassical;
  }
  return false;
}

std::string key_type_name(const EVP_PKEY* key) {
  if (key == nullptr) return "none";
  const char* type = EVP_PKEY_get0_type_name(key);
  std::string name = type != nullptr ? type : "unknown";
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = {};
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       nullptr) == 1) {
      const int nid = OBJ_sn2nid(group);
      const char* nist = nid != NID_undef ? EC_curve_nid2nist(nid) : nullptr;
      name += std::string(" ") + (nist != nullptr ? nist : group);
    }
  } else if (EVP_PKEY_is_a(key, "RSA")) {
    name += "-" + std::to_string(EVP_PKEY_get_bits(key));
  }
  return name;
}

std::string signature_algorithm_name(const X509* cert) {
  const int nid = X509_get_signature_nid(cert);
  if (nid != NID_undef) {
    const char* ln = OBJ_nid2ln(nid);
    if (ln != nullptr) return ln;
  }
  const X509_ALGOR* alg = nullptr;
  X509_get0_signature(nullptr, &alg, cert);
  const ASN1_OBJECT* oid = nullptr;
  X509_ALGOR_get0(&oid, nullptr, nullptr, alg);
  char buf[80];
  return oid != nullptr && OBJ_obj2txt(buf, sizeof buf, oid, 1) > 0 ? buf : "unknown";
}

std::string check_peer_chain(AuthPolicy policy, STACK_OF(X509) * chain, std::string_view peer) {
  if (policy == AuthPolicy::kAny) return {};
  const int n = chain != nullptr ? sk_X509_num(chain) : 0;
  const std::string prefix =
      std::string(peer) + " authentication violates the policy " + to_string(policy) + ": ";
  if (n == 0) return prefix + "no certificate";
  X509* leaf = sk_X509_value(chain, 0);
  const std::string key = key_type_name(X509_get0_pubkey(leaf));
  const SignatureKind key_kind = classify_algorithm(key);
  if (!allowed(policy, key_kind)) {
    return prefix + "its key (CertificateVerify) is " + key + " (" + to_string(key_kind) +
           ") in certificate '" + subject_of(leaf) + "'";
  }
  for (int i = 0; i + 1 < n; ++i) {
    X509* cert = sk_X509_value(chain, i);
    const std::string sig = signature_algorithm_name(cert);
    const SignatureKind kind = classify_algorithm(sig);
    if (!allowed(policy, kind)) {
      return prefix + "certificate '" + subject_of(cert) + "' is signed with " + sig + " (" +
             to_string(kind) + ")";
    }
  }
  return {};
}

}  // namespace tls
}  // namespace stoq

#include "stoq/cert.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "core/atomic_file.h"
#include "tls/openssl_error.h"
#include "tls/spki.h"

namespace stoq {
using tls::openssl_failure;
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
};
template <typename T>
using Ptr = std::unique_ptr<T, Free>;

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string{};
}

struct KeyTypeInfo {
  KeyType type;
  const char* name;          // to_string
  const char* openssl_name;  // key type for EVP_PKEY_Q_keygen
};

// Names of the OpenSSL key managers: STOQ's provider for Falcon (docs/pq-auth.md), the
// default provider for the rest.
constexpr KeyTypeInfo kKeyTypes[] = {
    {KeyType::kEd25519, "ed25519", "ED25519"},
    {KeyType::kEcdsaP256, "ecdsa-p256", "EC"},
    {KeyType::kFalcon512, "falcon512", "falcon512"},
    {KeyType::kFalcon1024, "falcon1024", "falcon1024"},
    {KeyType::kP256Falcon512, "p256_falcon512", "p256_falcon512"},
    {KeyType::kP521Falcon1024, "p521_falcon1024", "p521_falcon1024"},
    {KeyType::kMlDsa44, "mldsa44", "ML-DSA-44"},
    {KeyType::kMlDsa65, "mldsa65", "ML-DSA-65"},
    {KeyType::kMlDsa87, "mldsa87", "ML-DSA-87"},
};

const KeyTypeInfo* info_of(KeyType t) {
  for (const auto& k : kKeyTypes) {
    if (k.type == t) return &k;
  }
  return nullptr;
}

Ptr<EVP_PKEY> generate_key(const Context& ctx, KeyType t) {
  const KeyTypeInfo* info = info_of(t);
  if (info == nullptr) return nullptr;
  if (t == KeyType::kEcdsaP256) {
    return Ptr<EVP_PKEY>(EVP_PKEY_Q_keygen(ctx.libctx(), nullptr, "EC", "P-256"));
  }
  return Ptr<EVP_PKEY>(EVP_PKEY_Q_keygen(ctx.libctx(), nullptr, info->openssl_name));
}

// A certificate parsed in the Context's library context, so that its public key (Falcon,
// hybrid) decodes with STOQ's provider.
Ptr<X509> read_certificate(const Context& ctx, const std::string& pem) {
  Ptr<BIO> b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509* x = X509_new_ex(ctx.libctx(), nullptr);
  if (x == nullptr) return nullptr;
  if (PEM_read_bio_X509(b.get(), &x, nullptr, nullptr) == nullptr) {
    X509_free(x);
    return nullptr;
  }
  return Ptr<X509>(x);
}

bool add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, issuer, cert, nullptr, nullptr, 0);
  Ptr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str()));
  return ext != nullptr && X509_add_ext(cert, ext.get(), -1) == 1;
}

// Ed25519 (and the post-quantum algorithms) sign the whole message: no separate digest.
const EVP_MD* digest_for(EVP_PKEY* key) {
  return EVP_PKEY_is_a(key, "EC") ? EVP_sha256() : nullptr;
}

}  // namespace

const char* to_string(KeyType t) noexcept {
  const KeyTypeInfo* info = info_of(t);
  return info != nullptr ? info->name : "?";
}

bool parse_key_type(std::string_view text, KeyType& out) noexcept {
  for (const auto& k : kKeyTypes) {
    if (text == k.name || (k.type != KeyType::kEcdsaP256 && text == k.openssl_name)) {
      out = k.type;
      return true;
    }
  }
  if (text == "p256") {
    out = KeyType::kEcdsaP256;
    return true;
  }
  if (text == "ml-dsa-44" || text == "ml-dsa-65" || text == "ml-dsa-87") {
    out = text == "ml-dsa-44" ? KeyType::kMlDsa44
                              : (text == "ml-dsa-65" ? KeyType::kMlDsa65 : KeyType::kMlDsa87);
    return true;
  }
  return false;
}

const std::vector<KeyType>& all_key_types() {
  static const std::vector<KeyType> kAll = [] {
    std::vector<KeyType> v;
    for (const auto& k : kKeyTypes) v.push_back(k.type);
    return v;
  }();
  return kAll;
}

Result<std::string> make_private_key_pem(const Context& ctx, KeyType t) {
  ERR_clear_error();
  Ptr<EVP_PKEY> key = generate_key(ctx, t);
  if (!key)
    return openssl_failure<std::string>(std::string("key generation (") + to_string(t) + ")");
  Ptr<BIO> out(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return openssl_failure<std::string>("PEM encoding");
  }
  return bio_string(out.get());
}

Result<Pem> make_certificate(const Context& ctx, const CertRequest& req, const Pem* issuer) {
  ERR_clear_error();
  Ptr<EVP_PKEY> key = generate_key(ctx, req.key_type);
  if (!key) {
    return openssl_failure<Pem>(std::string("key generation (") + to_string(req.key_type) + ")");
  }

  Ptr<X509> issuer_cert;
  Ptr<EVP_PKEY> issuer_key;
  if (issuer != nullptr) {
    issuer_cert = read_certificate(ctx, issuer->certificate);
    Ptr<BIO> kb(
        BIO_new_mem_buf(issuer->private_key.data(), static_cast<int>(issuer->private_key.size())));
    issuer_key.reset(
        PEM_read_bio_PrivateKey_ex(kb.get(), nullptr, nullptr, nullptr, ctx.libctx(), nullptr));
    if (!issuer_cert || !issuer_key) return openssl_failure<Pem>("cannot parse the issuer's PEM");
  }

  Ptr<X509> cert(X509_new_ex(ctx.libctx(), nullptr));
  if (!cert) return openssl_failure<Pem>("X509_new_ex");
  X509_set_version(cert.get(), X509_VERSION_3);
  unsigned char serial[16];
  RAND_bytes_ex(ctx.libctx(), serial, sizeof(serial), 0);
  serial[0] &= 0x7f;  // positive
  Ptr<BIGNUM> bn(BN_bin2bn(serial, sizeof(serial), nullptr));
  BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), static_cast<long>(req.not_before.count()));
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(req.not_after.count()));
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("STOQ"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(req.common_name.c_str()), -1,
                             -1, 0);
  X509* signer_cert = issuer_cert ? issuer_cert.get() : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer_cert));

  bool ok = add_ext(cert.get(), signer_cert, NID_subject_key_identifier, "hash");
  if (issuer_cert)
    ok = ok && add_ext(cert.get(), signer_cert, NID_authority_key_identifier, "keyid:always");
  if (req.is_ca) {
    ok = ok && add_ext(cert.get(), signer_cert, NID_basic_constraints, "critical,CA:TRUE");
    ok = ok && add_ext(cert.get(), signer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    ok = ok && add_ext(cert.get(), signer_cert, NID_basic_constraints, "critical,CA:FALSE");
    ok = ok && add_ext(cert.get(), signer_cert, NID_key_usage, "critical,digitalSignature");
    ok = ok && add_ext(cert.get(), signer_cert, NID_ext_key_usage, "serverAuth,clientAuth");
    std::string san;
    for (const auto& d : req.dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + d;
    for (const auto& ip : req.ip_addresses) san += (san.empty() ? "IP:" : ",IP:") + ip;
    if (!san.empty()) ok = ok && add_ext(cert.get(), signer_cert, NID_subject_alt_name, san);
  }
  if (!ok) return openssl_failure<Pem>("adding certificate extensions");

  EVP_PKEY* signer_key = issuer_key ? issuer_key.get() : key.get();
  if (X509_sign(cert.get(), signer_key, digest_for(signer_key)) <= 0) {
    return openssl_failure<Pem>("signing the certificate");
  }
  Ptr<BIO> cout(BIO_new(BIO_s_mem()));
  Ptr<BIO> kout(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509(cout.get(), cert.get()) != 1 ||
      PEM_write_bio_PrivateKey(kout.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return openssl_failure<Pem>("PEM encoding");
  }
  return Pem{bio_string(cout.get()), bio_string(kout.get())};
}

Result<std::string> public_key_pem(const Context& ctx, const std::string& private_key_pem) {
  ERR_clear_error();
  Ptr<BIO> in(BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size())));
  Ptr<EVP_PKEY> key(
      PEM_read_bio_PrivateKey_ex(in.get(), nullptr, nullptr, nullptr, ctx.libctx(), nullptr));
  if (!key) return openssl_failure<std::string>("cannot parse the private key PEM");
  Ptr<BIO> out(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PUBKEY(out.get(), key.get()) != 1) {
    return openssl_failure<std::string>("public key PEM encoding");
  }
  return bio_string(out.get());
}

Result<std::string> spki_pin(const Context& ctx, const std::string& cert_pem) {
  Ptr<X509> cert = read_certificate(ctx, cert_pem);
  if (!cert) return openssl_failure<std::string>("cannot parse the certificate PEM");
  std::string pin = tls::spki_sha256_hex(ctx.libctx(), cert.get());
  if (pin.empty()) return openssl_failure<std::string>("cannot hash the SubjectPublicKeyInfo");
  return pin;
}

Status write_file(const std::string& path, const std::string& contents, bool secret) {
  return detail::write_file_atomically(
      path, contents, secret ? detail::FileMode::kPrivate : detail::FileMode::kPublic);
}

}  // namespace stoq

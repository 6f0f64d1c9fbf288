#include "stoq/cert.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

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

Ptr<EVP_PKEY> generate_key(const Context& ctx, KeyType t) {
  switch (t) {
    case KeyType::kEd25519:
      return Ptr<EVP_PKEY>(EVP_PKEY_Q_keygen(ctx.libctx(), nullptr, "ED25519"));
    case KeyType::kEcdsaP256:
      return Ptr<EVP_PKEY>(EVP_PKEY_Q_keygen(ctx.libctx(), nullptr, "EC", "P-256"));
  }
  return nullptr;
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
  switch (t) {
    case KeyType::kEd25519:
      return "ed25519";
    case KeyType::kEcdsaP256:
      return "ecdsa-p256";
  }
  return "?";
}

bool parse_key_type(std::string_view text, KeyType& out) noexcept {
  if (text == "ed25519")
    out = KeyType::kEd25519;
  else if (text == "ecdsa-p256" || text == "p256")
    out = KeyType::kEcdsaP256;
  else
    return false;
  return true;
}

Result<Pem> make_certificate(const Context& ctx, const CertRequest& req, const Pem* issuer) {
  ERR_clear_error();
  Ptr<EVP_PKEY> key = generate_key(ctx, req.key_type);
  if (!key) return openssl_failure<Pem>("key generation");

  Ptr<X509> issuer_cert;
  Ptr<EVP_PKEY> issuer_key;
  if (issuer != nullptr) {
    Ptr<BIO> cb(
        BIO_new_mem_buf(issuer->certificate.data(), static_cast<int>(issuer->certificate.size())));
    issuer_cert.reset(PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr));
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

Result<std::string> spki_pin(const Context&, const std::string& cert_pem) {
  Ptr<BIO> b(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  Ptr<X509> cert(PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr));
  if (!cert) return openssl_failure<std::string>("cannot parse the certificate PEM");
  std::string pin = tls::spki_sha256_hex(cert.get());
  if (pin.empty()) return openssl_failure<std::string>("cannot hash the SubjectPublicKeyInfo");
  return pin;
}

Status write_file(const std::string& path, const std::string& contents, bool secret) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, secret ? 0600 : 0644);
  if (fd < 0) return {Errc::kIoError, path + ": " + std::strerror(errno)};
  size_t off = 0;
  while (off < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + off, contents.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return {Errc::kIoError, path + ": " + std::strerror(e)};
    }
    off += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return {Errc::kIoError, path + ": " + std::strerror(errno)};
  return ok_status();
}

}  // namespace stoq

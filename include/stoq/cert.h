// Generation of keys and X.509 certificates for STOQ endpoints (`stoq cert`, tests).
// Thread-safe; uses the Context's OpenSSL library context.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "stoq/context.h"
#include "stoq/error.h"

namespace stoq {

// Key types `stoq cert` and `stoq keygen` can make (append-only). Falcon and the hybrids
// come from STOQ's provider (docs/pq-auth.md), ML-DSA from OpenSSL (3.5+).
enum class KeyType {
  kEd25519,
  kEcdsaP256,
  kFalcon512,
  kFalcon1024,
  kP256Falcon512,   // hybrid ECDSA P-256 + Falcon-512
  kP521Falcon1024,  // hybrid ECDSA P-521 + Falcon-1024
  kMlDsa44,
  kMlDsa65,
  kMlDsa87,
};

// "ed25519", "ecdsa-p256", "falcon512", "falcon1024", "p256_falcon512", "p521_falcon1024",
// "mldsa44", "mldsa65", "mldsa87" (parse also accepts "p256", "ml-dsa-65" etc.).
const char* to_string(KeyType t) noexcept;
bool parse_key_type(std::string_view text, KeyType& out) noexcept;
// Every key type, in the order above (for help texts and tests).
const std::vector<KeyType>& all_key_types();

struct CertRequest {
  KeyType key_type = KeyType::kEd25519;
  std::string common_name = "stoq";
  std::vector<std::string> dns_names;     // subjectAltName DNS entries (leaf)
  std::vector<std::string> ip_addresses;  // subjectAltName IP entries (leaf)
  bool is_ca = false;
  // Validity window relative to now; a negative not_after makes an expired certificate.
  std::chrono::seconds not_before{-3600};
  std::chrono::seconds not_after{std::chrono::hours(24 * 365)};
};

struct Pem {
  std::string certificate;
  std::string private_key;
};

// Makes a key pair and a certificate: self-signed when issuer is null, otherwise signed
// by the issuer's certificate and key (PEM).
Result<Pem> make_certificate(const Context& ctx, const CertRequest& req, const Pem* issuer);

// A new private key of type `t`, as PKCS#8 PEM.
Result<std::string> make_private_key_pem(const Context& ctx, KeyType t);
// The public key (SubjectPublicKeyInfo PEM) of a PEM private key.
Result<std::string> public_key_pem(const Context& ctx, const std::string& private_key_pem);

// SHA-256 (hex) of the SubjectPublicKeyInfo of the first certificate in `cert_pem`: the
// value TlsConfig::spki_pins expects.
Result<std::string> spki_pin(const Context& ctx, const std::string& cert_pem);

// Replaces `path` with a new file holding `contents`, mode 0600 when `secret` and 0644
// otherwise, whatever the old file's mode was. The bytes go to a fresh temporary file in
// the same directory that is renamed over `path`, so a symlink at `path` is replaced, not
// followed, and readers see the old or the new file, never a partial one.
// Errors: Errc::kIoError naming `path`; `path` is then unchanged.
Status write_file(const std::string& path, const std::string& contents, bool secret);

}  // namespace stoq

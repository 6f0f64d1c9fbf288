// Generation of keys and X.509 certificates for STOQ endpoints (`stoq cert`, tests).
// Thread-safe; uses the Context's OpenSSL library context.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "stoq/context.h"
#include "stoq/error.h"

namespace stoq {

// Key types `stoq cert` can make. Post-quantum types arrive with the provider issue.
enum class KeyType { kEd25519, kEcdsaP256 };

const char* to_string(KeyType t) noexcept;
bool parse_key_type(std::string_view text, KeyType& out) noexcept;

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

// SHA-256 (hex) of the SubjectPublicKeyInfo of the first certificate in `cert_pem`: the
// value TlsConfig::spki_pins expects.
Result<std::string> spki_pin(const Context& ctx, const std::string& cert_pem);

// Writes `contents` to `path` (mode 0600 when `secret`).
Status write_file(const std::string& path, const std::string& contents, bool secret);

}  // namespace stoq

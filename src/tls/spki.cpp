#include "tls/spki.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cctype>

namespace stoq::tls {

std::string spki_sha256_hex(OSSL_LIB_CTX* libctx, X509* cert) {
  if (cert == nullptr) return {};
  unsigned char* der = nullptr;
  int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  if (len <= 0) return {};
  unsigned char md[EVP_MAX_MD_SIZE];
  size_t mdlen = 0;
  const bool ok =
      EVP_Q_digest(libctx, "SHA256", nullptr, der, static_cast<size_t>(len), md, &mdlen) == 1;
  OPENSSL_free(der);
  if (!ok) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < mdlen; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

std::string normalize_pin(std::string_view pin) {
  if (pin.starts_with("sha256/")) pin.remove_prefix(7);
  std::string out;
  for (char c : pin) {
    if (c == ':') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return {};
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out.size() == 64 ? out : std::string{};
}

}  // namespace stoq::tls

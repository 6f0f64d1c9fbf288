// OSSL_OP_ENCODER: SubjectPublicKeyInfo and PKCS#8 PrivateKeyInfo as DER or PEM
// ("PUBLIC KEY" / "PRIVATE KEY"), and a text form for `openssl pkey -text`.
// Encrypted PKCS#8 is not offered.
#include <openssl/bio.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>

#include <string>

#include "provider/der.h"
#include "provider/dispatch_util.h"
#include "provider/key.h"
#include "provider/operations.h"

namespace stoq::provider {
namespace {

enum class Structure { kSpki, kPkcs8 };
enum class Output { kDer, kPem };

// A BIO over the core's output BIO, freed on scope exit.
class OutBio {
 public:
  OutBio(void* provctx, OSSL_CORE_BIO* out)
      : bio_(BIO_new_from_core_bio(context_of(provctx).libctx, out)) {}
  ~OutBio() { BIO_free(bio_); }
  OutBio(const OutBio&) = delete;
  OutBio& operator=(const OutBio&) = delete;
  BIO* get() const { return bio_; }

 private:
  BIO* bio_;
};

void* enc_newctx(void* provctx) {
  return provctx;
}
void enc_freectx(void*) {}

template <Structure S>
int enc_does_selection(void*, int selection) {
  // As OpenSSL's own encoders: the most specific part asked for decides.
  if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0) return S == Structure::kPkcs8;
  if ((selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) != 0) return S == Structure::kSpki;
  return 0;
}

bool write_all(BIO* bio, std::span<const std::uint8_t> bytes) {
  std::size_t written = 0;
  return BIO_write_ex(bio, bytes.data(), bytes.size(), &written) == 1 && written == bytes.size();
}

template <Structure S, Output O>
int enc_encode(void* provctx, OSSL_CORE_BIO* out, const void* obj_raw, const OSSL_PARAM[],
               int selection, OSSL_PASSPHRASE_CALLBACK*, void*) {
  return guarded<int>(0, [&] {
    const auto* key = static_cast<const Key*>(obj_raw);
    if (key == nullptr) {
      raise_error(ERR_R_PASSED_NULL_PARAMETER, "stoqprov: no key to encode");
      return 0;
    }
    if (!enc_does_selection<S>(provctx, selection)) return 0;
    OutBio bio(provctx, out);
    if (bio.get() == nullptr) return 0;
    const Algorithm& alg = key->algorithm();
    if constexpr (S == Structure::kSpki) {
      if (!key->has_public()) {
        raise_error(PROV_R_NOT_A_PUBLIC_KEY, "stoqprov: key has no public half");
        return 0;
      }
      const auto der = der::encode_spki(alg.oid_der, key->public_encoding());
      if constexpr (O == Output::kDer) {
        return write_all(bio.get(), der) ? 1 : 0;
      } else {
        return PEM_write_bio(bio.get(), "PUBLIC KEY", "", der.data(),
                             static_cast<long>(der.size())) > 0
                   ? 1
                   : 0;
      }
    } else {
      if (!key->has_private()) {
        raise_error(PROV_R_NOT_A_PRIVATE_KEY, "stoqprov: key has no private half");
        return 0;
      }
      SecretBytes content;
      std::string why;
      if (!key->pkcs8_content(content, why)) {
        raise_error(PROV_R_INVALID_KEY, why);
        return 0;
      }
      SecretBytes inner(der::encode_octet_string(content.span()));
      SecretBytes der(der::encode_pkcs8(alg.oid_der, inner.span()));
      if constexpr (O == Output::kDer) {
        return write_all(bio.get(), der.span()) ? 1 : 0;
      } else {
        return PEM_write_bio(bio.get(), "PRIVATE KEY", "", der.data(),
                             static_cast<long>(der.size())) > 0
                   ? 1
                   : 0;
      }
    }
  });
}

int print_hex(BIO* bio, const char* label, std::span<const std::uint8_t> bytes) {
  if (BIO_printf(bio, "%s:\n", label) <= 0) return 0;
  for (std::size_t i = 0; i < bytes.size(); i += 16) {
    std::string line = "    ";
    for (std::size_t j = i; j < bytes.size() && j < i + 16; ++j) {
      static constexpr char kHex[] = "0123456789abcdef";
      line += kHex[bytes[j] >> 4];
      line += kHex[bytes[j] & 0xf];
      if (j + 1 < bytes.size()) line += ':';
    }
    line += '\n';
    if (BIO_puts(bio, line.c_str()) <= 0) return 0;
  }
  return 1;
}

int text_does_selection(void*, int selection) {
  return (selection & OSSL_KEYMGMT_SELECT_KEYPAIR) != 0 ? 1 : 0;
}

int text_encode(void* provctx, OSSL_CORE_BIO* out, const void* obj_raw, const OSSL_PARAM[],
                int selection, OSSL_PASSPHRASE_CALLBACK*, void*) {
  return guarded<int>(0, [&] {
    const auto* key = static_cast<const Key*>(obj_raw);
    if (key == nullptr) return 0;
    OutBio bio(provctx, out);
    if (bio.get() == nullptr) return 0;
    const Algorithm& alg = key->algorithm();
    const bool priv = (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0 && key->has_private();
    if (BIO_printf(bio.get(), "%s %s key (OID %s, %d-bit security%s%s)\n",
                   std::string(alg.name).c_str(), priv ? "private" : "public", alg.oid,
                   alg.security_bits, alg.is_hybrid() ? ", hybrid with ECDSA " : "",
                   alg.is_hybrid() ? alg.curve : "") <= 0) {
      return 0;
    }
    if (priv) {
      SecretBytes encoded;
      std::string why;
      if (!key->private_encoding(encoded, why) || !print_hex(bio.get(), "priv", encoded.span())) {
        return 0;
      }
    }
    if (key->has_public() && !print_hex(bio.get(), "pub", key->public_encoding())) return 0;
    return 1;
  });
}

template <Structure S, Output O>
const OSSL_DISPATCH* encoder_functions() {
  static const OSSL_DISPATCH kFunctions[] = {
      {OSSL_FUNC_ENCODER_NEWCTX, as_fn(&enc_newctx)},
      {OSSL_FUNC_ENCODER_FREECTX, as_fn(&enc_freectx)},
      {OSSL_FUNC_ENCODER_DOES_SELECTION, as_fn(&enc_does_selection<S>)},
      {OSSL_FUNC_ENCODER_ENCODE, as_fn(&enc_encode<S, O>)},
      OSSL_DISPATCH_END};
  return kFunctions;
}

const OSSL_DISPATCH* text_functions() {
  static const OSSL_DISPATCH kFunctions[] = {
      {OSSL_FUNC_ENCODER_NEWCTX, as_fn(&enc_newctx)},
      {OSSL_FUNC_ENCODER_FREECTX, as_fn(&enc_freectx)},
      {OSSL_FUNC_ENCODER_DOES_SELECTION, as_fn(&text_does_selection)},
      {OSSL_FUNC_ENCODER_ENCODE, as_fn(&text_encode)},
      OSSL_DISPATCH_END};
  return kFunctions;
}

}  // namespace

const OSSL_ALGORITHM* encoder_algorithms() {
  static const std::vector<OSSL_ALGORITHM> kAlgorithms = [] {
    std::vector<OSSL_ALGORITHM> v;
    for (const Algorithm& a : algorithms()) {
      v.push_back({a.fetch_names, "provider=stoqprov,output=der,structure=SubjectPublicKeyInfo",
                   encoder_functions<Structure::kSpki, Output::kDer>(), nullptr});
      v.push_back({a.fetch_names, "provider=stoqprov,output=pem,structure=SubjectPublicKeyInfo",
                   encoder_functions<Structure::kSpki, Output::kPem>(), nullptr});
      v.push_back({a.fetch_names, "provider=stoqprov,output=der,structure=PrivateKeyInfo",
                   encoder_functions<Structure::kPkcs8, Output::kDer>(), nullptr});
      v.push_back({a.fetch_names, "provider=stoqprov,output=pem,structure=PrivateKeyInfo",
                   encoder_functions<Structure::kPkcs8, Output::kPem>(), nullptr});
      v.push_back({a.fetch_names, "provider=stoqprov,output=text", text_functions(), nullptr});
    }
    v.push_back({nullptr, nullptr, nullptr, nullptr});
    return v;
  }();
  return kAlgorithms.data();
}

}  // namespace stoq::provider

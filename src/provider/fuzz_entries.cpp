#include "provider/fuzz_entries.h"

#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "provider/algorithm.h"
#include "provider/der.h"

namespace stoq::provider::fuzz {
namespace {

void check(bool condition, int line = __builtin_LINE()) {
  if (!condition) {
    std::fprintf(stderr, "provider fuzz entry: consistency check at line %d failed\n", line);
    std::abort();
  }
}

bool equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

// Decodes `in` as `structure` for key type `name`; on success re-encodes and compares.
void round_trip(OSSL_LIB_CTX* libctx, std::span<const std::uint8_t> in, const char* name,
                const char* structure, int selection) {
  EVP_PKEY* pkey = nullptr;
  OSSL_DECODER_CTX* dctx =
      OSSL_DECODER_CTX_new_for_pkey(&pkey, "DER", structure, name, selection, libctx, nullptr);
  check(dctx != nullptr);
  const unsigned char* p = in.data();
  std::size_t len = in.size();
  const bool decoded = OSSL_DECODER_from_data(dctx, &p, &len) == 1 && pkey != nullptr;
  OSSL_DECODER_CTX_free(dctx);
  // A SubjectPublicKeyInfo may satisfy a key-pair request with the public half only; only
  // a key that has what `selection` asks for can be re-encoded in `structure`.
  std::size_t priv_len = 0;
  const bool complete =
      (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) == 0 ||
      EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, nullptr, 0, &priv_len) == 1;
  if (decoded && complete) {
    check(EVP_PKEY_is_a(pkey, name) == 1);
    OSSL_ENCODER_CTX* ectx =
        OSSL_ENCODER_CTX_new_for_pkey(pkey, selection, "DER", structure, nullptr);
    check(ectx != nullptr);
    unsigned char* out = nullptr;
    std::size_t out_len = 0;
    check(OSSL_ENCODER_to_data(ectx, &out, &out_len) == 1);
    // OpenSSL's framework reads one DER object and ignores what follows it, so the
    // re-encoding must equal the input's first out_len bytes.
    check(out_len <= in.size() && equal(std::span(out, out_len), in.first(out_len)));
    OPENSSL_clear_free(out, out_len);
    OSSL_ENCODER_CTX_free(ectx);
  }
  EVP_PKEY_free(pkey);
  ERR_clear_error();
}

}  // namespace

std::span<const Entry> entries() {
  static constexpr std::array<Entry, 2> kEntries = {{{"der", der}, {"decoder", decoder}}};
  return kEntries;
}

int der(OSSL_LIB_CTX*, const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  std::string why;
  if (const auto spki = der::decode_spki(in, why)) {
    check(equal(der::encode_spki(spki->oid, spki->key), in));
  }
  if (const auto pkcs8 = der::decode_pkcs8(in, why)) {
    check(equal(der::encode_pkcs8(pkcs8->oid, pkcs8->key), in));
  }
  if (const auto octets = der::decode_octet_string(in, why)) {
    check(equal(der::encode_octet_string(*octets), in));
  }
  return 0;
}

int decoder(OSSL_LIB_CTX* libctx, const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  for (const Algorithm& a : algorithms()) {
    const std::string name(a.name);
    round_trip(libctx, in, name.c_str(), "SubjectPublicKeyInfo", EVP_PKEY_PUBLIC_KEY);
    round_trip(libctx, in, name.c_str(), "PrivateKeyInfo", EVP_PKEY_KEYPAIR);
  }
  return 0;
}

}  // namespace stoq::provider::fuzz

// OSSL_OP_DECODER: DER SubjectPublicKeyInfo and PKCS#8 PrivateKeyInfo to a provider key.
// PEM input reaches these through the PEM-to-DER decoder of OpenSSL's default (or base)
// provider, which must be loaded alongside, as with OpenSSL's own key types.
//
// Bounded: at most kMaxInput bytes are read. Input that is not one of our structures, or
// names another algorithm, is declined silently so that other decoders can try; input
// that names our OID but is malformed is declined with an error saying why.
#include <openssl/bio.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/params.h>

#include <algorithm>
#include <memory>
#include <string>

#include "provider/der.h"
#include "provider/dispatch_util.h"
#include "provider/key.h"
#include "provider/operations.h"
#include "provider/secret_bytes.h"

namespace stoq::provider {
namespace {

// The largest valid input (p521_falcon1024 PKCS#8) is about 4.4 KB.
constexpr std::size_t kMaxInput = 16 * 1024;

enum class Structure { kSpki, kPkcs8 };

void* dec_newctx(void* provctx) {
  return provctx;
}
void dec_freectx(void*) {}

template <Structure S>
int dec_does_selection(void*, int selection) {
  if (selection == 0) return 1;
  if (S == Structure::kPkcs8) return (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0;
  return (selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) != 0;
}

// Reads the whole input, at most kMaxInput bytes; false when it is larger or unreadable.
bool read_input(void* provctx, OSSL_CORE_BIO* cin, SecretBytes& out) {
  BIO* bio = BIO_new_from_core_bio(context_of(provctx).libctx, cin);
  if (bio == nullptr) return false;
  // Keys are a few KiB: start small and grow by four (a fixed-size secret buffer is
  // replaced, and wiped, when it fills), so a public key does not cost a 16 KiB
  // allocation, zeroing and wipe.
  SecretBytes buf(4096);
  std::size_t total = 0;
  for (;;) {
    if (total == buf.size()) {
      if (buf.size() > kMaxInput) break;
      SecretBytes bigger(std::min(buf.size() * 4, kMaxInput + 1));
      std::copy(buf.data(), buf.data() + total, bigger.data());
      buf = std::move(bigger);
    }
    std::size_t got = 0;
    if (BIO_read_ex(bio, buf.data() + total, buf.size() - total, &got) != 1 || got == 0) break;
    total += got;
  }
  BIO_free(bio);
  if (total == 0 || total > kMaxInput) return false;
  SecretBytes exact(total);
  std::copy(buf.data(), buf.data() + total, exact.data());
  out = std::move(exact);
  return true;
}

// Parses `in` as a key of `alg`; nullptr with a reason when it is ours but malformed, and
// nullptr with an empty reason when it is not ours.
template <Structure S>
std::unique_ptr<Key> parse(const Algorithm& alg, const ProviderContext& ctx,
                           std::span<const std::uint8_t> in, std::string& why) {
  std::string der_why;
  const auto container =
      S == Structure::kSpki ? der::decode_spki(in, der_why) : der::decode_pkcs8(in, der_why);
  if (!container || find_algorithm_by_oid(container->oid) != &alg) return nullptr;
  auto key = std::make_unique<Key>(alg, ctx);
  if constexpr (S == Structure::kSpki) {
    if (!key->set_public(container->key, why)) return nullptr;
  } else {
    const auto content = der::decode_octet_string(container->key, der_why);
    if (!content) {
      why = std::string(alg.name) + " PKCS#8 key: " + der_why;
      return nullptr;
    }
    if (!key->set_from_pkcs8_content(*content, why)) return nullptr;
  }
  return key;
}

template <std::size_t I, Structure S>
int dec_decode(void* provctx, OSSL_CORE_BIO* cin, int selection, OSSL_CALLBACK* data_cb,
               void* data_cbarg, OSSL_PASSPHRASE_CALLBACK*, void*) {
  return guarded<int>(0, [&] {
    if (!dec_does_selection<S>(provctx, selection)) return 1;
    SecretBytes input;
    if (!read_input(provctx, cin, input)) return 1;
    const Algorithm& alg = algorithms()[I];
    std::string why;
    auto key = parse<S>(alg, context_of(provctx), input.span(), why);
    if (!key) {
      if (!why.empty()) raise_error(PROV_R_INVALID_KEY, why);
      return 1;
    }
    Key* raw = key.release();
    int object_type = OSSL_OBJECT_PKEY;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_OBJECT_PARAM_TYPE, &object_type),
        OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA_TYPE,
                                         const_cast<char*>(alg.name.data()), 0),
        OSSL_PARAM_construct_octet_string(OSSL_OBJECT_PARAM_REFERENCE, &raw, sizeof raw),
        OSSL_PARAM_construct_end()};
    const int rv = data_cb(params, data_cbarg);
    delete raw;  // null when the key manager's load took it
    return rv;
  });
}

int dec_export_object(void*, const void* objref, size_t objref_sz, OSSL_CALLBACK* export_cb,
                      void* export_cbarg) {
  if (objref == nullptr || objref_sz != sizeof(Key*)) return 0;
  Key* key = *static_cast<Key* const*>(objref);
  if (key == nullptr) return 0;
  return keymgmt_export(key, OSSL_KEYMGMT_SELECT_ALL, export_cb, export_cbarg);
}

template <std::size_t I, Structure S>
const OSSL_DISPATCH* decoder_functions() {
  static const OSSL_DISPATCH kFunctions[] = {
      {OSSL_FUNC_DECODER_NEWCTX, as_fn(&dec_newctx)},
      {OSSL_FUNC_DECODER_FREECTX, as_fn(&dec_freectx)},
      {OSSL_FUNC_DECODER_DOES_SELECTION, as_fn(&dec_does_selection<S>)},
      {OSSL_FUNC_DECODER_DECODE, as_fn(&dec_decode<I, S>)},
      {OSSL_FUNC_DECODER_EXPORT_OBJECT, as_fn(&dec_export_object)},
      OSSL_DISPATCH_END};
  return kFunctions;
}

template <std::size_t I>
void add_decoders(std::vector<OSSL_ALGORITHM>& v) {
  const char* names = algorithms()[I].fetch_names;
  v.push_back({names, "provider=stoqprov,input=der,structure=SubjectPublicKeyInfo",
               decoder_functions<I, Structure::kSpki>(), nullptr});
  v.push_back({names, "provider=stoqprov,input=der,structure=PrivateKeyInfo",
               decoder_functions<I, Structure::kPkcs8>(), nullptr});
}

}  // namespace

const OSSL_ALGORITHM* decoder_algorithms() {
  static const std::vector<OSSL_ALGORITHM> kAlgorithms = [] {
    std::vector<OSSL_ALGORITHM> v;
    add_decoders<0>(v);
    add_decoders<1>(v);
    add_decoders<2>(v);
    add_decoders<3>(v);
    static_assert(kAlgorithmCount == 4);
    v.push_back({nullptr, nullptr, nullptr, nullptr});
    return v;
  }();
  return kAlgorithms.data();
}

}  // namespace stoq::provider

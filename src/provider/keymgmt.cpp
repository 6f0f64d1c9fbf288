// OSSL_OP_KEYMGMT: generation, import/export of the raw encodings ("pub", "priv"),
// has/match/dup, and the parameters libssl and libcrypto ask about (bits, security bits,
// maximum signature size, no mandatory digest).
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/params.h>

#include <array>
#include <memory>
#include <optional>

#include "provider/dispatch_util.h"
#include "provider/key.h"
#include "provider/operations.h"

namespace stoq::provider {
namespace {

struct GenContext {
  const ProviderContext* ctx;
  int selection;
};

Key* as_key(void* keydata) {
  return static_cast<Key*>(keydata);
}

template <std::size_t I>
const Algorithm& alg() {
  return algorithms()[I];
}

template <std::size_t I>
void* km_new(void* provctx) {
  return guarded<void*>(nullptr, [&]() -> void* { return new Key(alg<I>(), context_of(provctx)); });
}

void km_free(void* keydata) {
  delete as_key(keydata);
}

template <std::size_t I>
void* km_gen_init(void* provctx, int selection, const OSSL_PARAM[]) {
  return guarded<void*>(nullptr, [&]() -> void* {
    return new GenContext{&context_of(provctx), selection};
  });
}

int km_gen_set_params(void*, const OSSL_PARAM[]) {
  return 1;
}

const OSSL_PARAM* km_gen_settable_params(void*, void*) {
  static const OSSL_PARAM kNone[] = {OSSL_PARAM_END};
  return kNone;
}

template <std::size_t I>
void* km_gen(void* genctx, OSSL_CALLBACK*, void*) {
  return guarded<void*>(nullptr, [&]() -> void* {
    const auto* gen = static_cast<GenContext*>(genctx);
    if ((gen->selection & OSSL_KEYMGMT_SELECT_KEYPAIR) == 0) return new Key(alg<I>(), *gen->ctx);
    std::string why;
    auto key = Key::generate(alg<I>(), *gen->ctx, why);
    if (!key) {
      raise_error(PROV_R_FAILED_TO_GENERATE_KEY, why);
      return nullptr;
    }
    return key.release();
  });
}

void km_gen_cleanup(void* genctx) {
  delete static_cast<GenContext*>(genctx);
}

// Decoders hand over a Key* by reference (OSSL_OBJECT_PARAM_REFERENCE); take ownership.
template <std::size_t I>
void* km_load(const void* reference, size_t reference_sz) {
  if (reference == nullptr || reference_sz != sizeof(Key*)) return nullptr;
  Key** slot = static_cast<Key**>(const_cast<void*>(reference));
  Key* key = *slot;
  if (key == nullptr || &key->algorithm() != &alg<I>()) return nullptr;
  *slot = nullptr;
  return key;
}

int km_has(const void* keydata, int selection) {
  const auto* key = static_cast<const Key*>(keydata);
  if (key == nullptr) return 0;
  if ((selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) != 0 && !key->has_public()) return 0;
  if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0 && !key->has_private()) return 0;
  return 1;
}

int km_match(const void* a, const void* b, int selection) {
  return guarded<int>(0, [&] {
    const auto* k1 = static_cast<const Key*>(a);
    const auto* k2 = static_cast<const Key*>(b);
    if (&k1->algorithm() != &k2->algorithm()) return 0;
    if ((selection & OSSL_KEYMGMT_SELECT_KEYPAIR) == 0) return 1;
    if (!k1->has_public() || !k2->has_public()) return 0;
    // The public key is a function of the private key, so equal public keys identify the
    // pair for either selection.
    return k1->public_encoding() == k2->public_encoding() ? 1 : 0;
  });
}

template <std::size_t I>
int km_get_params(void* keydata, OSSL_PARAM params[]) {
  return guarded<int>(0, [&] {
    const Key* key = as_key(keydata);
    const Algorithm& a = alg<I>();
    OSSL_PARAM* p;
    if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_BITS)) != nullptr &&
        !OSSL_PARAM_set_int(p, static_cast<int>(8 * public_encoding_size(a)))) {
      return 0;
    }
    if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_SECURITY_BITS)) != nullptr &&
        !OSSL_PARAM_set_int(p, a.security_bits)) {
      return 0;
    }
    if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_SECURITY_CATEGORY)) != nullptr &&
        !OSSL_PARAM_set_int(p, a.security_category)) {
      return 0;
    }
    if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_MAX_SIZE)) != nullptr &&
        !OSSL_PARAM_set_int(p, static_cast<int>(max_signature_size(a)))) {
      return 0;
    }
    // Falcon signs the message itself: an empty mandatory digest lets EVP_DigestSign*
    // (X.509, libssl) run without a digest.
    if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_MANDATORY_DIGEST)) != nullptr &&
        !OSSL_PARAM_set_utf8_string(p, "")) {
      return 0;
    }
    if (key->has_public()) {
      const auto pub = key->public_encoding();
      for (const char* name : {OSSL_PKEY_PARAM_PUB_KEY, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY}) {
        if ((p = OSSL_PARAM_locate(params, name)) != nullptr &&
            !OSSL_PARAM_set_octet_string(p, pub.data(), pub.size())) {
          return 0;
        }
      }
    }
    if (key->has_private() &&
        (p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_PRIV_KEY)) != nullptr) {
      SecretBytes priv;
      std::string why;
      if (!key->private_encoding(priv, why)) {
        raise_error(PROV_R_INVALID_KEY, why);
        return 0;
      }
      if (!OSSL_PARAM_set_octet_string(p, priv.data(), priv.size())) return 0;
    }
    return 1;
  });
}

const OSSL_PARAM* km_gettable_params(void*) {
  static const OSSL_PARAM kGettable[] = {
      OSSL_PARAM_int(OSSL_PKEY_PARAM_BITS, nullptr),
      OSSL_PARAM_int(OSSL_PKEY_PARAM_SECURITY_BITS, nullptr),
      OSSL_PARAM_int(OSSL_PKEY_PARAM_SECURITY_CATEGORY, nullptr),
      OSSL_PARAM_int(OSSL_PKEY_PARAM_MAX_SIZE, nullptr),
      OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_MANDATORY_DIGEST, nullptr, 0),
      OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, nullptr, 0),
      OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, nullptr, 0),
      OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, nullptr, 0),
      OSSL_PARAM_END};
  return kGettable;
}

std::optional<std::span<const std::uint8_t>> octets(const OSSL_PARAM* p) {
  const void* data = nullptr;
  std::size_t len = 0;
  if (p == nullptr || OSSL_PARAM_get_octet_string_ptr(p, &data, &len) != 1) return std::nullopt;
  return std::span(static_cast<const std::uint8_t*>(data), len);
}

int km_import(void* keydata, int selection, const OSSL_PARAM params[]) {
  return guarded<int>(0, [&] {
    Key* key = as_key(keydata);
    if (key == nullptr || (selection & OSSL_KEYMGMT_SELECT_KEYPAIR) == 0) return 0;
    const auto pub = octets(OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_PUB_KEY));
    const auto priv = octets(OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_PRIV_KEY));
    std::string why;
    bool ok;
    if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0 && priv) {
      ok = key->set_private(*priv, pub, why);
    } else if ((selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) != 0 && pub) {
      ok = key->set_public(*pub, why);
    } else {
      why = std::string(key->algorithm().name) + ": import needs \"pub\" or \"priv\"";
      ok = false;
    }
    if (!ok) raise_error(PROV_R_INVALID_KEY, why);
    return ok ? 1 : 0;
  });
}

const OSSL_PARAM* km_imexport_types(int selection) {
  static const OSSL_PARAM kBoth[] = {OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, nullptr, 0),
                                     OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, nullptr, 0),
                                     OSSL_PARAM_END};
  static const OSSL_PARAM kPublic[] = {OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, nullptr, 0),
                                       OSSL_PARAM_END};
  static const OSSL_PARAM kNone[] = {OSSL_PARAM_END};
  if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0) return kBoth;
  if ((selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) != 0) return kPublic;
  return kNone;
}

}  // namespace

int keymgmt_export(void* keydata, int selection, OSSL_CALLBACK* cb, void* cbarg) {
  return guarded<int>(0, [&] {
    const Key* key = as_key(keydata);
    if (key == nullptr || (selection & OSSL_KEYMGMT_SELECT_KEYPAIR) == 0) return 0;
    std::vector<OSSL_PARAM> params;
    std::vector<std::uint8_t> pub;
    SecretBytes priv;
    if (key->has_public()) {
      pub = key->public_encoding();
      params.push_back(
          OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size()));
    }
    if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0 && key->has_private()) {
      std::string why;
      if (!key->private_encoding(priv, why)) {
        raise_error(PROV_R_INVALID_KEY, why);
        return 0;
      }
      params.push_back(
          OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, priv.data(), priv.size()));
    }
    params.push_back(OSSL_PARAM_construct_end());
    return cb(params.data(), cbarg);
  });
}

namespace {

void* km_dup(const void* keydata, int selection) {
  return guarded<void*>(nullptr, [&]() -> void* {
    std::string why;
    auto copy = static_cast<const Key*>(keydata)->duplicate(selection, why);
    if (!copy) raise_error(PROV_R_INVALID_KEY, why);
    return copy.release();
  });
}

template <std::size_t I>
const char* km_query_operation_name(int operation_id) {
  return operation_id == OSSL_OP_SIGNATURE ? algorithms()[I].name.data() : nullptr;
}

template <std::size_t I>
const OSSL_DISPATCH* keymgmt_functions() {
  static const OSSL_DISPATCH kFunctions[] = {
      {OSSL_FUNC_KEYMGMT_NEW, as_fn(&km_new<I>)},
      {OSSL_FUNC_KEYMGMT_FREE, as_fn(&km_free)},
      {OSSL_FUNC_KEYMGMT_GEN_INIT, as_fn(&km_gen_init<I>)},
      {OSSL_FUNC_KEYMGMT_GEN_SET_PARAMS, as_fn(&km_gen_set_params)},
      {OSSL_FUNC_KEYMGMT_GEN_SETTABLE_PARAMS, as_fn(&km_gen_settable_params)},
      {OSSL_FUNC_KEYMGMT_GEN, as_fn(&km_gen<I>)},
      {OSSL_FUNC_KEYMGMT_GEN_CLEANUP, as_fn(&km_gen_cleanup)},
      {OSSL_FUNC_KEYMGMT_LOAD, as_fn(&km_load<I>)},
      {OSSL_FUNC_KEYMGMT_GET_PARAMS, as_fn(&km_get_params<I>)},
      {OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, as_fn(&km_gettable_params)},
      {OSSL_FUNC_KEYMGMT_HAS, as_fn(&km_has)},
      {OSSL_FUNC_KEYMGMT_MATCH, as_fn(&km_match)},
      {OSSL_FUNC_KEYMGMT_IMPORT, as_fn(&km_import)},
      {OSSL_FUNC_KEYMGMT_IMPORT_TYPES, as_fn(&km_imexport_types)},
      {OSSL_FUNC_KEYMGMT_EXPORT, as_fn(&keymgmt_export)},
      {OSSL_FUNC_KEYMGMT_EXPORT_TYPES, as_fn(&km_imexport_types)},
      {OSSL_FUNC_KEYMGMT_DUP, as_fn(&km_dup)},
      {OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, as_fn(&km_query_operation_name<I>)},
      OSSL_DISPATCH_END};
  return kFunctions;
}

}  // namespace

const OSSL_ALGORITHM* keymgmt_algorithms() {
  static const OSSL_ALGORITHM kAlgorithms[] = {
      {algorithms()[0].fetch_names, "provider=stoqprov", keymgmt_functions<0>(), "Falcon-512"},
      {algorithms()[1].fetch_names, "provider=stoqprov", keymgmt_functions<1>(),
       "ECDSA P-256 + Falcon-512 hybrid"},
      {algorithms()[2].fetch_names, "provider=stoqprov", keymgmt_functions<2>(), "Falcon-1024"},
      {algorithms()[3].fetch_names, "provider=stoqprov", keymgmt_functions<3>(),
       "ECDSA P-521 + Falcon-1024 hybrid"},
      {nullptr, nullptr, nullptr, nullptr}};
  static_assert(kAlgorithmCount == 4);
  return kAlgorithms;
}

}  // namespace stoq::provider

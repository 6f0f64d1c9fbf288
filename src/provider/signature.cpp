// OSSL_OP_SIGNATURE: sign/verify and the one-shot and streaming digest_sign/digest_verify
// forms libssl (CertificateVerify) and X.509 use, with no digest (Falcon signs the message
// itself; the hybrid's ECDSA half hashes internally). The AlgorithmIdentifier for X.509 is
// the algorithm's OID without parameters.
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

#include <algorithm>
#include <vector>

#include "provider/der.h"
#include "provider/dispatch_util.h"
#include "provider/key.h"
#include "provider/operations.h"
#include "provider/signer.h"

namespace stoq::provider {
namespace {

struct SigContext {
  const ProviderContext* ctx;
  const Algorithm* alg;
  const Key* key = nullptr;
  bool signing = false;
  std::vector<std::uint8_t> buffered;  // digest_*_update data (signed as one message)
};

SigContext* as_ctx(void* p) {
  return static_cast<SigContext*>(p);
}

template <std::size_t I>
void* sig_newctx(void* provctx, const char*) {
  return guarded<void*>(nullptr, [&]() -> void* {
    return new SigContext{&context_of(provctx), &algorithms()[I]};
  });
}

void sig_freectx(void* ctx) {
  delete as_ctx(ctx);
}

void* sig_dupctx(void* ctx) {
  return guarded<void*>(nullptr, [&]() -> void* { return new SigContext(*as_ctx(ctx)); });
}

int init(void* vctx, void* keydata, bool signing) {
  SigContext* ctx = as_ctx(vctx);
  const auto* key = static_cast<const Key*>(keydata);
  if (key == nullptr) {
    if (ctx->key != nullptr) return 1;  // re-initialisation with the same key
    raise_error(PROV_R_NO_KEY_SET, "stoqprov: no key");
    return 0;
  }
  if (&key->algorithm() != ctx->alg) {
    raise_error(PROV_R_OPERATION_NOT_SUPPORTED_FOR_THIS_KEYTYPE,
                std::string("stoqprov: a ") + std::string(key->algorithm().name) +
                    " key cannot be used with the " + std::string(ctx->alg->name) + " signature");
    return 0;
  }
  if (signing ? !key->has_private() : !key->has_public()) {
    raise_error(signing ? PROV_R_NOT_A_PRIVATE_KEY : PROV_R_NOT_A_PUBLIC_KEY,
                std::string("stoqprov: ") + std::string(ctx->alg->name) +
                    (signing ? " key has no private half" : " key has no public half"));
    return 0;
  }
  ctx->key = key;
  ctx->signing = signing;
  ctx->buffered.clear();
  return 1;
}

int sig_sign_init(void* ctx, void* key, const OSSL_PARAM[]) {
  return init(ctx, key, true);
}
int sig_verify_init(void* ctx, void* key, const OSSL_PARAM[]) {
  return init(ctx, key, false);
}

int do_sign(SigContext* ctx, unsigned char* sig, size_t* siglen, size_t sigsize,
            std::span<const std::uint8_t> message) {
  if (ctx->key == nullptr || !ctx->signing) return 0;
  if (sig == nullptr) {
    *siglen = max_signature_size(*ctx->alg);
    return 1;
  }
  std::vector<std::uint8_t> out;
  std::string why;
  if (!sign(*ctx->key, message, out, why)) {
    raise_error(PROV_R_FAILED_TO_SIGN, why);
    return 0;
  }
  if (out.size() > sigsize) {
    raise_error(PROV_R_INVALID_SIGNATURE_SIZE, "stoqprov: signature buffer too small");
    return 0;
  }
  std::copy(out.begin(), out.end(), sig);
  *siglen = out.size();
  return 1;
}

int do_verify(SigContext* ctx, const unsigned char* sig, size_t siglen,
              std::span<const std::uint8_t> message) {
  if (ctx->key == nullptr || ctx->signing) return 0;
  std::string why;
  return verify(*ctx->key, message, std::span(sig, siglen), why) ? 1 : 0;
}

int sig_sign(void* ctx, unsigned char* sig, size_t* siglen, size_t sigsize,
             const unsigned char* tbs, size_t tbslen) {
  return guarded<int>(0, [&] { return do_sign(as_ctx(ctx), sig, siglen, sigsize, {tbs, tbslen}); });
}

int sig_verify(void* ctx, const unsigned char* sig, size_t siglen, const unsigned char* tbs,
               size_t tbslen) {
  return guarded<int>(0, [&] { return do_verify(as_ctx(ctx), sig, siglen, {tbs, tbslen}); });
}

bool no_digest(const char* mdname) {
  if (mdname == nullptr || *mdname == '\0') return true;
  raise_error(PROV_R_DIGEST_NOT_ALLOWED,
              std::string("stoqprov: Falcon signs the message itself; digest ") + mdname +
                  " cannot be used");
  return false;
}

int sig_digest_sign_init(void* ctx, const char* mdname, void* key, const OSSL_PARAM[]) {
  return no_digest(mdname) ? init(ctx, key, true) : 0;
}

int sig_digest_verify_init(void* ctx, const char* mdname, void* key, const OSSL_PARAM[]) {
  return no_digest(mdname) ? init(ctx, key, false) : 0;
}

int sig_digest_update(void* vctx, const unsigned char* data, size_t len) {
  return guarded<int>(0, [&] {
    SigContext* ctx = as_ctx(vctx);
    if (ctx->key == nullptr) return 0;
    ctx->buffered.insert(ctx->buffered.end(), data, data + len);
    return 1;
  });
}

int sig_digest_sign_final(void* vctx, unsigned char* sig, size_t* siglen, size_t sigsize) {
  return guarded<int>(0, [&] {
    SigContext* ctx = as_ctx(vctx);
    return do_sign(ctx, sig, siglen, sigsize, ctx->buffered);
  });
}

int sig_digest_verify_final(void* vctx, const unsigned char* sig, size_t siglen) {
  return guarded<int>(0, [&] {
    SigContext* ctx = as_ctx(vctx);
    return do_verify(ctx, sig, siglen, ctx->buffered);
  });
}

int sig_get_ctx_params(void* vctx, OSSL_PARAM params[]) {
  return guarded<int>(0, [&] {
    SigContext* ctx = as_ctx(vctx);
    OSSL_PARAM* p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_ALGORITHM_ID);
    if (p != nullptr) {
      const auto aid = der::encode_algorithm_id(ctx->alg->oid_der);
      if (!OSSL_PARAM_set_octet_string(p, aid.data(), aid.size())) return 0;
    }
    return 1;
  });
}

const OSSL_PARAM* sig_gettable_ctx_params(void*, void*) {
  static const OSSL_PARAM kGettable[] = {
      OSSL_PARAM_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, nullptr, 0), OSSL_PARAM_END};
  return kGettable;
}

int sig_set_ctx_params(void*, const OSSL_PARAM[]) {
  return 1;
}

const OSSL_PARAM* sig_settable_ctx_params(void*, void*) {
  static const OSSL_PARAM kNone[] = {OSSL_PARAM_END};
  return kNone;
}

template <std::size_t I>
const OSSL_DISPATCH* signature_functions() {
  static const OSSL_DISPATCH kFunctions[] = {
      {OSSL_FUNC_SIGNATURE_NEWCTX, as_fn(&sig_newctx<I>)},
      {OSSL_FUNC_SIGNATURE_FREECTX, as_fn(&sig_freectx)},
      {OSSL_FUNC_SIGNATURE_DUPCTX, as_fn(&sig_dupctx)},
      {OSSL_FUNC_SIGNATURE_SIGN_INIT, as_fn(&sig_sign_init)},
      {OSSL_FUNC_SIGNATURE_SIGN, as_fn(&sig_sign)},
      {OSSL_FUNC_SIGNATURE_VERIFY_INIT, as_fn(&sig_verify_init)},
      {OSSL_FUNC_SIGNATURE_VERIFY, as_fn(&sig_verify)},
      {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT, as_fn(&sig_digest_sign_init)},
      {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_UPDATE, as_fn(&sig_digest_update)},
      {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_FINAL, as_fn(&sig_digest_sign_final)},
      {OSSL_FUNC_SIGNATURE_DIGEST_SIGN, as_fn(&sig_sign)},
      {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_INIT, as_fn(&sig_digest_verify_init)},
      {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_UPDATE, as_fn(&sig_digest_update)},
      {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_FINAL, as_fn(&sig_digest_verify_final)},
      {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY, as_fn(&sig_verify)},
      {OSSL_FUNC_SIGNATURE_GET_CTX_PARAMS, as_fn(&sig_get_ctx_params)},
      {OSSL_FUNC_SIGNATURE_GETTABLE_CTX_PARAMS, as_fn(&sig_gettable_ctx_params)},
      {OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, as_fn(&sig_set_ctx_params)},
      {OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS, as_fn(&sig_settable_ctx_params)},
      OSSL_DISPATCH_END};
  return kFunctions;
}

}  // namespace

const OSSL_ALGORITHM* signature_algorithms() {
  static const OSSL_ALGORITHM kAlgorithms[] = {
      {algorithms()[0].fetch_names, "provider=stoqprov", signature_functions<0>(), "Falcon-512"},
      {algorithms()[1].fetch_names, "provider=stoqprov", signature_functions<1>(),
       "ECDSA P-256 + Falcon-512 hybrid"},
      {algorithms()[2].fetch_names, "provider=stoqprov", signature_functions<2>(), "Falcon-1024"},
      {algorithms()[3].fetch_names, "provider=stoqprov", signature_functions<3>(),
       "ECDSA P-521 + Falcon-1024 hybrid"},
      {nullptr, nullptr, nullptr, nullptr}};
  return kAlgorithms;
}

}  // namespace stoq::provider

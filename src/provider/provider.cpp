// Provider entry: OID registration, the operation query, parameters, capabilities and
// teardown. Shared by the built-in provider and the loadable module.
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include <memory>

#include "provider/algorithm.h"
#include "provider/dispatch_util.h"
#include "provider/operations.h"
#include "provider/provider_context.h"
#include "provider/stoq_provider.h"

namespace stoq::provider {
namespace {

void teardown(void* provctx) {
  auto* ctx = static_cast<ProviderContext*>(provctx);
  if (ctx == nullptr) return;
  OSSL_LIB_CTX_free(ctx->libctx);
  delete ctx;
}

const OSSL_ALGORITHM* query_operation(void*, int operation_id, int* no_cache) {
  *no_cache = 0;
  switch (operation_id) {
    case OSSL_OP_KEYMGMT:
      return keymgmt_algorithms();
    case OSSL_OP_SIGNATURE:
      return signature_algorithms();
    case OSSL_OP_ENCODER:
      return encoder_algorithms();
    case OSSL_OP_DECODER:
      return decoder_algorithms();
    default:
      return nullptr;
  }
}

const OSSL_PARAM* gettable_params(void*) {
  static const OSSL_PARAM kGettable[] = {OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_NAME, nullptr, 0),
                                         OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_VERSION, nullptr, 0),
                                         OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_BUILDINFO, nullptr, 0),
                                         OSSL_PARAM_int(OSSL_PROV_PARAM_STATUS, nullptr),
                                         OSSL_PARAM_END};
  return kGettable;
}

int get_params(void*, OSSL_PARAM params[]) {
  OSSL_PARAM* p;
  if ((p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_NAME)) != nullptr &&
      !OSSL_PARAM_set_utf8_ptr(p, "STOQ post-quantum signature provider (Falcon)")) {
    return 0;
  }
  if ((p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_VERSION)) != nullptr &&
      !OSSL_PARAM_set_utf8_ptr(p, "0.1.0")) {
    return 0;
  }
  if ((p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_BUILDINFO)) != nullptr &&
      !OSSL_PARAM_set_utf8_ptr(p, "STOQ Falcon round 3, OQS identifiers")) {
    return 0;
  }
  if ((p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_STATUS)) != nullptr &&
      !OSSL_PARAM_set_int(p, 1)) {
    return 0;
  }
  return 1;
}

const OSSL_DISPATCH kProviderFunctions[] = {
    {OSSL_FUNC_PROVIDER_TEARDOWN, as_fn(&teardown)},
    {OSSL_FUNC_PROVIDER_QUERY_OPERATION, as_fn(&query_operation)},
    {OSSL_FUNC_PROVIDER_GETTABLE_PARAMS, as_fn(&gettable_params)},
    {OSSL_FUNC_PROVIDER_GET_PARAMS, as_fn(&get_params)},
    {OSSL_FUNC_PROVIDER_GET_CAPABILITIES, as_fn(&get_capabilities)},
    OSSL_DISPATCH_END};

// Registers each OID with its name and as a signature algorithm without digest whose key
// type is itself, so X.509 can map a certificate's signature algorithm to our key type.
bool register_objects(const OSSL_CORE_HANDLE* handle, const OSSL_DISPATCH* in) {
  OSSL_FUNC_core_obj_create_fn* obj_create = nullptr;
  OSSL_FUNC_core_obj_add_sigid_fn* obj_add_sigid = nullptr;
  for (; in->function_id != 0; ++in) {
    if (in->function_id == OSSL_FUNC_CORE_OBJ_CREATE) obj_create = OSSL_FUNC_core_obj_create(in);
    if (in->function_id == OSSL_FUNC_CORE_OBJ_ADD_SIGID) {
      obj_add_sigid = OSSL_FUNC_core_obj_add_sigid(in);
    }
  }
  if (obj_create == nullptr || obj_add_sigid == nullptr) return false;
  for (const Algorithm& a : algorithms()) {
    const char* name = a.name.data();
    if (!obj_create(handle, a.oid, name, name) || !obj_add_sigid(handle, name, "", name)) {
      return false;
    }
  }
  return true;
}

}  // namespace
}  // namespace stoq::provider

extern "C" int stoq_provider_init(const OSSL_CORE_HANDLE* handle, const OSSL_DISPATCH* in,
                                  const OSSL_DISPATCH** out, void** provctx) {
  using namespace stoq::provider;
  return guarded<int>(0, [&] {
    if (!register_objects(handle, in)) {
      raise_error(ERR_R_INIT_FAIL, "stoqprov: cannot register the Falcon OIDs");
      return 0;
    }
    auto ctx = std::make_unique<ProviderContext>();
    ctx->handle = handle;
    ctx->libctx = OSSL_LIB_CTX_new_child(handle, in);
    if (ctx->libctx == nullptr) {
      raise_error(ERR_R_INIT_FAIL, "stoqprov: cannot create the child library context");
      return 0;
    }
    *provctx = ctx.release();
    *out = kProviderFunctions;
    return 1;
  });
}

#include "api/endpoint_keys.h"

#include <openssl/rand.h>

#include <algorithm>

#include "core/secure_zero.h"

namespace stoq::detail {

EndpointKeys::~EndpointKeys() {
  secure_zero(key.data(), key.size());
  secure_zero(cid_hash_key.data(), cid_hash_key.size());
}

Result<EndpointKeys> endpoint_keys(std::span<const uint8_t> static_key) {
  return endpoint_keys(static_key, &RAND_bytes);
}

Result<EndpointKeys> endpoint_keys(std::span<const uint8_t> static_key, RandomBytes random) {
  EndpointKeys k;
  if (!static_key.empty() && static_key.size() != k.key.size()) {
    return {Errc::kInvalidArgument, "EndpointConfig::static_key must be 32 bytes (or empty)"};
  }
  if (static_key.empty()) {
    if (random(k.key.data(), static_cast<int>(k.key.size())) != 1) {
      return {Errc::kInternal, "no randomness for the endpoint key"};
    }
  } else {
    std::copy(static_key.begin(), static_key.end(), k.key.begin());
  }
  if (random(k.cid_hash_key.data(), static_cast<int>(k.cid_hash_key.size())) != 1) {
    return {Errc::kInternal, "no randomness for the connection-ID hash key"};
  }
  return k;
}

}  // namespace stoq::detail

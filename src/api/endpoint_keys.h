// The secrets an endpoint worker starts with. Endpoint::create draws them, where a missing
// static key or a failed random draw can be returned as an error; the worker then never
// draws randomness it could not report.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "core/siphash.h"
#include "stoq/error.h"

namespace stoq::detail {

struct EndpointKeys {
  // Stateless resets and address-validation tokens derive from it; the workers of one
  // endpoint share it (any of them checks another's tokens and resets).
  std::array<uint8_t, 32> key{};
  // The connection-ID table's SipHash key: random for every worker, never configured.
  SipHashKey cid_hash_key{};

  EndpointKeys() = default;
  EndpointKeys(const EndpointKeys&) = default;
  EndpointKeys& operator=(const EndpointKeys&) = default;
  ~EndpointKeys();
};

// `static_key` (EndpointConfig::static_key) must be 32 bytes or empty (a random key is drawn);
// cid_hash_key is always drawn. kInvalidArgument for another length, kInternal when
// randomness fails. The workers of one endpoint pass the first worker's key as static_key.
// `random` is RAND_bytes's signature (tests inject a failing one).
using RandomBytes = int (*)(unsigned char* out, int len);
Result<EndpointKeys> endpoint_keys(std::span<const uint8_t> static_key, RandomBytes random);
Result<EndpointKeys> endpoint_keys(std::span<const uint8_t> static_key);

}  // namespace stoq::detail

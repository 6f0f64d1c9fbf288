// Internal access to the private parts of the key types (the "test peer" pattern): used by
// falcon.cpp and by tests such as the constant-time check. Not part of the public API.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "crypto/falcon/falcon.h"

namespace stoq::falcon::detail {

struct KeyAccess {
  static PublicKey make_public(Level l, std::vector<std::uint8_t> b) {
    return PublicKey(l, std::move(b));
  }
  static SecretKey make_secret(Level l, std::vector<std::uint8_t> b, std::vector<std::int8_t> e,
                               std::vector<double> signing) {
    return SecretKey(l, std::move(b), std::move(e), std::move(signing));
  }
  // f || g || F || G, n bytes each.
  static const std::vector<std::int8_t>& expanded(const SecretKey& k) { return k.expanded_; }
  // The basis in FFT form and the LDL tree (detail::signing_key_size doubles).
  static const std::vector<double>& signing(const SecretKey& k) { return k.signing_; }
};

}  // namespace stoq::falcon::detail

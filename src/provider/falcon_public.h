// Recomputes a Falcon public key from its secret key (h = g / f mod q). Used to import a
// private key alone and to check that a stored key pair belongs together.
#pragma once

#include "crypto/falcon/falcon.h"

namespace stoq::provider {

falcon::Result<falcon::PublicKey> derive_public_key(const falcon::SecretKey& secret);

}  // namespace stoq::provider

#include "provider/falcon_public.h"

#include <array>
#include <cstdint>
#include <vector>

#include "crypto/falcon/codec.h"
#include "crypto/falcon/key_access.h"
#include "crypto/falcon/modq.h"

namespace stoq::provider {

falcon::Result<falcon::PublicKey> derive_public_key(const falcon::SecretKey& secret) {
  const unsigned logn = secret.level() == falcon::Level::k512 ? 9 : 10;
  const std::size_t n = std::size_t{1} << logn;
  // f || g || F || G, n bytes each.
  const auto& expanded = falcon::detail::KeyAccess::expanded(secret);
  if (expanded.size() != 4 * n) return falcon::Errc::kBadSecretKey;
  std::array<std::uint16_t, 1024> h{};
  if (!falcon::detail::compute_public(h.data(), expanded.data(), expanded.data() + n, logn)) {
    return falcon::Errc::kBadSecretKey;  // f not invertible mod q: not a valid secret key
  }
  std::vector<std::uint8_t> pk(falcon::sizes(secret.level()).public_key);
  pk[0] = static_cast<std::uint8_t>(logn);
  if (falcon::detail::modq_encode(std::span(pk).subspan(1), h.data(), logn) != pk.size() - 1) {
    return falcon::Errc::kBadPublicKey;
  }
  return falcon::PublicKey::decode(pk);
}

}  // namespace stoq::provider

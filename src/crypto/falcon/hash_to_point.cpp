#include "crypto/falcon/hash_to_point.h"

#include "crypto/falcon/shake256.h"

namespace stoq::falcon::detail {

void hash_to_point(std::span<const std::uint8_t> nonce, std::span<const std::uint8_t> message,
                   std::uint16_t* c, unsigned logn) {
  Shake256 xof;
  xof.inject(nonce);
  xof.inject(message);
  xof.flip();
  const std::size_t n = std::size_t{1} << logn;
  std::size_t filled = 0;
  std::uint8_t buf[136];
  while (filled < n) {
    xof.extract(buf);
    for (std::size_t i = 0; i + 1 < sizeof buf && filled < n; i += 2) {
      const std::uint32_t w = (static_cast<std::uint32_t>(buf[i]) << 8) | buf[i + 1];
      if (w < 61445) c[filled++] = static_cast<std::uint16_t>(w % 12289);
    }
  }
}

}  // namespace stoq::falcon::detail

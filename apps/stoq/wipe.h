// Private keys and secrets the CLI holds in ordinary strings and vectors (PEM private keys
// from make_certificate / make_private_key_pem, Falcon secret-key bytes, the static key)
// are wiped with the library's secure_zero when the scope that holds them ends, so they
// do not linger in freed heap memory. Only the buffer's current bytes are wiped: code that
// holds a secret does not grow its buffer.
#pragma once

#include "core/secure_zero.h"

namespace stoq::cli {

template <typename Buffer>
void wipe(Buffer& b) noexcept {
  stoq::detail::secure_zero(b.data(), b.size() * sizeof(*b.data()));
}

template <typename Buffer>
class WipeOnExit {
 public:
  explicit WipeOnExit(Buffer& b) noexcept : b_(b) {}
  ~WipeOnExit() { wipe(b_); }
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;

 private:
  Buffer& b_;
};

}  // namespace stoq::cli

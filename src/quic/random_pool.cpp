#include "quic/random_pool.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstring>

namespace stoq::quic {

RandomPool::~RandomPool() {
  OPENSSL_cleanse(buf_.data(), buf_.size());
}

bool RandomPool::fill(std::span<uint8_t> out) {
  if (out.empty()) return true;
  if (out.size() > kPoolSize / 4) {
    ++refills_;
    if (RAND_bytes(out.data(), static_cast<int>(out.size())) == 1) return true;
    std::memset(out.data(), 0, out.size());
    return false;
  }
  if (kPoolSize - next_ < out.size()) {
    ++refills_;
    if (RAND_bytes(buf_.data(), static_cast<int>(buf_.size())) != 1) {
      next_ = kPoolSize;
      std::memset(out.data(), 0, out.size());
      return false;
    }
    next_ = 0;
  }
  std::memcpy(out.data(), buf_.data() + next_, out.size());
  OPENSSL_cleanse(buf_.data() + next_, out.size());
  next_ += out.size();
  return true;
}

}  // namespace stoq::quic

#include "crypto/falcon/ctr_drbg.h"

#include <algorithm>

#include "crypto/falcon/aes256.h"

namespace stoq::falcon::detail {

CtrDrbg::CtrDrbg(std::span<const std::uint8_t, 48> entropy) {
  update(entropy.data());
}

void CtrDrbg::increment_v() {
  for (int i = 15; i >= 0; --i) {
    if (++v_[i] != 0) break;
  }
}

void CtrDrbg::update(const std::uint8_t* data) {
  std::array<std::uint8_t, 48> temp{};
  {
    const Aes256Encryptor aes(key_);
    for (int block = 0; block < 3; ++block) {
      increment_v();
      const auto out = aes.encrypt_block(v_);
      std::copy(out.begin(), out.end(), temp.begin() + 16 * block);
    }
  }
  if (data != nullptr) {
    for (int i = 0; i < 48; ++i) temp[i] ^= data[i];
  }
  std::copy(temp.begin(), temp.begin() + 32, key_.begin());
  std::copy(temp.begin() + 32, temp.end(), v_.begin());
}

void CtrDrbg::generate(std::span<std::uint8_t> out) {
  {
    const Aes256Encryptor aes(key_);
    std::size_t done = 0;
    while (done < out.size()) {
      increment_v();
      const auto block = aes.encrypt_block(v_);
      const std::size_t take = std::min<std::size_t>(16, out.size() - done);
      std::copy(block.begin(), block.begin() + take, out.begin() + done);
      done += take;
    }
  }
  update(nullptr);
}

}  // namespace stoq::falcon::detail

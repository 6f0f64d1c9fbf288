// Minimal AES-256 block encryptor. It exists only to drive the NIST CTR_DRBG that
// regenerates the known-answer tests; it is table-based, NOT constant-time, and must never
// protect secrets.
#pragma once

#include <array>
#include <cstdint>

namespace stoq::falcon::detail {

class Aes256Encryptor {
 public:
  explicit Aes256Encryptor(const std::array<std::uint8_t, 32>& key);
  ~Aes256Encryptor();
  Aes256Encryptor(const Aes256Encryptor&) = delete;
  Aes256Encryptor& operator=(const Aes256Encryptor&) = delete;

  std::array<std::uint8_t, 16> encrypt_block(const std::array<std::uint8_t, 16>& in) const;

 private:
  std::array<std::uint8_t, 240> round_keys_{};  // 15 round keys of 16 bytes
};

}  // namespace stoq::falcon::detail

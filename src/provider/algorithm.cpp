#include "provider/algorithm.h"

#include <strings.h>
#include <array>

#include <cstring>

namespace stoq::provider {
namespace {

// 1.3.9999.3.x: 0x2B = 1*40+3; 9999 = 0x4E*128 + 0x0F in base 128 -> CE 0F.
constexpr std::uint8_t kOidFalcon512[] = {0x2B, 0xCE, 0x0F, 0x03, 0x0B};
constexpr std::uint8_t kOidP256Falcon512[] = {0x2B, 0xCE, 0x0F, 0x03, 0x0C};
constexpr std::uint8_t kOidFalcon1024[] = {0x2B, 0xCE, 0x0F, 0x03, 0x0E};
constexpr std::uint8_t kOidP521Falcon1024[] = {0x2B, 0xCE, 0x0F, 0x03, 0x0F};

// Classical sizes: P-256 point 65 bytes, ECPrivateKey (with curve and public key) 121 bytes,
// ECDSA signature at most 72 bytes; P-521: 133, 223, 141 — the bounds oqs-provider uses.
const std::array<Algorithm, kAlgorithmCount> kAlgorithms = {{
    {"falcon512", "falcon512:1.3.9999.3.11", "1.3.9999.3.11", kOidFalcon512, 0xfed7, 128, 1,
     falcon::Level::k512, Classical::kNone, nullptr, nullptr, 0, 0, 0},
    {"p256_falcon512", "p256_falcon512:1.3.9999.3.12", "1.3.9999.3.12", kOidP256Falcon512, 0xfed8,
     128, 1, falcon::Level::k512, Classical::kP256, "P-256", "SHA256", 65, 121, 72},
    {"falcon1024", "falcon1024:1.3.9999.3.14", "1.3.9999.3.14", kOidFalcon1024, 0xfeda, 256, 5,
     falcon::Level::k1024, Classical::kNone, nullptr, nullptr, 0, 0, 0},
    {"p521_falcon1024", "p521_falcon1024:1.3.9999.3.15", "1.3.9999.3.15", kOidP521Falcon1024,
     0xfedb, 256, 5, falcon::Level::k1024, Classical::kP521, "P-521", "SHA512", 133, 223, 141},
}};

}  // namespace

std::span<const Algorithm> algorithms() noexcept {
  return kAlgorithms;
}

const Algorithm* find_algorithm(std::string_view name) noexcept {
  for (const auto& a : kAlgorithms) {
    if (a.name.size() == name.size() && strncasecmp(a.name.data(), name.data(), name.size()) == 0) {
      return &a;
    }
  }
  return nullptr;
}

const Algorithm* find_algorithm_by_oid(std::span<const std::uint8_t> oid_der) noexcept {
  for (const auto& a : kAlgorithms) {
    if (a.oid_der.size() == oid_der.size() &&
        std::memcmp(a.oid_der.data(), oid_der.data(), oid_der.size()) == 0) {
      return &a;
    }
  }
  return nullptr;
}

std::size_t public_encoding_size(const Algorithm& alg) noexcept {
  const std::size_t pq = falcon::sizes(alg.level).public_key;
  return alg.is_hybrid() ? 4 + alg.classical_public_size + pq : pq;
}

std::size_t max_signature_size(const Algorithm& alg) noexcept {
  const std::size_t pq = falcon::sizes(alg.level).signature_max;
  return alg.is_hybrid() ? 4 + alg.classical_signature_max + pq : pq;
}

}  // namespace stoq::provider

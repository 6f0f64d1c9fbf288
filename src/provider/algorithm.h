// The algorithms the STOQ provider offers: Falcon-512/1024 and the hybrid composites with
// ECDSA, under the Open Quantum Safe identifiers (OIDs, TLS code points, names) so that
// certificates and handshakes interoperate with oqs-provider. docs/pq-auth.md has the
// byte layouts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "crypto/falcon/falcon.h"

namespace stoq::provider {

// The classical half of a hybrid key.
enum class Classical { kNone, kP256, kP521 };

struct Algorithm {
  std::string_view name;    // key type, signature and TLS sigalg name, e.g. "falcon1024"
  const char* fetch_names;  // "falcon1024:1.3.9999.3.14" (OSSL_ALGORITHM names)
  const char* oid;          // dotted OID
  std::span<const std::uint8_t> oid_der;  // OID content octets (without tag and length)
  std::uint16_t code_point;               // TLS SignatureScheme
  int security_bits;                      // 128 (NIST level 1) or 256 (level 5)
  int security_category;                  // NIST level
  falcon::Level level;
  Classical classical;
  const char* curve;                    // OpenSSL group name of the classical half, or nullptr
  const char* classical_digest;         // digest the classical half signs with, or nullptr
  std::size_t classical_public_size;    // uncompressed EC point
  std::size_t classical_private_max;    // ECPrivateKey DER, at most
  std::size_t classical_signature_max;  // ECDSA-Sig-Value DER, at most

  bool is_hybrid() const noexcept { return classical != Classical::kNone; }
};

// All algorithms, in the order of the TLS-SIGALG capability.
std::span<const Algorithm> algorithms() noexcept;
// nullptr when unknown.
const Algorithm* find_algorithm(std::string_view name) noexcept;
const Algorithm* find_algorithm_by_oid(std::span<const std::uint8_t> oid_der) noexcept;

// Index of each algorithm in algorithms(); dispatch tables are instantiated per index.
inline constexpr std::size_t kFalcon512 = 0;
inline constexpr std::size_t kP256Falcon512 = 1;
inline constexpr std::size_t kFalcon1024 = 2;
inline constexpr std::size_t kP521Falcon1024 = 3;
inline constexpr std::size_t kAlgorithmCount = 4;

// Size limits of the encodings (docs/pq-auth.md), used to bound decoders.
std::size_t public_encoding_size(const Algorithm& alg) noexcept;
std::size_t max_signature_size(const Algorithm& alg) noexcept;

}  // namespace stoq::provider

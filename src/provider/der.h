// Strict DER for the two key containers the provider reads and writes:
//   SubjectPublicKeyInfo ::= SEQUENCE { SEQUENCE { OID }, BIT STRING (0 unused bits) }
//   PrivateKeyInfo       ::= SEQUENCE { INTEGER 0, SEQUENCE { OID }, OCTET STRING }
// (the AlgorithmIdentifier has no parameters, as oqs-provider writes it). Pure functions,
// no OpenSSL: the decoders are fuzzed directly (fuzz/provider_der.cpp).
//
// Decoding is bounded by the input span and rejects anything that is not minimal DER:
// indefinite or non-minimal lengths, trailing bytes, unused bits in the BIT STRING, a
// version other than 0, attributes or a public key field in the PrivateKeyInfo.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace stoq::provider::der {

// A decoded container: the algorithm OID's content octets and the key bytes, both
// pointing into the input.
struct KeyContainer {
  std::span<const std::uint8_t> oid;
  std::span<const std::uint8_t> key;
};

// Each returns nullopt and sets `why` (a short reason) on malformed input.
std::optional<KeyContainer> decode_spki(std::span<const std::uint8_t> in, std::string& why);
// `key` is the content of the privateKey OCTET STRING.
std::optional<KeyContainer> decode_pkcs8(std::span<const std::uint8_t> in, std::string& why);
// The content of a DER OCTET STRING that must fill `in` exactly.
std::optional<std::span<const std::uint8_t>> decode_octet_string(std::span<const std::uint8_t> in,
                                                                 std::string& why);

std::vector<std::uint8_t> encode_spki(std::span<const std::uint8_t> oid,
                                      std::span<const std::uint8_t> key);
std::vector<std::uint8_t> encode_pkcs8(std::span<const std::uint8_t> oid,
                                       std::span<const std::uint8_t> private_key);
std::vector<std::uint8_t> encode_octet_string(std::span<const std::uint8_t> content);
// AlgorithmIdentifier ::= SEQUENCE { OID } (the X.509 signature algorithm).
std::vector<std::uint8_t> encode_algorithm_id(std::span<const std::uint8_t> oid);

}  // namespace stoq::provider::der

// Fuzz entry points of the provider's decoders. Used by the libFuzzer targets
// (fuzz/provider_*.cpp) and by the corpus-replay test, so every entry also runs in the
// normal test suite. An entry decodes arbitrary bytes and, when they decode, checks that
// encoding the result gives back exactly the input (DER is canonical); an inconsistency
// calls std::abort().
#pragma once

#include <openssl/types.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace stoq::provider::fuzz {

// `libctx` must have the default and stoqprov providers loaded (entries that do not go
// through OpenSSL ignore it).
using EntryFn = int (*)(OSSL_LIB_CTX* libctx, const std::uint8_t* data, std::size_t size);

struct Entry {
  std::string_view name;  // corpus directory: fuzz/corpus/provider_<name>/
  EntryFn run;
};

std::span<const Entry> entries();

// The strict DER containers (SubjectPublicKeyInfo, PrivateKeyInfo, OCTET STRING).
int der(OSSL_LIB_CTX* libctx, const std::uint8_t* data, std::size_t size);
// OpenSSL's decoder framework with the provider's DER decoders, for every algorithm.
int decoder(OSSL_LIB_CTX* libctx, const std::uint8_t* data, std::size_t size);

}  // namespace stoq::provider::fuzz

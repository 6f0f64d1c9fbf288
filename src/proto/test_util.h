// Helpers shared by the proto unit tests.
#pragma once

#include <openssl/crypto.h>
#include <openssl/provider.h>

#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proto/sha256.h"

namespace stoq::proto::test {

inline std::string hex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

// Parses hex digits, ignoring whitespace; returns an empty vector on a bad digit.
inline std::vector<uint8_t> unhex(std::string_view text) {
  std::vector<uint8_t> out;
  int nibble = -1;
  for (char c : text) {
    int v;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      v = c - 'A' + 10;
    else if (c == ' ' || c == '\n' || c == '\t' || c == '\r')
      continue;
    else
      return {};
    if (nibble < 0) {
      nibble = v;
    } else {
      out.push_back(static_cast<uint8_t>(nibble << 4 | v));
      nibble = -1;
    }
  }
  return out;
}

inline std::vector<uint8_t> bytes_of(std::string_view s) {
  return {s.begin(), s.end()};
}

// Deterministic filler bytes.
inline std::vector<uint8_t> pattern(size_t n, uint8_t seed = 1) {
  std::vector<uint8_t> out(n);
  uint32_t x = seed * 2654435761u + 1;
  for (auto& b : out) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<uint8_t>(x >> 24);
  }
  return out;
}

// SHA-256 from a library context of the tests' own (default provider only), as a Context
// would provide; built once per test binary.
inline const Sha256Algorithm& test_sha256() {
  struct Holder {
    OSSL_LIB_CTX* libctx = OSSL_LIB_CTX_new();
    OSSL_PROVIDER* provider = OSSL_PROVIDER_load(libctx, "default");
    Sha256Algorithm algorithm = fetch(libctx);
    static Sha256Algorithm fetch(OSSL_LIB_CTX* ctx) {
      auto a = Sha256Algorithm::fetch(ctx);
      if (!a) std::abort();  // the test binary cannot run without SHA-256
      return std::move(a).value();
    }
    ~Holder() {
      OSSL_PROVIDER_unload(provider);
      OSSL_LIB_CTX_free(libctx);
    }
  };
  static const Holder holder;
  return holder.algorithm;
}

inline Digest sha256(std::span<const uint8_t> data) {
  return test_sha256().digest(data);
}

inline Digest digest_filled(uint8_t v) {
  Digest d;
  d.fill(v);
  return d;
}

}  // namespace stoq::proto::test

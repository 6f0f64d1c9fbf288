// SHA-256 through OpenSSL's EVP interface (default library context). The only OpenSSL use
// in the proto layer.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "proto/limits.h"

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace stoq::proto {

using Digest = std::array<uint8_t, kSha256Size>;

// One-shot digest. Aborts the process if OpenSSL cannot provide SHA-256 at all (a broken
// installation, not a runtime condition).
Digest sha256(std::span<const uint8_t> data);

// Incremental digest for payloads that arrive in pieces. Move-only.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&& other) noexcept;
  Sha256& operator=(Sha256&& other) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::span<const uint8_t> data);
  // Returns the digest and resets the object for a new message.
  Digest finish();

 private:
  EVP_MD_CTX* ctx_ = nullptr;
};

}  // namespace stoq::proto

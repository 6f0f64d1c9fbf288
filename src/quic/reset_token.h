// Stateless reset tokens (RFC 9000 section 10.3): a keyed pseudo-random function of the
// connection ID, so an endpoint that lost a connection (or restarted with the same static
// key) computes the token for any connection ID it issued, without state.
//
// The function is an AES-256 CBC-MAC over one fixed-length input, the CID length byte
// and the CID zero-padded to 32 bytes (CBC-MAC is a PRF for inputs of one fixed length).
// One instance per endpoint worker, shared by its connections (not thread-safe): 0.1 µs
// per token and no allocation, where the generic HKDF path fetched algorithms and
// allocated for each of the 8 tokens a connection needs (3-4 % of a handshake's CPU,
// docs/performance.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

struct evp_cipher_ctx_st;
typedef struct ossl_lib_ctx_st OSSL_LIB_CTX;

namespace stoq::quic {

class ResetTokens {
 public:
  static constexpr size_t kTokenLength = 16;
  // `secret`: 32 bytes. AES-256 comes from `libctx` (the Context's, so no provider outside
  // it is used; nullptr would mean OpenSSL's default context, which library code must not
  // use). nullptr if the secret has the wrong size or `libctx` cannot provide AES-256-ECB.
  static std::unique_ptr<ResetTokens> create(OSSL_LIB_CTX* libctx, std::span<const uint8_t> secret);
  ~ResetTokens();
  ResetTokens(const ResetTokens&) = delete;
  ResetTokens& operator=(const ResetTokens&) = delete;

  // Writes the token for `cid` (at most 20 bytes, RFC 9000's limit). False on a longer CID
  // or an OpenSSL failure.
  bool generate(std::span<const uint8_t> cid, uint8_t* out);

 private:
  ResetTokens() = default;
  evp_cipher_ctx_st* ctx_ = nullptr;
};

}  // namespace stoq::quic

// Falcon-512 / Falcon-1024 signatures (NIST round 3, the encodings liboqs and oqs-provider
// use). Pure computation: no I/O except the optional system RNG, no exceptions across this
// API, no mutable global state (constant tables are built once, thread-safely, and some
// caches are per thread).
//
// Threading: every function is reentrant. Objects are thread-compatible: const access
// (sign with a SecretKey, verify with a PublicKey) may run concurrently from several threads;
// a RandomSource is invoked on the calling thread and must not be shared unless it is
// itself thread-safe.
//
// Errors are std::error_code values in falcon_category(); every function below documents
// what it returns. Keys and signatures own their bytes; SecretKey wipes them on destruction
// and is move-only. Signing and verification are deterministic functions of their inputs
// and the RandomSource output (the known-answer tests rely on it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace stoq::falcon {

namespace detail {
struct KeyAccess;
}

enum class Level { k512, k1024 };

// Append-only.
enum class Errc {
  kOk = 0,
  kBadPublicKey = 1,        // wrong length, header or coefficient encoding: reject the key
  kBadSecretKey = 2,        // wrong length, header, encoding, or inconsistent (f, g, F)
  kBadSignature = 3,        // malformed signature encoding: reject it
  kVerificationFailed = 4,  // well-formed but not a valid signature for this key/message
  kRngFailure = 5,          // the random source failed; nothing was produced, retry later
  kLevelMismatch = 6,       // key and signature are for different parameter sets
};
static_assert(static_cast<int>(Errc::kLevelMismatch) == 6, "Errc is append-only");

const std::error_category& falcon_category() noexcept;
std::error_code make_error_code(Errc e) noexcept;

// Minimal result type: a value or an error code. value() and operator-> require ok().
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}   // NOLINT(google-explicit-constructor)
  Result(std::error_code ec) : error_(ec) {}      // NOLINT(google-explicit-constructor)
  Result(Errc e) : error_(make_error_code(e)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  std::error_code error() const { return error_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  std::error_code error_;
};

// Fills the span with random bytes; returns false on failure. Key generation calls it
// once (48 bytes); signing calls it twice (40-byte nonce, then a 48-byte seed), the order
// the NIST known-answer tests rely on.
using RandomSource = std::function<bool(std::span<std::uint8_t>)>;

// The operating system's CSPRNG (getrandom(2)).
bool system_random(std::span<std::uint8_t> out);

struct Sizes {
  std::size_t public_key;
  std::size_t secret_key;
  std::size_t signature_max;     // compressed detached signature, maximum
  std::size_t signature_padded;  // padded detached signature, exact
};
Sizes sizes(Level level) noexcept;

class PublicKey {
 public:
  // Strict decoding of `0x00 + logn || h`; kBadPublicKey on any deviation.
  static Result<PublicKey> decode(std::span<const std::uint8_t> encoded);

  Level level() const { return level_; }
  std::span<const std::uint8_t> bytes() const { return bytes_; }

 private:
  PublicKey(Level level, std::vector<std::uint8_t> bytes)
      : level_(level), bytes_(std::move(bytes)) {}
  friend struct detail::KeyAccess;
  Level level_;
  std::vector<std::uint8_t> bytes_;
};

class SecretKey {
 public:
  SecretKey(SecretKey&& other) noexcept;
  SecretKey& operator=(SecretKey&& other) noexcept;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  ~SecretKey();

  // Strict decoding of `0x50 + logn || f || g || F`, also checking that G = g F / f mod q
  // is small and that f G - g F = q holds (the key is a usable basis). kBadSecretKey
  // otherwise. The input is copied; the caller wipes its own buffer. Also builds the
  // signing expansion (FFT basis and LDL tree: 120 KiB for Falcon-1024, 56 KiB for
  // Falcon-512, about 60 us), so signing itself only samples.
  static Result<SecretKey> decode(std::span<const std::uint8_t> encoded);

  Level level() const { return level_; }
  // The encoding. Secret: do not log; copies are the caller's to wipe.
  std::span<const std::uint8_t> bytes() const { return bytes_; }

 private:
  SecretKey(Level level, std::vector<std::uint8_t> bytes, std::vector<std::int8_t> expanded,
            std::vector<double> signing)
      : level_(level),
        bytes_(std::move(bytes)),
        expanded_(std::move(expanded)),
        signing_(std::move(signing)) {}
  void wipe() noexcept;
  friend struct detail::KeyAccess;
  Level level_;
  std::vector<std::uint8_t> bytes_;
  std::vector<std::int8_t> expanded_;  // f || g || F || G, n bytes each (public key from f, g)
  std::vector<double> signing_;        // FFT basis and LDL tree (120 KiB for Falcon-1024)
};

struct KeyPair {
  PublicKey public_key;
  SecretKey secret_key;
};

// The public key that belongs to `key` (h = g / f mod q), for callers that hold only the
// secret key (importing a private key alone, checking that a stored pair belongs
// together). kBadSecretKey for a moved-from key or one whose f is not invertible mod q.
Result<PublicKey> derive_public_key(const SecretKey& key);

enum class SignatureFormat {
  kCompressed,  // header 0x30 + logn || nonce || compressed s2 (variable length)
  kPadded,      // same, zero-padded to exactly 666 / 1280 bytes
};

class Signature {
 public:
  explicit Signature(std::vector<std::uint8_t> bytes) : bytes_(std::move(bytes)) {}
  std::span<const std::uint8_t> bytes() const { return bytes_; }

 private:
  std::vector<std::uint8_t> bytes_;
};

// Key generation (a few milliseconds; not constant-time, see docs/falcon.md). Returns
// kRngFailure if the random source fails.
Result<KeyPair> generate_keypair(Level level, const RandomSource& rng);
inline Result<KeyPair> generate_keypair(Level level) {
  return generate_keypair(level, RandomSource(system_random));
}

// Detached signature. Returns kRngFailure if the random source fails, kBadSecretKey for a
// moved-from key.
Result<Signature> sign(const SecretKey& key, std::span<const std::uint8_t> message,
                       const RandomSource& rng,
                       SignatureFormat format = SignatureFormat::kCompressed);
inline Result<Signature> sign(const SecretKey& key, std::span<const std::uint8_t> message,
                              SignatureFormat format = SignatureFormat::kCompressed) {
  return sign(key, message, RandomSource(system_random), format);
}

// Verifies a detached signature (compressed, or padded when its length is exactly the
// padded size). Returns an empty error_code on success, kBadSignature for a malformed
// encoding, kVerificationFailed for a well-formed signature that does not verify.
std::error_code verify(const PublicKey& key, std::span<const std::uint8_t> message,
                       std::span<const std::uint8_t> signature);

// NIST signed-message format used by the known-answer tests:
// BE16(L) || nonce || message || (0x20 + logn) || compressed s2, L = 1 + len(s2).
Result<std::vector<std::uint8_t>> sign_message(const SecretKey& key,
                                               std::span<const std::uint8_t> message,
                                               const RandomSource& rng);
// Verifies a signed message and returns the message it carries; errors as verify().
Result<std::vector<std::uint8_t>> open_message(const PublicKey& key,
                                               std::span<const std::uint8_t> signed_message);

}  // namespace stoq::falcon

template <>
struct std::is_error_code_enum<stoq::falcon::Errc> : std::true_type {};

// Errors reported by the STOQ public API.
//
// Every fallible public function returns either `std::error_code` or `Result<T>`; no
// exception crosses the API. Codes live in the "stoq" category below; OpenSSL and ngtcp2
// failures are translated into it in one place each (src/tls, src/quic).
#pragma once

#include <cassert>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace stoq {

// Append-only: values are part of the ABI and of log output.
enum class Errc : int {
  kOk = 0,
  kInvalidArgument = 1,     // a parameter is out of range; fix the call
  kWouldBlock = 2,          // buffer full / no data yet; wait for the writable/readable event
  kClosed = 3,              // the connection or stream is closed; drop the handle
  kStreamLimit = 4,         // the peer's stream limit is reached; wait or use another connection
  kTlsError = 5,            // TLS setup or handshake failed; the reason names OpenSSL's error
  kQuicError = 6,           // ngtcp2 reported a protocol error
  kHandshakeFailed = 7,     // the peer refused or failed the handshake (see reason)
  kCertificateInvalid = 8,  // peer certificate did not verify (CA, name, expiry, pin)
  kPolicyViolation = 9,     // key-exchange or authentication policy not met
  kAlpnMismatch = 10,       // peer does not speak stoq/1
  kIdleTimeout = 11,        // no packet within the idle timeout
  kHandshakeTimeout = 12,   // handshake did not complete in time
  kPeerClosed = 13,         // the peer closed the connection (see code and reason)
  kApplicationClosed = 14,  // closed locally by the application
  kStreamReset = 15,        // the peer reset the stream (see the application code)
  kSocketError = 16,        // a socket call failed; the reason has errno's text
  kAddressError = 17,       // an address could not be parsed or resolved
  kIoError = 18,            // a file could not be read or written
  kUnsupported = 19,        // the build or the kernel lacks the feature
  kLimitExceeded = 20,      // a configured limit (connections, streams, memory) is reached
  kIntegrityError = 21,     // data failed a hash or signature check
  kInternal = 22,           // a bug: please report it
  kStatelessReset = 23,     // the peer lost the connection's state (restart) and reset it
  kConnectionRefused = 24,  // the server refused a new connection (load, per-source limit)
};
inline constexpr Errc kLastErrc = Errc::kConnectionRefused;
static_assert(static_cast<int>(kLastErrc) == 24, "Errc is append-only");

const std::error_category& stoq_category() noexcept;

inline std::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), stoq_category()};
}

// A value or an error, with an optional human-readable reason for the error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT(google-explicit-constructor)
  Result(std::error_code ec, std::string reason = {})  // NOLINT
      : v_(Error{ec, std::move(reason)}) {}
  Result(Errc e, std::string reason = {})  // NOLINT
      : v_(Error{make_error_code(e), std::move(reason)}) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

  std::error_code error() const noexcept { return ok() ? std::error_code{} : std::get<1>(v_).ec; }
  // The error's message followed by the reason, for logs and CLI output.
  std::string message() const {
    if (ok()) return {};
    const auto& e = std::get<1>(v_);
    return e.reason.empty() ? e.ec.message() : e.ec.message() + ": " + e.reason;
  }
  const std::string& reason() const {
    static const std::string kEmpty;
    return ok() ? kEmpty : std::get<1>(v_).reason;
  }

 private:
  struct Error {
    std::error_code ec;
    std::string reason;
  };
  std::variant<T, Error> v_;
};

// Result of an operation without a value.
struct Unit {};
using Status = Result<Unit>;
inline Status ok_status() {
  return Unit{};
}

}  // namespace stoq

template <>
struct std::is_error_code_enum<stoq::Errc> : std::true_type {};

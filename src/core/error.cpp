#include "stoq/error.h"

namespace stoq {
namespace {

class StoqCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "stoq"; }
  std::string message(int c) const override {
    switch (static_cast<Errc>(c)) {
      case Errc::kOk:
        return "success";
      case Errc::kInvalidArgument:
        return "invalid argument";
      case Errc::kWouldBlock:
        return "operation would block";
      case Errc::kClosed:
        return "closed";
      case Errc::kStreamLimit:
        return "stream limit reached";
      case Errc::kTlsError:
        return "TLS error";
      case Errc::kQuicError:
        return "QUIC protocol error";
      case Errc::kHandshakeFailed:
        return "handshake failed";
      case Errc::kCertificateInvalid:
        return "peer certificate rejected";
      case Errc::kPolicyViolation:
        return "security policy not met";
      case Errc::kAlpnMismatch:
        return "peer does not support ALPN stoq/1";
      case Errc::kIdleTimeout:
        return "idle timeout";
      case Errc::kHandshakeTimeout:
        return "handshake timeout";
      case Errc::kPeerClosed:
        return "connection closed by peer";
      case Errc::kApplicationClosed:
        return "connection closed by application";
      case Errc::kStreamReset:
        return "stream reset by peer";
      case Errc::kSocketError:
        return "socket error";
      case Errc::kAddressError:
        return "bad address";
      case Errc::kIoError:
        return "I/O error";
      case Errc::kUnsupported:
        return "not supported";
      case Errc::kLimitExceeded:
        return "limit exceeded";
      case Errc::kIntegrityError:
        return "integrity check failed";
      case Errc::kInternal:
        return "internal error";
      case Errc::kStatelessReset:
        return "connection reset by the peer (stateless reset)";
      case Errc::kConnectionRefused:
        return "connection refused by the server";
    }
    return "unknown stoq error " + std::to_string(c);
  }
};

}  // namespace

const std::error_category& stoq_category() noexcept {
  // A function-local constant, not mutable global state: categories are compared by address.
  static const StoqCategory kCategory;
  return kCategory;
}

}  // namespace stoq

// Translation of OpenSSL's error queue into STOQ errors: the one place that reads it.
#pragma once

#include <string>

#include "stoq/error.h"

namespace stoq::tls {

// Drains the calling thread's OpenSSL error queue into "what: lib:reason; ..." text.
std::string drain_openssl_errors(std::string_view what);

template <typename T = Unit>
Result<T> openssl_failure(std::string_view what, Errc e = Errc::kTlsError) {
  return {e, drain_openssl_errors(what)};
}

// Human-readable name of a TLS alert (RFC 8446 §6), e.g. 40 -> "handshake_failure".
const char* tls_alert_name(uint8_t alert) noexcept;

}  // namespace stoq::tls

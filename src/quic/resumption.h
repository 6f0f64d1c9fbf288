// Session tickets and 0-RTT on an endpoint's SSL_CTX (RFC 9001 section 4.6).
#pragma once

#include "stoq/config.h"
#include "tls/tls_context.h"

namespace stoq::quic {

// Client: hands every new session ticket to its quic::Connection (ConnectionHost::
// on_session_ticket). Server: issues tickets and, with transport.early_data, accepts 0-RTT
// (OpenSSL's anti-replay then makes each ticket single-use).
void configure_resumption(const tls::TlsContext& tls, const TransportConfig& transport);

}  // namespace stoq::quic

#include "quic/resumption.h"

#include <openssl/ssl.h>

#include "quic/connection.h"

namespace stoq::quic {

void configure_resumption(const tls::TlsContext& tls, const TransportConfig& transport) {
  SSL_CTX* ctx = tls.native_handle();
  if (tls.role() == tls::Role::kClient) {
    if (!transport.session_resumption) return;
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, &Connection::new_session_cb);
    return;
  }
  if (!transport.session_resumption) {
    SSL_CTX_set_num_tickets(ctx, 0);
    return;
  }
  SSL_CTX_set_num_tickets(ctx, transport.session_tickets);
  // Tickets only resume sessions of this server configuration.
  static constexpr unsigned char kSessionContext[] = "stoq/1";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext) - 1);
  if (transport.early_data) {
    // QUIC requires 0xffffffff here (RFC 9001 section 4.6.1). A nonzero value also turns on
    // OpenSSL's replay protection: tickets become single-use through the session cache.
    SSL_CTX_set_max_early_data(ctx, UINT32_MAX);
  }
}

}  // namespace stoq::quic

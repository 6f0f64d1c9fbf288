// The opaque ticket a client keeps per resumable session: the TLS session (DER, as
// i2d_SSL_SESSION writes it) and the server's transport parameters that 0-RTT must respect
// (ngtcp2_conn_encode_0rtt_transport_params), bound to the trust the server was verified
// under (tls/session_trust.h).
//   ticket = session length (2 bytes BE) | session | params length (2 bytes BE) | params
//            | binding length (2 bytes BE, = 32) | binding
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "stoq/error.h"

namespace stoq::quic {

struct SessionTicket {
  std::vector<uint8_t> tls_session;
  std::vector<uint8_t> transport_params;
  std::array<uint8_t, 32> trust_binding{};
};

std::vector<uint8_t> encode_session_ticket(const SessionTicket& t);
// Strict: every part present and non-empty, the binding 32 bytes, lengths exact.
// Errc::kInvalidArgument otherwise.
Result<SessionTicket> decode_session_ticket(std::span<const uint8_t> bytes);

}  // namespace stoq::quic

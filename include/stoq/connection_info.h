// What a connection negotiated and how its path behaves, as reported by Connection::info().
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <system_error>

#include "stoq/address.h"
#include "stoq/error.h"

namespace stoq {

struct ConnectionInfo {
  bool is_server = false;
  bool handshake_complete = false;
  std::string tls_group;                 // e.g. "X25519MLKEM768"
  std::string cipher_suite;              // e.g. "TLS_AES_128_GCM_SHA256"
  std::string peer_signature_algorithm;  // e.g. "ed25519" (server's CertificateVerify)
  // The peer leaf certificate's key type (e.g. "falcon1024", "ML-DSA-65", "ED25519");
  // empty when the peer sent no certificate (a client without one).
  std::string peer_key_type;
  std::string alpn;  // "stoq/1"
  std::chrono::microseconds handshake_duration{0};
  SocketAddress local;
  SocketAddress remote;
  // Path statistics from the QUIC loss recovery (RFC 9002 names).
  std::chrono::microseconds rtt_latest{0}, rtt_min{0}, rtt_smoothed{0}, rtt_var{0};
  uint64_t cwnd = 0;
  uint64_t bytes_in_flight = 0;
  uint64_t bytes_sent = 0, bytes_received = 0;  // UDP payload bytes
  uint64_t packets_sent = 0, packets_received = 0, packets_lost = 0;
  uint64_t ssthresh = 0;
  uint64_t bytes_lost = 0;
  // Acknowledged stream bytes per second over the last sampling interval (~100 ms).
  uint64_t delivery_rate = 0;
  std::string congestion_control;  // "cubic", "bbr", "reno"
  // Largest UDP payload this path carries: 1200 until path MTU discovery (DPLPMTUD with
  // ngtcp2's probe sizes up to our 1452-byte limit) confirms a larger one.
  uint64_t path_max_udp_payload = 0;

  // Resumption and address validation.
  bool resumed = false;               // the TLS session was resumed from a ticket
  bool early_data_attempted = false;  // client: 0-RTT data was sent
  bool early_data_accepted = false;   // the server accepted 0-RTT (reported on both sides)
  // Server: how the client's address was validated before the handshake: "retry",
  // "token" (NEW_TOKEN from an earlier connection) or "" (by the handshake itself).
  std::string address_validation;
  uint64_t key_updates = 0;  // TLS key updates (RFC 9001 section 6), by either side
  uint64_t migrations = 0;   // client: local address changes (migrate())
};

// Why a connection ended.
struct CloseInfo {
  std::error_code error;        // Errc::kApplicationClosed, kPeerClosed, kIdleTimeout, ...
  std::string reason;           // human-readable, from the peer or from the local failure
  uint64_t app_error_code = 0;  // the application code when either side closed it
  bool by_peer = false;         // the peer sent CONNECTION_CLOSE

  // True for an orderly application close with code 0 by either side.
  bool is_clean() const noexcept {
    return app_error_code == 0 && (error == Errc::kApplicationClosed || error == Errc::kPeerClosed);
  }
};

}  // namespace stoq

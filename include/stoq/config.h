// Configuration of an Endpoint: TLS identity and trust, security policies, transport limits.
// All fields have safe defaults; a default-constructed config makes a client that requires
// the hybrid post-quantum key exchange and verifies the server against the system CAs.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "stoq/message.h"
#include "stoq/session_cache.h"

namespace stoq {

// Which TLS 1.3 key-exchange groups are offered (client) and accepted (server).
enum class KexPolicy {
  kHybridRequired,   // X25519MLKEM768 only; a classical-only peer is refused (default)
  kHybridPreferred,  // X25519MLKEM768 first, X25519 / P-256 accepted
  kClassical,        // X25519 / P-256 only (for measurements and legacy peers)
};

const char* to_string(KexPolicy p) noexcept;
bool parse_kex_policy(std::string_view text, KexPolicy& out) noexcept;

// Which signatures may authenticate the peer: every signature in its verified certificate
// chain (up to, not including, the trust anchor's own) and its CertificateVerify (made
// with the leaf key). docs/pq-auth.md lists which algorithm is which kind.
enum class AuthPolicy {
  kAny,             // whatever the trust settings accept (default)
  kHybridRequired,  // hybrid composites only (p256_falcon512, p521_falcon1024)
  kPqRequired,      // post-quantum (Falcon, ML-DSA, SLH-DSA) or hybrid; no classical-only
};

const char* to_string(AuthPolicy p) noexcept;
bool parse_auth_policy(std::string_view text, AuthPolicy& out) noexcept;

struct TlsConfig {
  // PEM files. A server needs a certificate chain and key. A client may have them too: it
  // presents them when the server asks (mutual authentication).
  std::string cert_chain_file;
  std::string private_key_file;

  // Trust for the peer's certificate: a CA bundle (PEM), and/or pinned SHA-256 digests of
  // the peer leaf's SubjectPublicKeyInfo (hex). With a pin, the pin alone authenticates.
  std::string ca_file;
  std::vector<std::string> spki_pins;
  // Name the server certificate must carry (client side). Empty: the host part of the
  // address passed to connect().
  std::string server_name;
  // Accept any server certificate. Only for testing; the endpoint logs a warning.
  bool insecure = false;

  KexPolicy kex = KexPolicy::kHybridRequired;

  // Server: ask every client for a certificate and refuse the handshake without one that
  // verifies against client_ca_file (or ca_file when that is empty).
  bool require_client_cert = false;
  std::string client_ca_file;
  // Applied to the peer: the server's chain on a client, a client's chain on a server.
  // A violation fails the handshake; the local close reason names the policy and the
  // algorithm, the peer sees TLS alert 43 (unsupported_certificate).
  AuthPolicy auth = AuthPolicy::kAny;
  // Server: send the certificate chain compressed (RFC 8879, brotli or zstd) to clients
  // that offer it. Off by default: it saves ~10 % of a classical chain and nothing of a
  // post-quantum one (high-entropy keys and signatures; docs/pq-auth.md).
  bool compress_certificates = false;
};

// Congestion controllers ngtcp2 offers.
enum class CongestionControl { kCubic, kBbr, kReno };
const char* to_string(CongestionControl cc) noexcept;
bool parse_congestion_control(std::string_view text, CongestionControl& out) noexcept;

// When a server answers a new client's first Initial with a stateless Retry (RFC 9000
// 8.1.2) so that the client proves its address before the server keeps any state.
enum class RetryPolicy {
  kNever,   // never (one round trip less; the 3x amplification limit still applies)
  kAlways,  // every client without a valid token (Retry or NEW_TOKEN) is retried
  kAuto,    // only while more than `retry_auto_threshold` handshakes are in progress (default)
};
const char* to_string(RetryPolicy p) noexcept;
bool parse_retry_policy(std::string_view text, RetryPolicy& out) noexcept;

struct TransportConfig {
  std::chrono::milliseconds idle_timeout{30'000};
  std::chrono::milliseconds handshake_timeout{10'000};
  uint64_t max_streams_bidi = 1024;  // concurrent peer-initiated bidi streams
  uint64_t max_streams_uni = 1024;
  uint64_t stream_window = 4u << 20;       // per-stream receive window, bytes
  uint64_t connection_window = 16u << 20;  // per-connection receive window, bytes
  // Bytes an application may queue on one stream before write() returns kWouldBlock.
  uint64_t stream_send_buffer = 4u << 20;
  size_t max_connections = 10'000;  // server: concurrent connections
  // Send runs of packets as UDP GSO super-datagrams when the kernel allows (falls back
  // automatically when it refuses).
  bool enable_gso = true;
  // Coalesce received datagrams with UDP GRO when the kernel allows (split again before
  // QUIC sees them), and read/write ECN codepoints (docs/datapath.md).
  bool enable_gro = true;
  bool enable_ecn = true;
  // Socket buffers requested from the kernel (SO_RCVBUFFORCE/SO_SNDBUFFORCE as root,
  // else capped by net.core.rmem_max/wmem_max); 0 keeps the kernel default.
  size_t socket_receive_buffer = 4u << 20;
  size_t socket_send_buffer = 4u << 20;
  // Largest UDP payload this endpoint sends: 1200..65527, or 0 (the default) to choose by
  // path: 8192 bytes to a peer on this host (a loopback address: 127.0.0.0/8, ::1;
  // stoq/path_payload.h says why that size), 1452 (a 1500-byte Ethernet MTU over IPv6) to any
  // other. Up to 1452, Path MTU Discovery probes the usual sizes below it; above, DPLPMTUD
  // (RFC 8899) also probes 4096, 8952, 16384, 32768 and 65487 bytes below this maximum and
  // the maximum, smallest first, and keeps the largest size the path carried; a probe that
  // is lost three times ends the search. Larger packets cut the per-packet cost of bulk
  // transfers on paths that carry them (loopback, jumbo-frame networks:
  // docs/performance.md). ngtcp2 does not notice a path MTU that shrinks later, so set
  // more than 1452 to remote peers only where the path's MTU is known and stable. The
  // peer's max_udp_payload_size transport parameter also caps it.
  size_t max_udp_payload = 0;
  // Tolerated "glitches" (duplicate or suspicious frames) per connection before it is
  // closed as abusive; refilled at a tenth of this per second. Reordering paths cause
  // many benign ones through spurious retransmissions. 0 (default): 200,000 for a client,
  // ngtcp2's default for a server (10,000, +330/s), which faces untrusted clients; a
  // server taking long uploads over reordering paths raises it (docs/reliability.md).
  uint64_t glitch_budget = 0;
  // RFC 9221 DATAGRAM: largest DATAGRAM frame we accept (transport parameter
  // max_datagram_frame_size). 0 = DATAGRAM not offered.
  uint64_t max_datagram_frame_size = 65535;
  // Outgoing datagrams queued at most (send_datagram returns kWouldBlock beyond).
  size_t datagram_send_queue = 256;

  CongestionControl congestion_control = CongestionControl::kCubic;

  // ---- address validation (server) ----
  RetryPolicy retry = RetryPolicy::kAuto;
  size_t retry_auto_threshold = 64;  // handshakes in progress before kAuto starts retrying
  std::chrono::seconds retry_token_lifetime{10};
  // Lifetime of NEW_TOKEN tokens the server hands out after a handshake (0: none sent).
  std::chrono::seconds new_token_lifetime{3600};
  // Concurrent connections (including handshakes) from one source IP address; new
  // connections beyond are refused with CONNECTION_REFUSED. 0 = no limit (the default:
  // clients behind one NAT share an address; set it on servers facing the internet).
  size_t max_connections_per_source = 0;

  // ---- resumption and 0-RTT ----
  // Client: resume sessions from EndpointConfig::session_cache. Server: issue tickets.
  bool session_resumption = true;
  // Server: TLS session tickets sent after each handshake (0..kMaxSessionTickets). One suffices for
  // a client that opens its resumed connections one after another (every resumed handshake brings a
  // fresh ticket); n lets it open n resumed connections at once. Each ticket costs the server an
  // encryption and the client a session copy (OpenSSL's default is 2). Client: tickets to wait for
  // before freeing its TLS state (2 s at most); more that arrive in the same packet are kept too,
  // later ones are ignored.
  unsigned session_tickets = 1;
  static constexpr unsigned kMaxSessionTickets = 16;
  // Client: send stream data in 0-RTT when resuming (it may be replayed by an attacker:
  // only for idempotent requests). Server: accept 0-RTT; OpenSSL then makes every ticket
  // single-use (a replayed ClientHello falls back to a full handshake, its early data is
  // discarded).
  bool early_data = false;

  // ---- observability ----
  // Directory for one qlog file per connection (JSON-SEQ, draft-ietf-quic-qlog, written by
  // ngtcp2); empty = off. Files are named <odcid>-<client|server>.sqlog.
  std::string qlog_dir;
};

struct EndpointConfig {
  TlsConfig tls;
  TransportConfig transport;
  MessagingConfig messaging;  // STOQ messages (stoq/message.h); on by default
  // Client: where session tickets and NEW_TOKEN tokens are kept between connections
  // (stoq/session_cache.h). Null: the endpoint keeps its own MemorySessionCache.
  std::shared_ptr<SessionCache> session_cache;
  // Key for stateless reset tokens and address-validation tokens (32 bytes). Empty: random
  // per endpoint. Set the same key on a restarted server (or on every worker of a cluster)
  // so that it can reset its previous connections and accept its own tokens.
  std::vector<uint8_t> static_key;
  // Server: worker threads, each with its own SO_REUSEPORT socket, event loop and
  // connections (docs/architecture.md, "Multi-core server"). With more than one, callbacks
  // run on the worker thread that owns the connection, the endpoint must be driven with
  // start() (or run(), which runs worker 0 on the calling thread), and on_connection must
  // be thread-safe. Clients always use one loop.
  unsigned workers = 1;
};

}  // namespace stoq

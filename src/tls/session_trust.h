// What a resumed session may rely on. A TLS 1.3 resumption skips the certificate check, so
// a client offers a session only to the trust it was verified under:
//   - the trust digest: SHA-256 over every client setting that decides whether a server is
//     accepted (CA bundle contents or the system default, pins, server_name, key exchange
//     and authentication policy, the client's own identity, --insecure). A ticket carries
//     SHA-256(trust digest | peer name) and resumes only where that binding is equal;
//   - the session's peer certificate is checked again before the ticket is offered: pins,
//     name, validity period and the authentication policy on its key;
//   - an unverified connection (insecure) never stores a ticket.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "stoq/config.h"

typedef struct x509_st X509;
typedef struct ossl_lib_ctx_st OSSL_LIB_CTX;

namespace stoq::tls {

using TrustDigest = std::array<uint8_t, 32>;

// The digest of `config`'s trust settings. Reads ca_file and cert_chain_file (their
// contents, not their names, are what count). Errc::kIoError when a named file cannot be
// read.
Result<TrustDigest> trust_digest(const TlsConfig& config);

// True when `name` is an IPv4 or IPv6 literal (checked against the certificate's IP
// addresses), false for a DNS name.
bool is_ip_literal(const std::string& name);

// SHA-256(digest | "\0" | peer_name): what a ticket for `peer_name` is bound to.
TrustDigest ticket_binding(const TrustDigest& digest, const std::string& peer_name);

// Checks a resumed session's server certificate against the settings that apply now:
// pins (normalised SPKI digests; empty: none), the name (DNS name or IP literal; empty:
// not checked), the validity period, and `policy` on the certificate's key. Empty when the
// session may be offered, otherwise the reason.
// `libctx` hashes the certificate's key for the pin check.
std::string check_resumed_server(OSSL_LIB_CTX* libctx, const TlsConfig& config,
                                 const std::vector<std::string>& pins, X509* leaf,
                                 const std::string& peer_name);

}  // namespace stoq::tls

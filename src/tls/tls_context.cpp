#include "tls/tls_context.h"

#include <ngtcp2/ngtcp2_crypto_ossl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <cstring>

#include "tls/auth_policy.h"
#include "tls/openssl_error.h"
#include "tls/spki.h"

namespace stoq::tls {
namespace {

// Index of the TlsObserver pointer in each SSL's ex_data. OpenSSL allocates indices
// process-wide; asking once per process avoids leaking one per context.
int observer_index() {
  static const int kIndex = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return kIndex;
}

}  // namespace

const char* groups_for(KexPolicy policy) noexcept {
  switch (policy) {
    case KexPolicy::kHybridRequired:
      return "X25519MLKEM768";
    case KexPolicy::kHybridPreferred:
      return "X25519MLKEM768:X25519:secp256r1";
    case KexPolicy::kClassical:
      return "X25519:secp256r1";
  }
  return "X25519MLKEM768";
}

bool is_hybrid_group(std::string_view name) noexcept {
  return name.find("MLKEM") != name.npos;
}

TlsContext::TlsContext(std::shared_ptr<const Context> ctx, TlsConfig config, Role role)
    : ctx_(std::move(ctx)), config_(std::move(config)), role_(role) {}

TlsContext::~TlsContext() {
  SSL_CTX_free(ssl_ctx_);
}

TlsObserver* TlsContext::observer_of(const SSL* ssl) {
  return static_cast<TlsObserver*>(SSL_get_ex_data(ssl, observer_index()));
}

Result<std::unique_ptr<TlsContext>> TlsContext::create(std::shared_ptr<const Context> ctx,
                                                       const TlsConfig& config, Role role) {
  if (role == Role::kClient && config.insecure &&
      (!config.spki_pins.empty() || config.auth != AuthPolicy::kAny)) {
    // Insecure skips every check of the server; a pin or a policy would silently not apply.
    return {Errc::kInvalidArgument,
            "insecure (no server verification) cannot be combined with SPKI pins or an "
            "authentication policy"};
  }
  std::unique_ptr<TlsContext> tc(new TlsContext(ctx, config, role));
  if (role == Role::kClient) {
    auto digest = trust_digest(config);
    if (!digest) return {digest.error(), digest.reason()};
    tc->trust_digest_ = *digest;
  }
  for (const auto& p : config.spki_pins) {
    auto n = normalize_pin(p);
    if (n.empty()) return {Errc::kInvalidArgument, "bad SPKI pin '" + p + "' (want 64 hex digits)"};
    tc->pins_.push_back(n);
  }
  ERR_clear_error();
  tc->ssl_ctx_ = SSL_CTX_new_ex(ctx->libctx(), nullptr, TLS_method());
  if (tc->ssl_ctx_ == nullptr)
    return openssl_failure<std::unique_ptr<TlsContext>>("SSL_CTX_new_ex");
  SSL_CTX* s = tc->ssl_ctx_;
  SSL_CTX_set_min_proto_version(s, TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(s, TLS1_3_VERSION);
  // AES-128-GCM first: as strong as needed for 128-bit security and the fastest with AES-NI.
  SSL_CTX_set_ciphersuites(
      s, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256");
  if (SSL_CTX_set1_groups_list(s, groups_for(config.kex)) != 1) {
    return openssl_failure<std::unique_ptr<TlsContext>>("SSL_CTX_set1_groups_list");
  }
  const bool have_identity = !config.cert_chain_file.empty();
  if (have_identity) {
    if (SSL_CTX_use_certificate_chain_file(s, config.cert_chain_file.c_str()) != 1) {
      return openssl_failure<std::unique_ptr<TlsContext>>(
          "cannot load certificate chain " + config.cert_chain_file, Errc::kIoError);
    }
    if (SSL_CTX_use_PrivateKey_file(s, config.private_key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      return openssl_failure<std::unique_ptr<TlsContext>>(
          "cannot load private key " + config.private_key_file, Errc::kIoError);
    }
    if (SSL_CTX_check_private_key(s) != 1) {
      return openssl_failure<std::unique_ptr<TlsContext>>("private key does not match certificate",
                                                          Errc::kInvalidArgument);
    }
  } else if (role == Role::kServer) {
    return {Errc::kInvalidArgument, "a server needs a certificate chain and a private key"};
  }
  // The store verifies the peer: servers on a client, clients on a server (client_ca_file,
  // or ca_file when that is empty). A server never trusts ca_file for clients when
  // client_ca_file names their CAs.
  if (role == Role::kClient && !config.ca_file.empty() &&
      SSL_CTX_load_verify_file(s, config.ca_file.c_str()) != 1) {
    return openssl_failure<std::unique_ptr<TlsContext>>("cannot load CA file " + config.ca_file,
                                                        Errc::kIoError);
  }
  if (have_identity && role == Role::kServer && config.compress_certificates) {
    // RFC 8879: the chain is compressed once here (brotli, then zstd, as this OpenSSL was
    // built with) and sent compressed to clients that offer the algorithm.
    int prefs[] = {TLSEXT_comp_cert_brotli, TLSEXT_comp_cert_zstd};
    if (SSL_CTX_set1_cert_comp_preference(s, prefs, 2) == 1) (void)SSL_CTX_compress_certs(s, 0);
    ERR_clear_error();  // an OpenSSL without brotli/zstd simply sends the chain as is
  }
  if (role == Role::kClient) {
    if (config.ca_file.empty() && tc->pins_.empty() && !config.insecure) {
      SSL_CTX_set_default_verify_paths(s);
    }
    SSL_CTX_set_verify(s, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_set_cert_verify_callback(s, &TlsContext::verify_cb, tc.get());
    if (config.insecure) {
      ctx->log(LogLevel::kWarn, "TLS peer verification is disabled (--insecure)");
    }
  } else {
    SSL_CTX_set_alpn_select_cb(s, &TlsContext::alpn_select_cb, tc.get());
    SSL_CTX_set_client_hello_cb(s, &TlsContext::client_hello_cb, tc.get());
    if (config.require_client_cert) {
      const std::string& cas =
          config.client_ca_file.empty() ? config.ca_file : config.client_ca_file;
      if (cas.empty()) {
        return {Errc::kInvalidArgument,
                "require_client_cert needs client_ca_file (or ca_file) to verify clients"};
      }
      if (SSL_CTX_load_verify_file(s, cas.c_str()) != 1) {
        return openssl_failure<std::unique_ptr<TlsContext>>("cannot load client CA file " + cas,
                                                            Errc::kIoError);
      }
      SSL_CTX_set_verify(s, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
      SSL_CTX_set_cert_verify_callback(s, &TlsContext::verify_cb, tc.get());
    }
  }
  return tc;
}

SSL* TlsContext::new_session(TlsObserver* observer, const std::string& peer_name) const {
  SSL* ssl = SSL_new(ssl_ctx_);
  if (ssl == nullptr) return nullptr;
  SSL_set_ex_data(ssl, observer_index(), observer);
  int rv = role_ == Role::kClient ? ngtcp2_crypto_ossl_configure_client_session(ssl)
                                  : ngtcp2_crypto_ossl_configure_server_session(ssl);
  if (rv != 0) {
    SSL_free(ssl);
    return nullptr;
  }
  if (role_ == Role::kClient) {
    SSL_set_connect_state(ssl);
    const unsigned char alpn[] = {6, 's', 't', 'o', 'q', '/', '1'};
    SSL_set_alpn_protos(ssl, alpn, sizeof(alpn));
    const std::string& name = config_.server_name.empty() ? peer_name : config_.server_name;
    if (!name.empty()) {
      if (is_ip_literal(name)) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str());
      } else {
        SSL_set_tlsext_host_name(ssl, name.c_str());
        SSL_set1_host(ssl, name.c_str());
      }
    }
  } else {
    SSL_set_accept_state(ssl);
  }
  return ssl;
}

int TlsContext::verify_cb(X509_STORE_CTX* store, void* arg) {
  auto* self = static_cast<TlsContext*>(arg);
  const bool client = self->role_ == Role::kClient;
  if (client && self->config_.insecure) return 1;
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  TlsObserver* obs = ssl != nullptr ? observer_of(ssl) : nullptr;
  STACK_OF(X509)* chain = nullptr;
  STACK_OF(X509)* leaf_only = nullptr;
  if (client && !self->pins_.empty()) {
    std::string got = spki_sha256_hex(self->ctx_->libctx(), X509_STORE_CTX_get0_cert(store));
    if (std::find(self->pins_.begin(), self->pins_.end(), got) == self->pins_.end()) {
      X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
      if (obs != nullptr) {
        obs->on_tls_failure(Errc::kCertificateInvalid,
                            "server key SPKI sha256 " + got + " matches no configured pin");
      }
      return 0;
    }
    // The pinned leaf alone authenticates: the policy applies to its key.
    leaf_only = sk_X509_new_null();
    if (leaf_only != nullptr) sk_X509_push(leaf_only, X509_STORE_CTX_get0_cert(store));
    chain = leaf_only;
  } else {
    const int ok = X509_verify_cert(store);
    if (ok != 1) {
      // The QUIC layer names a failed server certificate itself; say it for clients too.
      if (!client && obs != nullptr) {
        obs->on_tls_failure(Errc::kCertificateInvalid,
                            std::string("client certificate: ") +
                                X509_verify_cert_error_string(X509_STORE_CTX_get_error(store)));
      }
      return ok;
    }
    chain = X509_STORE_CTX_get0_chain(store);
  }
  const std::string violation =
      check_peer_chain(self->config_.auth, chain, client ? "server" : "client");
  sk_X509_free(leaf_only);
  if (violation.empty()) return 1;
  // INVALID_PURPOSE makes libssl send alert 43 (unsupported_certificate) to the peer.
  X509_STORE_CTX_set_error(store, X509_V_ERR_INVALID_PURPOSE);
  if (obs != nullptr) obs->on_tls_failure(Errc::kPolicyViolation, violation);
  return 0;
}

std::string TlsContext::check_resumed_server(X509* leaf, const std::string& peer_name) const {
  const std::string& name = config_.server_name.empty() ? peer_name : config_.server_name;
  return tls::check_resumed_server(ctx_->libctx(), config_, pins_, leaf, name);
}

int TlsContext::alpn_select_cb(SSL* ssl, const unsigned char** out, unsigned char* outlen,
                               const unsigned char* in, unsigned int inlen, void*) {
  for (unsigned i = 0; i < inlen;) {
    unsigned len = in[i];
    if (i + 1 + len > inlen) break;
    if (len == kAlpn.size() && std::memcmp(in + i + 1, kAlpn.data(), len) == 0) {
      *out = in + i + 1;
      *outlen = static_cast<unsigned char>(len);
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + len;
  }
  if (auto* obs = observer_of(ssl)) {
    obs->on_tls_failure(Errc::kAlpnMismatch, "client did not offer ALPN stoq/1");
  }
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

int TlsContext::client_hello_cb(SSL* ssl, int* alert, void* arg) {
  auto* self = static_cast<TlsContext*>(arg);
  if (self->config_.kex != KexPolicy::kHybridRequired) return SSL_CLIENT_HELLO_SUCCESS;
  const unsigned char* ext = nullptr;
  size_t len = 0;
  bool hybrid = false;
  std::string offered;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_supported_groups, &ext, &len) == 1 && len >= 2) {
    size_t list = (size_t{ext[0]} << 8) | ext[1];
    for (size_t i = 2; i + 1 < len && i < 2 + list; i += 2) {
      uint16_t g = static_cast<uint16_t>((ext[i] << 8) | ext[i + 1]);
      if (g == kGroupX25519MLKEM768) hybrid = true;
      if (!offered.empty()) offered += ",";
      const char* name = SSL_group_to_name(ssl, g);
      offered += name != nullptr ? name : "0x" + std::to_string(g);
    }
  }
  if (hybrid) return SSL_CLIENT_HELLO_SUCCESS;
  if (auto* obs = observer_of(ssl)) {
    obs->on_tls_failure(Errc::kPolicyViolation,
                        "client offers only classical key exchange (" +
                            (offered.empty() ? std::string("none") : offered) +
                            ") but the server policy is hybrid-required");
  }
  *alert = SSL_AD_HANDSHAKE_FAILURE;
  return SSL_CLIENT_HELLO_ERROR;
}

}  // namespace stoq::tls

// TLS 1.3 configuration shared by all connections of one endpoint role: an SSL_CTX set up
// for QUIC (ALPN stoq/1, key-exchange policy, certificate trust) and the factory for the
// per-connection SSL objects.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "stoq/config.h"
#include "stoq/context.h"
#include "stoq/error.h"
#include "tls/session_trust.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;
typedef struct x509_store_ctx_st X509_STORE_CTX;

namespace stoq::tls {

inline constexpr std::string_view kAlpn = "stoq/1";
inline constexpr uint16_t kGroupX25519MLKEM768 = 0x11ec;

enum class Role { kClient, kServer };

// Receives the reasons behind handshake failures that OpenSSL reports only as an alert.
class TlsObserver {
 public:
  virtual ~TlsObserver() = default;
  virtual void on_tls_failure(Errc code, std::string reason) = 0;
};

// OpenSSL group list for a key-exchange policy.
const char* groups_for(KexPolicy policy) noexcept;
bool is_hybrid_group(std::string_view group_name) noexcept;

class TlsContext {
 public:
  static Result<std::unique_ptr<TlsContext>> create(std::shared_ptr<const Context> ctx,
                                                    const TlsConfig& config, Role role);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // A new SSL for one connection. `peer_name` (client only) is checked against the server
  // certificate (DNS name or IP literal) and sent as SNI when it is a DNS name. The
  // observer must outlive the SSL. Returns nullptr on failure (see drain_openssl_errors).
  SSL* new_session(TlsObserver* observer, const std::string& peer_name) const;

  Role role() const noexcept { return role_; }
  const TlsConfig& config() const noexcept { return config_; }
  const Context& context() const noexcept { return *ctx_; }
  static TlsObserver* observer_of(const SSL* ssl);
  // Client: the binding a session ticket for `peer_name` carries (tls/session_trust.h).
  TrustDigest ticket_binding(const std::string& peer_name) const {
    return tls::ticket_binding(trust_digest_, peer_name);
  }
  // Client: whether connections of this context verify the server, and so may keep
  // session tickets (never with insecure).
  bool keeps_tickets() const noexcept { return role_ == Role::kClient && !config_.insecure; }
  // Client: empty when a resumed session's server certificate `leaf` still satisfies the
  // pins, name, validity and policy of this context; otherwise why not.
  std::string check_resumed_server(X509* leaf, const std::string& peer_name) const;
  // For layers that add their own hooks (session tickets, 0-RTT: quic/resumption.h).
  SSL_CTX* native_handle() const noexcept { return ssl_ctx_; }

 private:
  TlsContext(std::shared_ptr<const Context> ctx, TlsConfig config, Role role);
  static int verify_cb(X509_STORE_CTX* store, void* arg);
  static int alpn_select_cb(SSL* ssl, const unsigned char** out, unsigned char* outlen,
                            const unsigned char* in, unsigned int inlen, void* arg);
  static int client_hello_cb(SSL* ssl, int* alert, void* arg);

  std::shared_ptr<const Context> ctx_;
  TlsConfig config_;
  Role role_;
  std::vector<std::string> pins_;  // normalised
  TrustDigest trust_digest_{};     // client
  SSL_CTX* ssl_ctx_ = nullptr;
};

}  // namespace stoq::tls

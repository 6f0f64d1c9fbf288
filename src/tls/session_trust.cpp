#include "tls/session_trust.h"

#include <arpa/inet.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "stoq/sha256.h"
#include "tls/auth_policy.h"
#include "tls/spki.h"

namespace stoq::tls {
namespace {

constexpr size_t kMaxTrustFileBytes = size_t{64} << 20;

void put(Sha256& h, std::string_view field, std::string_view value) {
  // Length-prefixed so that no two settings serialise alike.
  const uint64_t n = value.size();
  uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(n >> (56 - 8 * i));
  h.update({reinterpret_cast<const uint8_t*>(field.data()), field.size()});
  h.update(len);
  h.update({reinterpret_cast<const uint8_t*>(value.data()), value.size()});
}

Status put_file(Sha256& h, std::string_view field, const std::string& path) {
  if (path.empty()) {
    put(h, field, "");
    return ok_status();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return {Errc::kIoError, "cannot read " + path};
  std::string bytes;
  char buf[65536];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    bytes.append(buf, static_cast<size_t>(in.gcount()));
    if (bytes.size() > kMaxTrustFileBytes) return {Errc::kIoError, path + " is too large"};
  }
  put(h, field, bytes);
  return ok_status();
}

}  // namespace

bool is_ip_literal(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

Result<TrustDigest> trust_digest(const TlsConfig& config) {
  Sha256 h;
  put(h, "stoq trust v1", "");
  put(h, "insecure", config.insecure ? "1" : "0");
  put(h, "kex", std::to_string(static_cast<int>(config.kex)));
  put(h, "auth", std::to_string(static_cast<int>(config.auth)));
  put(h, "server_name", config.server_name);
  std::vector<std::string> pins;
  for (const auto& p : config.spki_pins) pins.push_back(normalize_pin(p));
  std::sort(pins.begin(), pins.end());
  for (const auto& p : pins) put(h, "pin", p);
  // No CA file and no pin: the system's default verify paths decide.
  const bool system_default = config.ca_file.empty() && pins.empty() && !config.insecure;
  put(h, "system_default", system_default ? "1" : "0");
  if (auto st = put_file(h, "ca", config.ca_file); !st) return {st.error(), st.reason()};
  if (auto st = put_file(h, "identity", config.cert_chain_file); !st)
    return {st.error(), st.reason()};
  return h.finish();
}

TrustDigest ticket_binding(const TrustDigest& digest, const std::string& peer_name) {
  Sha256 h;
  h.update(digest);
  const uint8_t zero = 0;
  h.update({&zero, 1});
  h.update({reinterpret_cast<const uint8_t*>(peer_name.data()), peer_name.size()});
  return h.finish();
}

std::string check_resumed_server(OSSL_LIB_CTX* libctx, const TlsConfig& config,
                                 const std::vector<std::string>& pins, X509* leaf,
                                 const std::string& peer_name) {
  if (leaf == nullptr) return "the session has no server certificate";
  if (!pins.empty()) {
    const std::string got = spki_sha256_hex(libctx, leaf);
    if (std::find(pins.begin(), pins.end(), got) == pins.end())
      return "the session's server key SPKI sha256 " + got + " matches no configured pin";
  } else if (!peer_name.empty()) {
    const bool ok = is_ip_literal(peer_name) ? X509_check_ip_asc(leaf, peer_name.c_str(), 0) == 1
                                             : X509_check_host(leaf, peer_name.data(),
                                                               peer_name.size(), 0, nullptr) == 1;
    if (!ok) return "the session's server certificate does not name " + peer_name;
  }
  if (X509_cmp_current_time(X509_get0_notAfter(leaf)) <= 0)
    return "the session's server certificate has expired";
  if (X509_cmp_current_time(X509_get0_notBefore(leaf)) >= 0)
    return "the session's server certificate is not valid yet";
  STACK_OF(X509)* leaf_only = sk_X509_new_null();
  if (leaf_only == nullptr) return "out of memory";
  sk_X509_push(leaf_only, leaf);
  std::string violation = check_peer_chain(config.auth, leaf_only, "server");
  sk_X509_free(leaf_only);
  return violation;
}

}  // namespace stoq::tls

#include "api/address_validation.h"

#include <ngtcp2/ngtcp2_crypto.h>
#include <openssl/rand.h>

#include <algorithm>

#include "core/secure_zero.h"
#include "quic/connection_id.h"

namespace stoq::detail {

// Initials retried under RetryPolicy::kAuto that are remembered (per worker): a client
// retransmits its first Initial within a few PTOs (1 s, then 2 s more), and 4,096 entries
// last a second even at 4,000 retried Initials per second, for about 200 KiB.
constexpr size_t kRetriedInitialsRemembered = 4096;

AddressValidator::AddressValidator(std::span<const uint8_t, 32> secret,
                                   const TransportConfig& config)
    : policy_(config.retry),
      auto_threshold_(config.retry_auto_threshold),
      retry_lifetime_ns_(static_cast<uint64_t>(config.retry_token_lifetime.count()) *
                         NGTCP2_SECONDS),
      token_lifetime_ns_(static_cast<uint64_t>(config.new_token_lifetime.count()) * NGTCP2_SECONDS),
      retried_(policy_ == RetryPolicy::kAuto ? kRetriedInitialsRemembered : 0) {
  std::copy(secret.begin(), secret.end(), secret_.begin());
}

AddressValidator::~AddressValidator() {
  secure_zero(secret_.data(), secret_.size());
}

AddressValidator::Decision AddressValidator::check(const ngtcp2_pkt_hd& hd,
                                                   const SocketAddress& remote, uint64_t now,
                                                   size_t handshakes_in_progress) {
  Decision d;
  if (hd.tokenlen > 0) {
    if (hd.token[0] == NGTCP2_CRYPTO_TOKEN_MAGIC_RETRY2) {
      ngtcp2_cid odcid;
      int rv = ngtcp2_crypto_verify_retry_token2(&odcid, hd.token, hd.tokenlen, secret_.data(),
                                                 secret_.size(), hd.version, remote.data(),
                                                 remote.size(), &hd.dcid, retry_lifetime_ns_, now);
      if (rv == 0) {
        d.verdict = Verdict::kAcceptRetry;
        d.original_dcid = odcid;
        return d;
      }
      // Expired or for another address: RFC 9000 section 8.1.2 allows a new Retry for an
      // expired one; a forged one is closed with INVALID_TOKEN.
      d.verdict =
          rv == NGTCP2_CRYPTO_ERR_VERIFY_TOKEN ? Verdict::kSendRetry : Verdict::kRefuseToken;
      return d;
    }
    if (hd.token[0] == NGTCP2_CRYPTO_TOKEN_MAGIC_REGULAR && token_lifetime_ns_ > 0 &&
        ngtcp2_crypto_verify_regular_token(hd.token, hd.tokenlen, secret_.data(), secret_.size(),
                                           remote.data(), remote.size(), token_lifetime_ns_,
                                           now) == 0) {
      d.verdict = Verdict::kAcceptNewToken;
      return d;
    }
    // An unknown or stale NEW_TOKEN token is ignored (section 8.1.3): treat as none.
  }
  if (policy_ == RetryPolicy::kAuto) {
    const quic::ConnectionId dcid(hd.dcid);
    if (handshakes_in_progress >= auto_threshold_ || retried_.contains(remote, dcid)) {
      retried_.add(remote, dcid);
      d.verdict = Verdict::kSendRetry;
    }
    return d;
  }
  d.verdict = policy_ == RetryPolicy::kAlways ? Verdict::kSendRetry : Verdict::kAccept;
  return d;
}

std::vector<uint8_t> AddressValidator::make_retry(const ngtcp2_pkt_hd& hd,
                                                  const SocketAddress& remote, uint64_t now) const {
  ngtcp2_cid retry_scid{};
  retry_scid.datalen = quic::kCidLength;
  if (RAND_bytes(retry_scid.data, static_cast<int>(retry_scid.datalen)) != 1) return {};
  uint8_t token[NGTCP2_CRYPTO_MAX_RETRY_TOKENLEN2];
  ngtcp2_ssize tokenlen =
      ngtcp2_crypto_generate_retry_token2(token, secret_.data(), secret_.size(), hd.version,
                                          remote.data(), remote.size(), &retry_scid, &hd.dcid, now);
  if (tokenlen < 0) return {};
  std::vector<uint8_t> out(NGTCP2_MAX_UDP_PAYLOAD_SIZE);
  ngtcp2_ssize n =
      ngtcp2_crypto_write_retry(out.data(), out.size(), hd.version, &hd.scid, &retry_scid, &hd.dcid,
                                token, static_cast<size_t>(tokenlen));
  if (n <= 0) return {};
  out.resize(static_cast<size_t>(n));
  return out;
}

std::vector<uint8_t> AddressValidator::make_close(const ngtcp2_pkt_hd& hd,
                                                  uint64_t error_code) const {
  std::vector<uint8_t> out(NGTCP2_MAX_UDP_PAYLOAD_SIZE);
  ngtcp2_ssize n = ngtcp2_crypto_write_connection_close(out.data(), out.size(), hd.version,
                                                        &hd.scid, &hd.dcid, error_code, nullptr, 0);
  if (n <= 0) return {};
  out.resize(static_cast<size_t>(n));
  return out;
}

std::vector<uint8_t> AddressValidator::make_new_token(const SocketAddress& remote,
                                                      uint64_t now) const {
  if (token_lifetime_ns_ == 0) return {};
  std::vector<uint8_t> token(NGTCP2_CRYPTO_MAX_REGULAR_TOKENLEN);
  ngtcp2_ssize n = ngtcp2_crypto_generate_regular_token(
      token.data(), secret_.data(), secret_.size(), remote.data(), remote.size(), now);
  if (n < 0) return {};
  token.resize(static_cast<size_t>(n));
  return token;
}

}  // namespace stoq::detail

// Server-side address validation (RFC 9000 section 8.1): stateless Retry tokens and
// NEW_TOKEN tokens, both authenticated and expiring (ngtcp2_crypto's AEAD token formats,
// keyed by the endpoint's secret), and the decision whether a new client is retried.
#pragma once

#include <ngtcp2/ngtcp2.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "api/retried_initials.h"
#include "stoq/address.h"
#include "stoq/config.h"

namespace stoq::detail {

class AddressValidator {
 public:
  AddressValidator(std::span<const uint8_t, 32> secret, const TransportConfig& config);
  ~AddressValidator();  // wipes the secret
  AddressValidator(const AddressValidator&) = delete;
  AddressValidator& operator=(const AddressValidator&) = delete;
  // Test access: the secret this validator holds (all zero once wiped).
  std::span<const uint8_t, 32> secret_for_test() const { return secret_; }

  enum class Verdict {
    kAccept,          // no token needed (or none checked): start the handshake
    kAcceptRetry,     // a valid Retry token: validated, original_dcid is set
    kAcceptNewToken,  // a valid NEW_TOKEN token: validated
    kSendRetry,       // answer with a Retry packet, keep no state
    kRefuseToken,     // a Retry token that does not verify: close with INVALID_TOKEN
  };
  struct Decision {
    Verdict verdict = Verdict::kAccept;
    std::optional<ngtcp2_cid> original_dcid;
  };

  // `handshakes_in_progress` drives RetryPolicy::kAuto. Under kAuto an Initial that was
  // retried once is retried again whatever the load (RetriedInitials), so a client's
  // retransmission never starts a second, orphaned connection.
  Decision check(const ngtcp2_pkt_hd& hd, const SocketAddress& remote, uint64_t now,
                 size_t handshakes_in_progress);

  // A Retry packet for `hd` (empty on failure).
  std::vector<uint8_t> make_retry(const ngtcp2_pkt_hd& hd, const SocketAddress& remote,
                                  uint64_t now) const;
  // An Initial carrying CONNECTION_CLOSE with `error_code` (INVALID_TOKEN,
  // CONNECTION_REFUSED), sent without keeping state.
  std::vector<uint8_t> make_close(const ngtcp2_pkt_hd& hd, uint64_t error_code) const;
  // A token for a NEW_TOKEN frame to `remote` (empty when disabled or on failure).
  std::vector<uint8_t> make_new_token(const SocketAddress& remote, uint64_t now) const;

 private:
  std::array<uint8_t, 32> secret_;
  RetryPolicy policy_;
  size_t auto_threshold_;
  uint64_t retry_lifetime_ns_;
  uint64_t token_lifetime_ns_;
  RetriedInitials retried_;
};

}  // namespace stoq::detail

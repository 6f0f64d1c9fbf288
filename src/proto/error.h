// STOQ application error codes (registry) and the `stoq.proto` std::error_category.
//
// These values travel in QUIC CONNECTION_CLOSE (type 0x1d, application close) and, for the
// codes marked "stream", in RESET_STREAM / STOP_SENDING. The registry is append-only: a
// value, once assigned, never changes meaning; new codes go after kLast and kLast moves.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace stoq::proto {

enum class Error : uint64_t {
  kNoError = 0x5700,               // graceful close
  kInternal = 0x5701,              // a bug or resource failure on the sender of the code
  kFrameEncoding = 0x5702,         // a frame or stream type that does not parse
  kFrameUnexpected = 0x5703,       // a frame on a stream (or at a point) where it is not allowed
  kSettingsError = 0x5704,         // SETTINGS missing, duplicated, or a value out of bounds
  kLimitExceeded = 0x5705,         // a length or count above an advertised or fixed bound
  kTokenInvalid = 0x5706,          // TOKEN hash does not match the payload (stream)
  kTokenReplay = 0x5707,           // TOKEN sequence already seen or below the window (stream)
  kTokenStale = 0x5708,            // TOKEN timestamp outside the allowed clock skew (stream)
  kShardIntegrity = 0x5709,        // shards inconsistent or whole-message hash mismatch
  kShardTimeout = 0x570a,          // a sharded message did not complete in time (stream)
  kHopLimit = 0x570b,              // hop limit exhausted or hop record full
  kHopLoop = 0x570c,               // a node appears twice on the path
  kSignatureInvalid = 0x570d,      // FALCON_SIG does not verify
  kUntrustedKey = 0x570e,          // signer key unknown or not on the trust list
  kStreamCreation = 0x570f,        // a second control stream, or a bad stream type
  kClosedCriticalStream = 0x5710,  // the control stream was closed or reset
  kMessageIncomplete = 0x5711,     // a message stream ended inside a frame or short of a shard
  kMessageTimeout = 0x5712,        // a message stream made no progress in time (stream)
};

inline constexpr Error kLastError = Error::kMessageTimeout;
// Append-only: if this fails, a code was inserted or renumbered instead of appended.
static_assert(static_cast<uint64_t>(kLastError) == 0x5712);

constexpr bool is_known_error(uint64_t code) {
  return code >= static_cast<uint64_t>(Error::kNoError) &&
         code <= static_cast<uint64_t>(kLastError);
}

// Short lowercase name ("frame_encoding"); "unknown" for values outside the registry.
std::string_view error_name(Error code);

// The category of every stoq::proto::Error; name() is "stoq.proto".
const std::error_category& proto_category();

inline std::error_code make_error_code(Error e) {
  return {static_cast<int>(static_cast<uint64_t>(e)), proto_category()};
}

// A protocol violation: the code to send to the peer and a human-readable reason (also
// suitable for the CONNECTION_CLOSE reason phrase, which the caller may truncate).
struct Violation {
  Error code = Error::kInternal;
  std::string reason;

  std::error_code error_code() const { return make_error_code(code); }
  bool operator==(const Violation&) const = default;
};

}  // namespace stoq::proto

template <>
struct std::is_error_code_enum<stoq::proto::Error> : std::true_type {};

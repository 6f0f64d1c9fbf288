#include "proto/error.h"

namespace stoq::proto {

std::string_view error_name(Error code) {
  switch (code) {
    case Error::kNoError:
      return "no_error";
    case Error::kInternal:
      return "internal";
    case Error::kFrameEncoding:
      return "frame_encoding";
    case Error::kFrameUnexpected:
      return "frame_unexpected";
    case Error::kSettingsError:
      return "settings_error";
    case Error::kLimitExceeded:
      return "limit_exceeded";
    case Error::kTokenInvalid:
      return "token_invalid";
    case Error::kTokenReplay:
      return "token_replay";
    case Error::kTokenStale:
      return "token_stale";
    case Error::kShardIntegrity:
      return "shard_integrity";
    case Error::kShardTimeout:
      return "shard_timeout";
    case Error::kHopLimit:
      return "hop_limit";
    case Error::kHopLoop:
      return "hop_loop";
    case Error::kSignatureInvalid:
      return "signature_invalid";
    case Error::kUntrustedKey:
      return "untrusted_key";
    case Error::kStreamCreation:
      return "stream_creation";
    case Error::kClosedCriticalStream:
      return "closed_critical_stream";
    case Error::kMessageIncomplete:
      return "message_incomplete";
    case Error::kMessageTimeout:
      return "message_timeout";
  }
  return "unknown";
}

namespace {

class ProtoCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "stoq.proto"; }
  std::string message(int value) const override {
    return std::string(error_name(static_cast<Error>(static_cast<uint64_t>(value))));
  }
};

}  // namespace

const std::error_category& proto_category() {
  static const ProtoCategory category;
  return category;
}

}  // namespace stoq::proto

// Time in the sans-IO core: nanoseconds on a monotonic clock, supplied by the caller.
#pragma once

#include <cstdint>
#include <limits>

namespace stoq::quic {

using Timestamp = uint64_t;  // ngtcp2_tstamp
inline constexpr Timestamp kNever = std::numeric_limits<Timestamp>::max();
inline constexpr uint64_t kMillisecond = 1'000'000;
inline constexpr uint64_t kSecond = 1'000'000'000;

}  // namespace stoq::quic

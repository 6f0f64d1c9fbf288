// Fixed protocol bounds of STOQ v1. Advertised (negotiable) limits live in settings.h;
// these never change within v1 and size every receive buffer.
#pragma once

#include <cstddef>
#include <cstdint>

namespace stoq::proto {

inline constexpr size_t kSha256Size = 32;

// SETTINGS payload (id/value pairs) at most this long.
inline constexpr size_t kMaxSettingsPayload = 1024;
// TOKEN payload: hash(32) | sequence(8) | timestamp(8).
inline constexpr size_t kTokenPayloadSize = kSha256Size + 8 + 8;
// Absolute bound on the shard count (the advertised max_shard_count is at most this).
inline constexpr uint64_t kMaxShardCountLimit = 1024;
// Absolute bound on HOP route entries and on HOP record entries.
inline constexpr size_t kMaxHops = 16;
// Opaque node identifiers are 1..32 bytes.
inline constexpr size_t kMaxNodeIdSize = 32;
// SEED replication factor bound.
inline constexpr uint64_t kMaxReplicationFactor = 64;
// Falcon encodings (Falcon specification / NIST round 3 parameter sets).
inline constexpr size_t kFalcon512PublicKeySize = 897;
inline constexpr size_t kFalcon1024PublicKeySize = 1793;
inline constexpr size_t kMaxFalconSignatureSize = 1462;  // Falcon-1024 detached, with header
inline constexpr size_t kMaxCertificateChainSize = 16384;
// FALCON_KEY announcements accepted per connection.
inline constexpr size_t kMaxAnnouncedKeys = 8;

// Largest payload of each buffered (non-DATA) frame type. A receiver never buffers more.
inline constexpr size_t kMaxShardPayload = 8 + 5 * 8 + kSha256Size;
inline constexpr size_t kMaxNodeAddressSize = 2 + kMaxNodeIdSize;  // kind + len + id
inline constexpr size_t kMaxHopPayload =
    8 + 2 * 8 + kMaxHops * kMaxNodeAddressSize + kMaxHops * (kMaxNodeAddressSize + 8);
inline constexpr size_t kMaxSeedPayload = 1 + kSha256Size + 8 + 1 + 8;
inline constexpr size_t kMaxFalconSigPayload = kSha256Size + 2 + kMaxFalconSignatureSize;
inline constexpr size_t kMaxFalconKeyPayload = 1 + kSha256Size + 1 + 4 + kMaxCertificateChainSize;

// The largest frame any STOQ v1 receiver buffers (type + length varints + payload).
inline constexpr size_t kMaxBufferedFrame = 8 + 8 + kMaxFalconKeyPayload;

// Bounds for the advertised max_frame_size setting.
inline constexpr uint64_t kMinMaxFrameSize = 4096;
inline constexpr uint64_t kMaxMaxFrameSize = uint64_t{1} << 24;

}  // namespace stoq::proto

// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012): a keyed
// 64-bit hash for tables whose keys an attacker chooses (connection IDs), so that without
// the key nobody can pick inputs that collide (hash flooding).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace stoq::detail {

using SipHashKey = std::array<uint8_t, 16>;

// SipHash-2-4 of `data` under `key` (the key's bytes are k0 || k1, little-endian).
uint64_t siphash24(const SipHashKey& key, std::span<const uint8_t> data) noexcept;

}  // namespace stoq::detail

// Buffered random bytes for the many small, public values of QUIC: connection IDs,
// packet-number skips, Initial frame shuffling. Each OpenSSL RAND_bytes call costs a
// DRBG lock, a fork check (a getpid system call) and a generate; a handshake asked for
// about 20 of them, most for 1-20 bytes. One pool per endpoint worker (not thread-safe)
// draws 512 bytes at a time from the same DRBG and hands them out once each.
//
// Not for keys or other secrets: those come from OpenSSL directly (served bytes are
// erased from the pool, unserved ones stay in memory until used).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace stoq::quic {

class RandomPool {
 public:
  static constexpr size_t kPoolSize = 512;

  RandomPool() = default;
  ~RandomPool();
  RandomPool(const RandomPool&) = delete;
  RandomPool& operator=(const RandomPool&) = delete;

  // Fills `out` with bytes no other call receives. Requests larger than a quarter of the
  // pool go to OpenSSL directly. False if the system has no randomness (out is zeroed).
  bool fill(std::span<uint8_t> out);

  // Calls of OpenSSL's generator so far (for tests and benchmarks).
  uint64_t refills() const { return refills_; }

 private:
  std::array<uint8_t, kPoolSize> buf_{};
  size_t next_ = kPoolSize;  // first unserved byte; kPoolSize = empty
  uint64_t refills_ = 0;
};

}  // namespace stoq::quic

// Deterministic pseudo-random numbers for the link model: xoshiro256** seeded through
// splitmix64. Chosen over std::mt19937_64 + <random> distributions because the standard
// distributions are implementation-defined, so the same seed would give different
// schedules with libstdc++ and libc++; everything here is specified bit for bit.
#pragma once

#include <array>
#include <cstdint>

namespace stoq::netsim {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) noexcept { reseed(seed); }

  // Restarts the sequence; the same seed always yields the same sequence.
  void reseed(std::uint64_t seed) noexcept;

  // Next raw 64-bit output.
  std::uint64_t next() noexcept;

  // Uniform in [0, 1), 53 bits of precision.
  double uniform() noexcept;

  // True with probability p (p <= 0 never, p >= 1 always; no draw is consumed then, so
  // disabled impairments do not perturb the sequence used by enabled ones).
  bool chance(double p) noexcept;

  // Uniform integer in [0, bound); bound must be > 0.
  std::uint64_t below(std::uint64_t bound) noexcept;

  // Standard normal variate (mean 0, deviation 1), Box-Muller; one draw pair per call so
  // the sequence does not depend on hidden cached state.
  double normal() noexcept;

 private:
  std::array<std::uint64_t, 4> s_{};
};

}  // namespace stoq::netsim

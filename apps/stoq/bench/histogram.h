// A latency histogram with log-linear buckets (HDR style): every power of two is split into
// 64 equal sub-buckets, so a recorded value is known to within 1/64 (1.6 %) of itself, from
// 1 ns to about 18 minutes, in a fixed 18 KiB array. Recording is O(1) and allocation-free.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace stoq::cli::bench {

class Histogram {
 public:
  void record(uint64_t value_ns);
  // The value at quantile q in [0, 1] (midpoint of its bucket, clamped to [min, max]);
  // 0 when empty.
  uint64_t quantile(double q) const;
  uint64_t count() const noexcept { return count_; }
  uint64_t min() const noexcept { return count_ ? min_ : 0; }
  uint64_t max() const noexcept { return max_; }
  double mean() const noexcept { return count_ ? static_cast<double>(sum_) / count_ : 0; }
  void merge(const Histogram& other);

  // Bucket index of a value and the value range [lower, upper] a bucket covers.
  static size_t index_of(uint64_t v) noexcept;
  static uint64_t lower_bound(size_t index) noexcept;
  static uint64_t upper_bound(size_t index) noexcept;

 private:
  static constexpr unsigned kSubBits = 6;           // 64 sub-buckets per octave
  static constexpr uint64_t kSub = 1u << kSubBits;  // 64
  static constexpr uint64_t kLinear = 2 * kSub;     // values below 128 are exact
  static constexpr unsigned kMaxExponent = 34;      // values up to 2^40 ns
  static constexpr size_t kBuckets = kLinear + kMaxExponent * kSub;
  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0, sum_ = 0, min_ = UINT64_MAX, max_ = 0;
};

}  // namespace stoq::cli::bench

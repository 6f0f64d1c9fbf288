#include "bench/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace stoq::cli::bench {

size_t Histogram::index_of(uint64_t v) noexcept {
  if (v < kLinear) return static_cast<size_t>(v);
  // v >> e lands in [64, 128): e is the octave above the linear range.
  const unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(v));
  unsigned e = msb - kSubBits;
  if (e > kMaxExponent) return kBuckets - 1;
  return static_cast<size_t>(kLinear + (e - 1) * kSub + ((v >> e) - kSub));
}

uint64_t Histogram::lower_bound(size_t index) noexcept {
  if (index < kLinear) return index;
  const uint64_t e = (index - kLinear) / kSub + 1;
  const uint64_t sub = (index - kLinear) % kSub + kSub;
  return sub << e;
}

uint64_t Histogram::upper_bound(size_t index) noexcept {
  if (index < kLinear) return index;
  const uint64_t e = (index - kLinear) / kSub + 1;
  return lower_bound(index) + (uint64_t{1} << e) - 1;
}

void Histogram::record(uint64_t v) {
  ++counts_[index_of(v)];
  ++count_;
  sum_ += v;
  min_ = std::min(min_, v);
  max_ = std::max(max_, v);
}

uint64_t Histogram::quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // The rank of the sample at quantile q (1-based, nearest-rank definition).
  const auto rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * count_)));
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const uint64_t mid = lower_bound(i) + (upper_bound(i) - lower_bound(i)) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

void Histogram::merge(const Histogram& o) {
  for (size_t i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
  count_ += o.count_;
  sum_ += o.sum_;
  min_ = std::min(min_, o.min_);
  max_ = std::max(max_, o.max_);
}

}  // namespace stoq::cli::bench

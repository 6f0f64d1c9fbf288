#include "bench/sample.h"

#include <algorithm>

namespace stoq::cli::bench {

std::optional<double> Sample::get(const std::string& key) const {
  auto it = values.find(key);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

bool Series::all_ok() const {
  return !runs.empty() && std::all_of(runs.begin(), runs.end(), [](auto& s) { return s.ok; });
}

bool Series::all_verified() const {
  return !runs.empty() &&
         std::all_of(runs.begin(), runs.end(), [](auto& s) { return s.ok && s.verified; });
}

std::optional<double> Series::median(const std::string& key) const {
  std::vector<double> v;
  for (const auto& s : runs) {
    if (auto x = s.get(key)) v.push_back(*x);
  }
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace stoq::cli::bench

// Result<T>: a value or a Violation. Never throws; accessing the wrong alternative is a
// programming error (checked with assert in debug builds).
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "proto/error.h"

namespace stoq::proto {

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}          // NOLINT(implicit)
  Result(Violation error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  const Violation& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }
  // kNoError when ok().
  Error code() const { return ok() ? Error::kNoError : error().code; }

 private:
  std::variant<T, Violation> v_;
};

struct Ok {
  bool operator==(const Ok&) const = default;
};
using Status = Result<Ok>;

inline Violation violation(Error code, std::string reason) {
  return {code, std::move(reason)};
}

}  // namespace stoq::proto

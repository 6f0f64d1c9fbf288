// Error reporting for the netsim library: a std::error_code in the netsim category plus a
// human-readable message, and a small Expected<T> that carries either a value or an Error.
// No function of this library throws across its API.
#pragma once

#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace stoq::netsim {

// Append-only: values are part of the control protocol's replies.
enum class Errc {
  kOk = 0,
  kInvalidConfig = 1,   // a configuration string or JSON object was rejected
  kInvalidAddress = 2,  // a socket address could not be parsed
  kInvalidCommand = 3,  // a control-protocol command was rejected
  kSocketError = 4,     // a socket call failed; the message names the call and errno
  kUnknownClient = 5,   // a command named a client mapping that does not exist
  kAlreadyRunning = 6,  // start() on a relay whose thread is running
};
static_assert(static_cast<int>(Errc::kAlreadyRunning) == 6, "Errc is append-only");

const std::error_category& netsim_category() noexcept;

inline std::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), netsim_category()};
}

struct Error {
  std::error_code code;
  std::string message;
};

inline Error make_error(Errc e, std::string message) {
  return Error{make_error_code(e), std::move(message)};
}

// Either a T or an Error. Callers check has_value() (or operator bool) before value().
template <typename T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : state_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Expected(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool has_value() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

// Expected<void>: success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT

  bool ok() const noexcept { return !failed_; }
  explicit operator bool() const noexcept { return ok(); }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool failed_ = false;
};

}  // namespace stoq::netsim

template <>
struct std::is_error_code_enum<stoq::netsim::Errc> : std::true_type {};

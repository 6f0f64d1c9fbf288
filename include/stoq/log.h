// Logging: STOQ never writes to stdout/stderr itself. The application installs a callback
// on the Context; it is called on whichever thread runs the endpoint's loop, so it must be
// thread-safe if several endpoints run on different threads.
#pragma once

#include <functional>
#include <string_view>

namespace stoq {

enum class LogLevel : int { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3, kTrace = 4 };

using LogCallback = std::function<void(LogLevel, std::string_view message)>;

std::string_view to_string(LogLevel level) noexcept;

}  // namespace stoq

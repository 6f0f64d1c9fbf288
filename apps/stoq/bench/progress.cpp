#include "bench/progress.h"

#include <unistd.h>

#include <cstdio>

#include "bench/sys.h"

namespace stoq::cli::bench {

Progress::Progress(bool requested) : on_(requested || isatty(STDERR_FILENO)) {}

Progress::~Progress() {
  clear();
}

void Progress::update(const std::string& text) {
  if (!on_) return;
  const double t = now_seconds();
  if (t - last_ < 0.5) return;
  last_ = t;
  std::fprintf(stderr, "\r  %-70s", text.c_str());
  std::fflush(stderr);
  shown_ = true;
}

void Progress::clear() {
  if (!shown_) return;
  std::fprintf(stderr, "\r%74s\r", "");
  std::fflush(stderr);
  shown_ = false;
}

}  // namespace stoq::cli::bench

// The progress line of long bench runs: on stderr, at most twice a second, only when asked
// (--progress) or when stderr is a terminal.
#pragma once

#include <string>

namespace stoq::cli::bench {

class Progress {
 public:
  explicit Progress(bool requested);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  // Shows `text` if the last update is at least 0.5 s old.
  void update(const std::string& text);
  void clear();

 private:
  bool on_;
  bool shown_ = false;
  double last_ = 0;
};

}  // namespace stoq::cli::bench

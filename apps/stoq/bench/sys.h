// Process measurements for `stoq bench`: CPU time (getrusage / thread CPU clock), resident
// memory (/proc/self/statm) and a monotonic clock. Each call reads the kernel's counters;
// nothing is cached, so they are safe from any thread.
#pragma once

#include <cstdint>

namespace stoq::cli::bench {

// Monotonic time in seconds (steady clock).
double now_seconds();
// User + system CPU seconds of the whole process (RUSAGE_SELF).
double process_cpu_seconds();
// User + system CPU seconds of the calling thread.
double thread_cpu_seconds();
// Current resident set size in bytes (0 when /proc is unavailable).
uint64_t current_rss_bytes();
// Peak resident set size in bytes (ru_maxrss).
uint64_t peak_rss_bytes();

}  // namespace stoq::cli::bench

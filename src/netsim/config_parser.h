// Parsing and printing of LinkConfig.
//
// Compact form: comma-separated key=value items, e.g.
//   "delay=20ms,jitter=10ms,loss=1%,rate=50mbit,queue=64kb,seed=7"
// JSON form: an object with the same keys; values are strings in the same syntax, or JSON
// numbers for plain counts (seed, corrupt_bits, mtu, queue, limit) and JSON booleans for
// switches. docs/netsim.md lists every key, unit and default.
//
// Parsing is strict: unknown keys, repeated keys, missing units, values out of range and
// trailing garbage are errors (Errc::kInvalidConfig) whose message names the offending
// item and what would have been accepted. On error nothing is returned and the caller's
// configuration is untouched; on success the result is `base` with the given keys changed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "netsim/link_config.h"
#include "netsim/result.h"

namespace stoq::netsim {

// Compact form. An empty (or all-blank) string returns `base` unchanged. The key
// `profile=NAME` first replaces every setting except the seed with a named profile
// (see link_profiles.h), wherever it appears; the other keys then apply on top.
Expected<LinkConfig> parse_link_config(std::string_view text, const LinkConfig& base = {});

// JSON form, already parsed. Must be an object.
Expected<LinkConfig> parse_link_config_json(const nlohmann::json& object,
                                            const LinkConfig& base = {});

// Either form from text: JSON if the first non-blank character is '{', compact otherwise.
// Malformed JSON is an Errc::kInvalidConfig error, never an exception.
Expected<LinkConfig> parse_link_config_text(std::string_view text, const LinkConfig& base = {});

// Canonical compact form: the settings that differ from a default LinkConfig, in a fixed
// order, followed by the seed. parse_link_config(format_link_config(c)) reproduces c.
std::string format_link_config(const LinkConfig& config);

// Every setting as a JSON object (values in the compact syntax); parse_link_config_json
// accepts it back.
nlohmann::json link_config_to_json(const LinkConfig& config);

// Value parsers, exposed for the control protocol and tests.
// Durations: a non-negative decimal with a unit ns|us|ms|s ("0" needs none), e.g. "2.5ms".
Expected<Duration> parse_duration(std::string_view text);
// Rates in bits per second: decimal with bit|kbit|mbit|gbit|tbit (powers of 1000); "0".
Expected<std::uint64_t> parse_rate(std::string_view text);
// Sizes in bytes: decimal with b|kb|kib|mb|mib|gb|gib (powers of 1024), or a bare integer.
Expected<std::uint64_t> parse_size(std::string_view text);
// Probabilities: a percentage "0%" ... "100%", returned as a fraction in [0, 1].
Expected<double> parse_probability(std::string_view text);

std::string format_duration(Duration d);
std::string format_rate(std::uint64_t bits_per_second);
std::string format_size(std::uint64_t bytes);
std::string format_probability(double p);

}  // namespace stoq::netsim

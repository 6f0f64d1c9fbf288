#include "netsim/config_parser.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "netsim/link_profiles.h"

namespace stoq::netsim {
namespace {

Error config_error(std::string message) {
  return make_error(Errc::kInvalidConfig, std::move(message));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A non-negative decimal without sign or exponent: digits, optionally '.' and digits.
std::optional<double> parse_decimal(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return std::nullopt;
  if (std::count(s.begin(), s.end(), '.') > 1) return std::nullopt;
  if (!std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; })) {
    return std::nullopt;
  }
  double value = 0;
  const auto [ptr, ec] =
      std::from_chars(s.data(), s.data() + s.size(), value, std::chars_format::fixed);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::uint64_t> parse_unsigned(std::string_view s, int base = 10) {
  if (s.empty()) return std::nullopt;
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value, base);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

// Splits "12.5ms" into {"12.5", "ms"}.
std::pair<std::string_view, std::string> split_unit(std::string_view s) {
  const auto pos = s.find_first_not_of("0123456789.");
  if (pos == std::string_view::npos) return {s, std::string()};
  return {s.substr(0, pos), lower(s.substr(pos))};
}

struct Unit {
  std::string_view name;
  double factor;
};

template <std::size_t N>
std::optional<double> scaled(std::string_view text, const std::array<Unit, N>& units,
                             bool bare_allowed, bool& unit_error) {
  unit_error = false;
  const auto [number, unit] = split_unit(text);
  const auto value = parse_decimal(number);
  if (!value) return std::nullopt;
  if (unit.empty()) {
    if (bare_allowed || *value == 0.0) return *value;
    unit_error = true;
    return std::nullopt;
  }
  for (const auto& u : units) {
    if (u.name == unit) return *value * u.factor;
  }
  unit_error = true;
  return std::nullopt;
}

std::string quote_value(std::string_view s) {
  return "'" + std::string(s) + "'";
}

std::optional<bool> parse_bool(std::string_view s) {
  const std::string v = lower(s);
  if (v == "on" || v == "true" || v == "yes" || v == "1") return true;
  if (v == "off" || v == "false" || v == "no" || v == "0") return false;
  return std::nullopt;
}

// ---- the key table --------------------------------------------------------------------

enum class Kind { kDuration, kProbability, kRate, kSize, kCount, kSeed, kBool, kEnum, kProfile };

using Setter = Status (*)(LinkConfig&, std::string_view);

struct Key {
  std::string_view name;
  Kind kind;
  Setter set;
};

template <Duration LinkConfig::*Field>
Status set_duration(LinkConfig& c, std::string_view v) {
  auto d = parse_duration(v);
  if (!d) return d.error();
  c.*Field = *d;
  return {};
}

template <double LinkConfig::*Field>
Status set_probability(LinkConfig& c, std::string_view v) {
  auto p = parse_probability(v);
  if (!p) return p.error();
  c.*Field = *p;
  return {};
}

template <double BurstLossConfig::*Field>
Status set_burst(LinkConfig& c, std::string_view v) {
  auto p = parse_probability(v);
  if (!p) return p.error();
  c.burst.*Field = *p;
  return {};
}

template <Duration BlackholeSchedule::*Field>
Status set_blackhole_time(LinkConfig& c, std::string_view v) {
  auto d = parse_duration(v);
  if (!d) return d.error();
  c.blackhole_schedule.*Field = *d;
  return {};
}

template <std::uint64_t LinkConfig::*Field>
Status set_size(LinkConfig& c, std::string_view v) {
  auto s = parse_size(v);
  if (!s) return s.error();
  c.*Field = *s;
  return {};
}

template <bool LinkConfig::*Field>
Status set_bool(LinkConfig& c, std::string_view v) {
  const auto b = parse_bool(v);
  if (!b) return config_error("expected on or off, got " + quote_value(v));
  c.*Field = *b;
  return {};
}

Status set_rate(LinkConfig& c, std::string_view v) {
  auto r = parse_rate(v);
  if (!r) return r.error();
  c.rate_bps = *r;
  return {};
}

Status set_mtu(LinkConfig& c, std::string_view v) {
  auto s = parse_size(v);
  if (!s) return s.error();
  if (*s > kMaxMtu) return config_error("mtu must be at most 65535 bytes, got " + quote_value(v));
  c.mtu = static_cast<std::uint32_t>(*s);
  return {};
}

Status set_corrupt_bits(LinkConfig& c, std::string_view v) {
  const auto n = parse_unsigned(v);
  if (!n || *n < 1 || *n > kMaxCorruptBits) {
    return config_error("expected a whole number of bits from 1 to " +
                        std::to_string(kMaxCorruptBits) + ", got " + quote_value(v));
  }
  c.corrupt_bits = static_cast<std::uint32_t>(*n);
  return {};
}

Status set_seed(LinkConfig& c, std::string_view v) {
  const bool hex = v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
  const auto n = hex ? parse_unsigned(v.substr(2), 16) : parse_unsigned(v);
  if (!n)
    return config_error("expected an unsigned 64-bit integer (decimal or 0x hex), got " +
                        quote_value(v));
  c.seed = *n;
  return {};
}

Status set_jitter_dist(LinkConfig& c, std::string_view v) {
  const std::string d = lower(v);
  if (d == "uniform") {
    c.jitter_distribution = JitterDistribution::kUniform;
  } else if (d == "normal") {
    c.jitter_distribution = JitterDistribution::kNormal;
  } else if (d == "pareto") {
    c.jitter_distribution = JitterDistribution::kPareto;
  } else {
    return config_error("expected uniform, normal or pareto, got " + quote_value(v));
  }
  return {};
}

Status set_profile(LinkConfig& c, std::string_view v) {
  auto p = link_profile(v);
  if (!p) {
    std::string names;
    for (auto n : link_profile_names()) names += (names.empty() ? "" : ", ") + std::string(n);
    return config_error("unknown profile " + quote_value(v) + " (known: " + names + ")");
  }
  const std::uint64_t seed = c.seed;
  c = *p;
  c.seed = seed;
  return {};
}

constexpr std::array<Key, 24> kKeys = {{
    {"profile", Kind::kProfile, &set_profile},
    {"delay", Kind::kDuration, &set_duration<&LinkConfig::delay>},
    {"jitter", Kind::kDuration, &set_duration<&LinkConfig::jitter>},
    {"jitter_dist", Kind::kEnum, &set_jitter_dist},
    {"jitter_reorder", Kind::kBool, &set_bool<&LinkConfig::jitter_reorder>},
    {"loss", Kind::kProbability, &set_probability<&LinkConfig::loss>},
    {"burst_to_bad", Kind::kProbability, &set_burst<&BurstLossConfig::to_bad>},
    {"burst_to_good", Kind::kProbability, &set_burst<&BurstLossConfig::to_good>},
    {"burst_loss_good", Kind::kProbability, &set_burst<&BurstLossConfig::loss_good>},
    {"burst_loss_bad", Kind::kProbability, &set_burst<&BurstLossConfig::loss_bad>},
    {"reorder", Kind::kProbability, &set_probability<&LinkConfig::reorder>},
    {"reorder_delay", Kind::kDuration, &set_duration<&LinkConfig::reorder_delay>},
    {"dup", Kind::kProbability, &set_probability<&LinkConfig::duplicate>},
    {"corrupt", Kind::kProbability, &set_probability<&LinkConfig::corrupt>},
    {"corrupt_bits", Kind::kCount, &set_corrupt_bits},
    {"rate", Kind::kRate, &set_rate},
    {"queue", Kind::kSize, &set_size<&LinkConfig::queue_bytes>},
    {"limit", Kind::kSize, &set_size<&LinkConfig::limit_bytes>},
    {"mtu", Kind::kSize, &set_mtu},
    {"blackhole", Kind::kBool, &set_bool<&LinkConfig::blackhole>},
    {"blackhole_at", Kind::kDuration, &set_blackhole_time<&BlackholeSchedule::at>},
    {"blackhole_for", Kind::kDuration, &set_blackhole_time<&BlackholeSchedule::duration>},
    {"blackhole_every", Kind::kDuration, &set_blackhole_time<&BlackholeSchedule::every>},
    {"seed", Kind::kSeed, &set_seed},
}};

const Key* find_key(std::string_view name) {
  for (const auto& k : kKeys) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::string known_keys() {
  std::string out;
  for (const auto& k : kKeys) out += (out.empty() ? "" : ", ") + std::string(k.name);
  return out;
}

// Applies items (key, value) in order, profile first. `context` prefixes error messages.
Expected<LinkConfig> apply_items(const std::vector<std::pair<std::string, std::string>>& items,
                                 const LinkConfig& base) {
  LinkConfig config = base;
  std::vector<std::string_view> seen;
  // Checks every key before applying any, so "unknown key" wins over a bad value elsewhere.
  for (const auto& [key, value] : items) {
    if (find_key(key) == nullptr) {
      return config_error("unknown key " + quote_value(key) + " (known keys: " + known_keys() +
                          ")");
    }
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      return config_error("key " + quote_value(key) + " given more than once");
    }
    seen.push_back(key);
  }
  for (const bool profile_pass : {true, false}) {
    for (const auto& [key, value] : items) {
      if ((key == "profile") != profile_pass) continue;
      const Key* k = find_key(key);
      if (Status s = k->set(config, value); !s) {
        std::string message = key;
        message += '=';
        message += value;
        message += ": ";
        message += s.error().message;
        return config_error(std::move(message));
      }
    }
  }
  if (Status s = validate_link_config(config); !s) return s.error();
  return config;
}

// Fixed notation (the parsers accept no exponents), trailing zeros removed; 12 decimals
// keep probabilities down to 1e-14 exact enough for any simulation.
std::string number_text(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.12f", v);
  std::string out(buf);
  if (out.find('.') != std::string::npos) {
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out.pop_back();
  }
  return out;
}

}  // namespace

Expected<Duration> parse_duration(std::string_view text) {
  static constexpr std::array<Unit, 4> kUnits = {{{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}}};
  bool unit_error = false;
  const auto ns = scaled(trim(text), kUnits, false, unit_error);
  if (!ns) {
    return config_error(unit_error
                            ? "duration " + quote_value(text) + " needs a unit: ns, us, ms or s"
                            : "expected a duration such as 20ms or 1.5s, got " + quote_value(text));
  }
  if (*ns > static_cast<double>(Duration(kMaxConfigDuration).count())) {
    return config_error("duration " + quote_value(text) + " is longer than 24 hours");
  }
  return Duration(static_cast<Duration::rep>(std::llround(*ns)));
}

Expected<std::uint64_t> parse_rate(std::string_view text) {
  static constexpr std::array<Unit, 5> kUnits = {
      {{"bit", 1}, {"kbit", 1e3}, {"mbit", 1e6}, {"gbit", 1e9}, {"tbit", 1e12}}};
  bool unit_error = false;
  const auto bps = scaled(trim(text), kUnits, false, unit_error);
  if (!bps) {
    return config_error(unit_error
                            ? "rate " + quote_value(text) +
                                  " needs a unit in bits per second: bit, kbit, mbit, gbit or tbit"
                            : "expected a rate such as 50mbit, got " + quote_value(text));
  }
  if (*bps > static_cast<double>(kMaxRateBps))
    return config_error("rate " + quote_value(text) + " is above 10tbit");
  if (*bps != 0 && *bps < 1) return config_error("rate " + quote_value(text) + " is below 1bit");
  return static_cast<std::uint64_t>(std::llround(*bps));
}

Expected<std::uint64_t> parse_size(std::string_view text) {
  static constexpr std::array<Unit, 7> kUnits = {{{"b", 1},
                                                  {"kb", 1024.0},
                                                  {"kib", 1024.0},
                                                  {"mb", 1048576.0},
                                                  {"mib", 1048576.0},
                                                  {"gb", 1073741824.0},
                                                  {"gib", 1073741824.0}}};
  bool unit_error = false;
  const std::string_view t = trim(text);
  const auto bytes = scaled(t, kUnits, true, unit_error);
  if (!bytes) {
    return config_error(unit_error
                            ? "size " + quote_value(text) +
                                  " has an unknown unit (b, kb, mb, gb; powers of 1024)"
                            : "expected a size such as 64kb or 1500, got " + quote_value(text));
  }
  if (split_unit(t).second.empty() && t.find('.') != std::string_view::npos) {
    return config_error("a size in bytes must be a whole number, got " + quote_value(text));
  }
  if (*bytes > static_cast<double>(kMaxConfigBytes))
    return config_error("size " + quote_value(text) + " is above 1 GiB");
  return static_cast<std::uint64_t>(std::llround(*bytes));
}

Expected<double> parse_probability(std::string_view text) {
  const std::string_view t = trim(text);
  if (t.empty() || t.back() != '%') {
    return config_error("expected a percentage such as 1% or 0.5%, got " + quote_value(text));
  }
  const auto value = parse_decimal(t.substr(0, t.size() - 1));
  if (!value)
    return config_error("expected a percentage such as 1% or 0.5%, got " + quote_value(text));
  if (*value > 100.0) return config_error("percentage " + quote_value(text) + " is above 100%");
  return *value / 100.0;
}

std::string format_duration(Duration d) {
  const auto n = d.count();
  if (n == 0) return "0";
  if (n % 1'000'000'000 == 0) return std::to_string(n / 1'000'000'000) + "s";
  if (n % 1'000'000 == 0) return std::to_string(n / 1'000'000) + "ms";
  if (n % 1'000 == 0) return std::to_string(n / 1'000) + "us";
  return std::to_string(n) + "ns";
}

std::string format_rate(std::uint64_t bps) {
  if (bps == 0) return "0";
  static constexpr std::array<std::pair<std::uint64_t, std::string_view>, 4> kUnits = {
      {{1'000'000'000'000ULL, "tbit"},
       {1'000'000'000ULL, "gbit"},
       {1'000'000ULL, "mbit"},
       {1'000ULL, "kbit"}}};
  for (const auto& [factor, name] : kUnits) {
    if (bps % factor == 0) return std::to_string(bps / factor) + std::string(name);
  }
  return std::to_string(bps) + "bit";
}

std::string format_size(std::uint64_t bytes) {
  if (bytes != 0) {
    if (bytes % (1ULL << 30) == 0) return std::to_string(bytes >> 30) + "gb";
    if (bytes % (1ULL << 20) == 0) return std::to_string(bytes >> 20) + "mb";
    if (bytes % (1ULL << 10) == 0) return std::to_string(bytes >> 10) + "kb";
  }
  return std::to_string(bytes);
}

std::string format_probability(double p) {
  return number_text(p * 100.0) + "%";
}

Expected<LinkConfig> parse_link_config(std::string_view text, const LinkConfig& base) {
  std::vector<std::pair<std::string, std::string>> items;
  if (trim(text).empty()) return base;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view item = trim(text.substr(start, comma - start));
    start = comma + 1;
    if (item.empty()) return config_error("empty item in " + quote_value(text) + " (stray comma?)");
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      return config_error("item " + quote_value(item) + " is not key=value");
    }
    const std::string_view key = trim(item.substr(0, eq));
    const std::string_view value = trim(item.substr(eq + 1));
    if (key.empty()) return config_error("item " + quote_value(item) + " has no key");
    if (value.empty()) return config_error("key " + quote_value(key) + " has no value");
    items.emplace_back(std::string(key), std::string(value));
  }
  return apply_items(items, base);
}

Expected<LinkConfig> parse_link_config_json(const nlohmann::json& object, const LinkConfig& base) {
  if (!object.is_object()) return config_error("a JSON link configuration must be an object");
  std::vector<std::pair<std::string, std::string>> items;
  for (const auto& [key, value] : object.items()) {
    const Key* k = find_key(key);
    if (k == nullptr) {
      return config_error("unknown key " + quote_value(key) + " (known keys: " + known_keys() +
                          ")");
    }
    if (value.is_string()) {
      items.emplace_back(key, value.get<std::string>());
    } else if (value.is_boolean() && k->kind == Kind::kBool) {
      items.emplace_back(key, value.get<bool>() ? "on" : "off");
    } else if (value.is_number_unsigned() &&
               (k->kind == Kind::kCount || k->kind == Kind::kSize || k->kind == Kind::kSeed)) {
      items.emplace_back(key, std::to_string(value.get<std::uint64_t>()));
    } else {
      return config_error(
          "key " + quote_value(key) + ": JSON " + std::string(value.type_name()) +
          " not accepted; give a string in the compact syntax (e.g. \"20ms\", \"1%\")");
    }
  }
  return apply_items(items, base);
}

Expected<LinkConfig> parse_link_config_text(std::string_view text, const LinkConfig& base) {
  const std::string_view t = trim(text);
  if (!t.empty() && t.front() == '{') {
    nlohmann::json parsed = nlohmann::json::parse(t.begin(), t.end(), nullptr, false);
    if (parsed.is_discarded()) return config_error("malformed JSON link configuration");
    return parse_link_config_json(parsed, base);
  }
  return parse_link_config(text, base);
}

std::string format_link_config(const LinkConfig& c) {
  const LinkConfig d;
  std::vector<std::string> items;
  auto add = [&items](std::string_view key, const std::string& value) {
    items.push_back(std::string(key) + "=" + value);
  };
  if (c.delay != d.delay) add("delay", format_duration(c.delay));
  if (c.jitter != d.jitter) add("jitter", format_duration(c.jitter));
  if (c.jitter_distribution != d.jitter_distribution)
    add("jitter_dist", to_string(c.jitter_distribution));
  if (c.jitter_reorder != d.jitter_reorder) add("jitter_reorder", c.jitter_reorder ? "on" : "off");
  if (c.loss != d.loss) add("loss", format_probability(c.loss));
  if (c.burst.to_bad != d.burst.to_bad) add("burst_to_bad", format_probability(c.burst.to_bad));
  if (c.burst.to_good != d.burst.to_good) add("burst_to_good", format_probability(c.burst.to_good));
  if (c.burst.loss_good != d.burst.loss_good)
    add("burst_loss_good", format_probability(c.burst.loss_good));
  if (c.burst.loss_bad != d.burst.loss_bad)
    add("burst_loss_bad", format_probability(c.burst.loss_bad));
  if (c.reorder != d.reorder) add("reorder", format_probability(c.reorder));
  if (c.reorder_delay != d.reorder_delay) add("reorder_delay", format_duration(c.reorder_delay));
  if (c.duplicate != d.duplicate) add("dup", format_probability(c.duplicate));
  if (c.corrupt != d.corrupt) add("corrupt", format_probability(c.corrupt));
  if (c.corrupt_bits != d.corrupt_bits) add("corrupt_bits", std::to_string(c.corrupt_bits));
  if (c.rate_bps != d.rate_bps) add("rate", format_rate(c.rate_bps));
  if (c.queue_bytes != d.queue_bytes) add("queue", format_size(c.queue_bytes));
  if (c.limit_bytes != d.limit_bytes) add("limit", format_size(c.limit_bytes));
  if (c.mtu != d.mtu) add("mtu", std::to_string(c.mtu));
  if (c.blackhole != d.blackhole) add("blackhole", c.blackhole ? "on" : "off");
  const auto& b = c.blackhole_schedule;
  if (b.at != d.blackhole_schedule.at) add("blackhole_at", format_duration(b.at));
  if (b.duration != d.blackhole_schedule.duration)
    add("blackhole_for", format_duration(b.duration));
  if (b.every != d.blackhole_schedule.every) add("blackhole_every", format_duration(b.every));
  add("seed", std::to_string(c.seed));
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

nlohmann::json link_config_to_json(const LinkConfig& c) {
  return nlohmann::json{
      {"delay", format_duration(c.delay)},
      {"jitter", format_duration(c.jitter)},
      {"jitter_dist", to_string(c.jitter_distribution)},
      {"jitter_reorder", c.jitter_reorder},
      {"loss", format_probability(c.loss)},
      {"burst_to_bad", format_probability(c.burst.to_bad)},
      {"burst_to_good", format_probability(c.burst.to_good)},
      {"burst_loss_good", format_probability(c.burst.loss_good)},
      {"burst_loss_bad", format_probability(c.burst.loss_bad)},
      {"reorder", format_probability(c.reorder)},
      {"reorder_delay", format_duration(c.reorder_delay)},
      {"dup", format_probability(c.duplicate)},
      {"corrupt", format_probability(c.corrupt)},
      {"corrupt_bits", c.corrupt_bits},
      {"rate", format_rate(c.rate_bps)},
      {"queue", format_size(c.queue_bytes)},
      {"limit", format_size(c.limit_bytes)},
      {"mtu", c.mtu},
      {"blackhole", c.blackhole},
      {"blackhole_at", format_duration(c.blackhole_schedule.at)},
      {"blackhole_for", format_duration(c.blackhole_schedule.duration)},
      {"blackhole_every", format_duration(c.blackhole_schedule.every)},
      {"seed", c.seed},
  };
}

}  // namespace stoq::netsim

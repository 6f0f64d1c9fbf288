#include "netsim/netsim_cli.h"

#include <chrono>
#include <cmath>
#include <ostream>

#include <nlohmann/json.hpp>

#include "netsim/config_parser.h"
#include "netsim/control_auth.h"
#include "netsim/relay.h"

namespace stoq::netsim {
namespace {

Expected<Duration> seconds_option(double seconds, const char* name) {
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 86400.0) {
    return make_error(Errc::kInvalidConfig,
                      std::string(name) + " must be between 0 and 86400 seconds");
  }
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
}

void report(std::ostream& out, const Relay& relay, bool json, const char* event) {
  const RelayCounters c = relay.counters();
  if (json) {
    out << nlohmann::json{{"event", event}, {"counters", relay_counters_to_json(c)}}.dump() << '\n';
  } else {
    out << "netsim " << event << ": up " << c.up.received << " in / " << c.up.delivered << " out / "
        << c.up.dropped() << " dropped; down " << c.down.received << " in / " << c.down.delivered
        << " out / " << c.down.dropped() << " dropped; clients " << c.clients_active << '\n';
  }
  out.flush();
}

}  // namespace

int run_netsim_cli_config(const NetsimCliOptions& options, const std::atomic<bool>& stop_requested,
                          std::ostream& out, std::ostream& err) {
  RelayOptions relay_options;
  auto fail = [&err](const Error& e) {
    err << "stoq netsim: " << e.message << '\n';
    return kNetsimExitUsage;
  };
  auto listen = parse_address(options.listen);
  if (!listen) return fail(listen.error());
  auto upstream = parse_address(options.upstream);
  if (!upstream) return fail(upstream.error());
  relay_options.listen = *listen;
  relay_options.upstream = *upstream;
  bool secret_shown = false;  // the secret goes to `out` only when no file holds it
  if (!options.control.empty()) {
    auto control = parse_address(options.control);
    if (!control) return fail(control.error());
    if (Status s = check_control_binding(*control, options.control_allow_remote); !s) {
      return fail(Error{s.error().code, "--control: " + s.error().message});
    }
    relay_options.control = *control;
    relay_options.control_allow_remote = options.control_allow_remote;
    if (!options.control_secret_file.empty()) {
      bool created = false;
      auto secret = load_or_create_control_secret(options.control_secret_file, &created);
      if (!secret) return fail(secret.error());
      relay_options.control_secret = *secret;
    } else {
      secret_shown = true;
    }
  } else if (!options.control_secret_file.empty() || options.control_allow_remote) {
    return fail(make_error(Errc::kInvalidConfig,
                           "--control-secret-file and --control-allow-remote need --control"));
  }
  auto up = parse_link_config_text(options.up);
  if (!up) return fail(Error{up.error().code, "--up: " + up.error().message});
  auto down = parse_link_config_text(options.down);
  if (!down) return fail(Error{down.error().code, "--down: " + down.error().message});
  relay_options.up = *up;
  relay_options.down = *down;
  if (options.max_clients == 0)
    return fail(make_error(Errc::kInvalidConfig, "--max-clients must be at least 1"));
  relay_options.max_clients = options.max_clients;
  auto idle = seconds_option(options.idle_timeout_seconds, "--idle-timeout");
  if (!idle) return fail(idle.error());
  relay_options.idle_timeout = *idle;
  auto interval = seconds_option(options.stats_interval_seconds, "--stats-interval");
  if (!interval) return fail(interval.error());

  auto relay = Relay::create(relay_options);
  if (!relay) {
    err << "stoq netsim: " << relay.error().message << '\n';
    return kNetsimExitRuntimeError;
  }
  Relay& r = **relay;
  if (options.json) {
    nlohmann::json start{{"event", "start"},
                         {"listen", r.listen_address().to_string()},
                         {"upstream", relay_options.upstream.to_string()},
                         {"up", format_link_config(relay_options.up)},
                         {"down", format_link_config(relay_options.down)}};
    if (!r.control_address().empty()) {
      start["control"] = r.control_address().to_string();
      if (secret_shown) {
        start["control_secret"] = r.control_secret();
      } else {
        start["control_secret_file"] = options.control_secret_file;
      }
    }
    out << start.dump() << '\n';
  } else {
    out << "netsim: relaying " << r.listen_address().to_string() << " -> "
        << relay_options.upstream.to_string()
        << "\n  up:   " << format_link_config(relay_options.up)
        << "\n  down: " << format_link_config(relay_options.down) << '\n';
    if (!r.control_address().empty()) {
      out << "  control: " << r.control_address().to_string() << " (secret "
          << (secret_shown ? r.control_secret() : "in " + options.control_secret_file) << ")\n";
    }
  }
  out.flush();

  using Clock = std::chrono::steady_clock;
  auto next_report = Clock::now() + *interval;
  while (!stop_requested.load()) {
    if (Status s = r.poll_once(std::chrono::milliseconds(100)); !s) {
      err << "stoq netsim: " << s.error().message << '\n';
      report(out, r, options.json, "stop");
      return kNetsimExitRuntimeError;
    }
    if (interval->count() > 0 && Clock::now() >= next_report) {
      report(out, r, options.json, "stats");
      next_report = Clock::now() + *interval;
    }
  }
  report(out, r, options.json, "stop");
  return kNetsimExitOk;
}

}  // namespace stoq::netsim

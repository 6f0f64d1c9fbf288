#include "cli_common.h"

#include <cstdio>
#include <iostream>

namespace stoq::cli {

void add_common_options(CLI::App& app, CommonOptions& o) {
  app.add_flag("-v,--verbose", o.verbosity, "More log output on stderr (-v info, -vv debug)");
  app.add_flag("--json", o.json, "Print the result as JSON on stdout");
}

void add_tls_options(CLI::App& app, TlsOptions& o, bool server) {
  if (server) {
    app.add_option("--cert", o.cert, "Certificate chain (PEM), leaf first")->required();
    app.add_option("--key", o.key, "Private key (PEM)")->required();
    app.add_flag("--require-client-cert", o.require_client_cert,
                 "Mutual authentication: refuse clients without a trusted certificate");
    app.add_option("--client-ca", o.client_ca, "CA certificates (PEM) for client certificates")
        ->check(CLI::ExistingFile);
  } else {
    app.add_option("--cert", o.cert, "Client certificate chain (PEM) for mutual authentication")
        ->check(CLI::ExistingFile);
    app.add_option("--key", o.key, "Client private key (PEM)")->check(CLI::ExistingFile);
    app.add_option("--ca", o.ca, "CA certificates (PEM) that the server's chain must lead to");
    app.add_option("--pin", o.pins, "Accept the server whose leaf SPKI has this SHA-256 (hex)");
    app.add_option("--server-name", o.server_name, "Name to verify in the server certificate");
    app.add_flag("--insecure", o.insecure, "Do not verify the server certificate (testing only)");
  }
  app.add_option("--kex", o.kex, "Key exchange: hybrid-required, hybrid-preferred, classical")
      ->check(CLI::IsMember({"hybrid-required", "hybrid-preferred", "classical"}));
  app.add_option("--auth", o.auth, "Peer authentication policy: any, pq-required, hybrid-required")
      ->check(CLI::IsMember({"any", "pq-required", "hybrid-required"}))
      ->capture_default_str();
}

Result<std::shared_ptr<Context>> make_context(const CommonOptions& o) {
  ContextOptions co;
  if (o.verbosity > 0) {
    co.log_level = o.verbosity >= 3   ? LogLevel::kTrace
                   : o.verbosity == 2 ? LogLevel::kDebug
                                      : LogLevel::kInfo;
  }
  co.log = [](LogLevel level, std::string_view msg) {
    std::fprintf(stderr, "stoq: %.*s: %.*s\n", static_cast<int>(to_string(level).size()),
                 to_string(level).data(), static_cast<int>(msg.size()), msg.data());
  };
  return Context::create(std::move(co));
}

Result<TlsConfig> make_tls_config(const TlsOptions& o) {
  TlsConfig t;
  t.cert_chain_file = o.cert;
  t.private_key_file = o.key;
  t.ca_file = o.ca;
  t.spki_pins = o.pins;
  t.server_name = o.server_name;
  t.insecure = o.insecure;
  if (!parse_kex_policy(o.kex, t.kex)) return {Errc::kInvalidArgument, "bad --kex " + o.kex};
  if (!parse_auth_policy(o.auth, t.auth)) return {Errc::kInvalidArgument, "bad --auth " + o.auth};
  if (o.insecure && (!o.pins.empty() || t.auth != AuthPolicy::kAny)) {
    // --insecure skips every check of the server: a pin or a policy would not apply.
    return {Errc::kInvalidArgument, "--insecure cannot be combined with --pin or --auth"};
  }
  t.require_client_cert = o.require_client_cert;
  t.client_ca_file = o.client_ca;
  return t;
}

Result<uint64_t> parse_size(const std::string& text) {
  size_t pos = 0;
  double v = 0;
  try {
    v = std::stod(text, &pos);
  } catch (...) {
    return {Errc::kInvalidArgument, "bad size '" + text + "'"};
  }
  std::string unit = text.substr(pos);
  double mult = 1;
  if (unit.empty() || unit == "B")
    mult = 1;
  else if (unit == "K" || unit == "KiB" || unit == "k")
    mult = 1024.0;
  else if (unit == "M" || unit == "MiB")
    mult = 1024.0 * 1024;
  else if (unit == "G" || unit == "GiB")
    mult = 1024.0 * 1024 * 1024;
  else if (unit == "KB")
    mult = 1e3;
  else if (unit == "MB")
    mult = 1e6;
  else if (unit == "GB")
    mult = 1e9;
  else
    return {Errc::kInvalidArgument, "bad size unit in '" + text + "' (use K, M, G, KiB, MB, ...)"};
  if (v < 0) return {Errc::kInvalidArgument, "negative size"};
  return static_cast<uint64_t>(v * mult);
}

std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.1f %s", b, units[u]);
  return buf;
}

std::string human_rate(double bps) {
  char buf[64];
  if (bps >= 1e9)
    std::snprintf(buf, sizeof(buf), "%.2f Gbit/s", bps / 1e9);
  else if (bps >= 1e6)
    std::snprintf(buf, sizeof(buf), "%.1f Mbit/s", bps / 1e6);
  else
    std::snprintf(buf, sizeof(buf), "%.1f kbit/s", bps / 1e3);
  return buf;
}

void print_error(std::string_view what, const std::string& message) {
  std::fprintf(stderr, "stoq %.*s: error: %s\n", static_cast<int>(what.size()), what.data(),
               message.c_str());
}

}  // namespace stoq::cli

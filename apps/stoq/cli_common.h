// Pieces shared by the stoq sub-commands: logging, TLS options, sizes, output.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "stoq/stoq.h"

namespace stoq::cli {

// Exit codes (documented in docs/cli.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;       // the operation failed (network, peer, TLS)
inline constexpr int kExitUsage = 2;         // bad command line or configuration
inline constexpr int kExitVerifyFailed = 3;  // data arrived but failed its SHA-256 check

struct CommonOptions {
  int verbosity = 0;  // -v count
  bool json = false;
};

struct TlsOptions {
  std::string cert, key, ca;
  std::vector<std::string> pins;
  std::string server_name;
  bool insecure = false;
  std::string kex = "hybrid-required";
  std::string auth = "any";  // authentication policy applied to the peer's chain
  // Mutual authentication: the server asks for a client certificate (trusted by client_ca,
  // else ca); the client presents cert/key when asked.
  bool require_client_cert = false;
  std::string client_ca;
};

void add_common_options(CLI::App& app, CommonOptions& o);
void add_tls_options(CLI::App& app, TlsOptions& o, bool server);
Result<std::shared_ptr<Context>> make_context(const CommonOptions& o);
Result<TlsConfig> make_tls_config(const TlsOptions& o);

// "256MiB", "1G", "100000" -> bytes.
Result<uint64_t> parse_size(const std::string& text);
std::string human_bytes(double bytes);
std::string human_rate(double bits_per_second);

void print_error(std::string_view what, const std::string& message);

}  // namespace stoq::cli

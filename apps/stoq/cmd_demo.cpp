// stoq demo: the project's main job in one command. A server and a client endpoint on
// loopback, a post-quantum handshake (X25519MLKEM768 key exchange, Falcon-1024 certificate
// chain by default), a SHA-256-verified transfer and a summary.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "cli_common.h"
#include "commands.h"
#include "report.h"
#include "server_modes.h"
#include "stoq/cert.h"
#include "transfer.h"
#include "transport_options.h"
#include "wipe.h"

namespace stoq::cli {
namespace {

struct DemoOptions {
  CommonOptions common;
  std::string bytes = "256MiB";
  std::string kex = "hybrid-required";
  std::string cert_type = "falcon1024";
  std::string auth = "auto";  // pq-required for post-quantum certificate types, else any
  size_t max_udp_payload = TransportConfig{}.max_udp_payload;
};

int run_demo(const DemoOptions& o) {
  auto ctx = make_context(o.common);
  if (!ctx) {
    print_error("demo", ctx.message());
    return kExitFailure;
  }
  auto size = parse_size(o.bytes);
  KexPolicy kex;
  KeyType kt;
  AuthPolicy auth = AuthPolicy::kAny;
  const bool classical = o.cert_type == "ed25519" || o.cert_type == "ecdsa-p256";
  const std::string auth_name = o.auth == "auto" ? (classical ? "any" : "pq-required") : o.auth;
  if (!size || !parse_kex_policy(o.kex, kex) || !parse_key_type(o.cert_type, kt) ||
      !parse_auth_policy(auth_name, auth)) {
    print_error("demo", !size ? size.message() : "bad --kex, --cert-type or --auth");
    return kExitUsage;
  }
  // A throw-away PKI in a private temporary directory.
  std::string tmpl = (std::filesystem::temp_directory_path() / "stoq-demo-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    print_error("demo", "cannot create a temporary directory");
    return kExitFailure;
  }
  const std::string dir = tmpl;
  struct Cleanup {
    std::string d;
    ~Cleanup() { std::filesystem::remove_all(d); }
  } cleanup{dir};
  CertRequest ca_req;
  ca_req.key_type = kt;
  ca_req.common_name = "STOQ demo CA";
  ca_req.is_ca = true;
  auto ca = make_certificate(**ctx, ca_req, nullptr);
  CertRequest leaf_req;
  leaf_req.key_type = kt;
  leaf_req.common_name = "localhost";
  leaf_req.dns_names = {"localhost"};
  leaf_req.ip_addresses = {"127.0.0.1", "::1"};
  auto leaf = ca ? make_certificate(**ctx, leaf_req, &*ca) : Result<Pem>(ca.error(), ca.reason());
  if (!leaf) {
    print_error("demo", leaf.message());
    return kExitFailure;
  }
  (void)write_file(dir + "/ca.pem", ca->certificate, false);
  // The leaf alone: the client has the CA, and a Falcon-1024 leaf fits the server's first
  // flight within the anti-amplification limit (docs/pq-auth.md).
  (void)write_file(dir + "/cert.pem", leaf->certificate, false);
  (void)write_file(dir + "/key.pem", leaf->private_key, true);
  wipe(ca->private_key);
  wipe(leaf->private_key);

  EndpointConfig server_cfg;
  server_cfg.tls.cert_chain_file = dir + "/cert.pem";
  server_cfg.tls.private_key_file = dir + "/key.pem";
  server_cfg.tls.kex = kex;
  server_cfg.transport.max_udp_payload = o.max_udp_payload;
  auto server = Endpoint::create(*ctx, server_cfg);
  if (!server) {
    print_error("demo", server.message());
    return kExitFailure;
  }
  if (auto st = server->listen(SocketAddress::loopback_v4(0)); !st) {
    print_error("demo", st.message());
    return kExitFailure;
  }
  ServerStats stats;
  install_server(*server, ServeMode::kSink, stats);
  if (auto st = server->start(); !st) {
    print_error("demo", st.message());
    return kExitFailure;
  }

  EndpointConfig client_cfg;
  client_cfg.tls.ca_file = dir + "/ca.pem";
  client_cfg.tls.kex = kex;
  client_cfg.transport.max_udp_payload = o.max_udp_payload;
  client_cfg.tls.auth = auth;
  auto client = Endpoint::create(*ctx, client_cfg);
  if (!client) {
    print_error("demo", client.message());
    return kExitFailure;
  }
  if (!o.common.json) {
    std::printf(
        "stoq demo: %s over QUIC on loopback %s, key exchange policy %s, %s certificates, "
        "authentication policy %s\n",
        human_bytes(static_cast<double>(*size)).c_str(),
        server->local_address().to_string().c_str(), o.kex.c_str(), o.cert_type.c_str(),
        auth_name.c_str());
    std::printf("  %s\n", (*ctx)->library_versions().c_str());
    std::fflush(stdout);
  }
  TransferOptions t;
  t.bytes = *size;
  t.progress = !o.common.json;
  auto report = run_transfer(*client, server->local_address(), "localhost", t);
  server->stop();
  server->join();
  print_report(report, o.common.json, "stoq demo summary");
  return report.ok ? kExitOk : (report.verified ? kExitFailure : kExitVerifyFailed);
}

}  // namespace

void register_demo(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<DemoOptions>();
  auto* cmd = app.add_subcommand("demo", "Post-quantum transfer between two endpoints on loopback");
  add_common_options(*cmd, o->common);
  cmd->add_option("-n,--bytes", o->bytes, "How much to transfer")->capture_default_str();
  cmd->add_option("--kex", o->kex, "hybrid-required | hybrid-preferred | classical")
      ->check(CLI::IsMember({"hybrid-required", "hybrid-preferred", "classical"}))
      ->capture_default_str();
  std::vector<std::string> types;
  for (KeyType t : all_key_types()) types.emplace_back(to_string(t));
  cmd->add_option("--cert-type", o->cert_type,
                  "falcon1024 | p521_falcon1024 | mldsa65 | mldsa87 | ed25519 | ... (stoq cert)")
      ->check(CLI::IsMember(types))
      ->capture_default_str();
  cmd->add_option("--auth", o->auth,
                  "Client's authentication policy: auto (pq-required for post-quantum "
                  "certificates) | pq-required | hybrid-required | any")
      ->check(CLI::IsMember({"auto", "pq-required", "hybrid-required", "any"}))
      ->capture_default_str();
  add_max_udp_payload_option(*cmd, o->max_udp_payload);
  cmd->callback([o, &exit_code] { exit_code = run_demo(*o); });
}

}  // namespace stoq::cli

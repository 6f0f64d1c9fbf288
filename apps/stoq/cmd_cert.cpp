// stoq cert: a CA and a leaf certificate for a server (and clients), of any key type STOQ
// knows: Falcon and hybrid Falcon+ECDSA (STOQ's provider), ML-DSA, Ed25519, ECDSA.
#include <sys/stat.h>

#include <cstdio>

#include "cli_common.h"
#include "commands.h"
#include "stoq/cert.h"
#include "wipe.h"

namespace stoq::cli {
namespace {

struct CertOptions {
  CommonOptions common;
  std::string out_dir = ".";
  std::string type = "ed25519";
  std::vector<std::string> names{"localhost"};
  std::vector<std::string> ips{"127.0.0.1", "::1"};
  int days = 365;
  bool expired = false;
  // cert.pem holds the leaf only (default) or the leaf and the CA. Clients have the CA
  // already; leaving it out keeps a Falcon-1024 first flight within the 3x
  // anti-amplification budget (docs/pq-auth.md).
  std::string chain = "leaf";
};

int run_cert(const CertOptions& o) {
  auto ctx = make_context(o.common);
  if (!ctx) {
    print_error("cert", ctx.message());
    return kExitFailure;
  }
  KeyType kt;
  if (!parse_key_type(o.type, kt)) {
    print_error("cert", "unknown key type " + o.type);
    return kExitUsage;
  }
  ::mkdir(o.out_dir.c_str(), 0755);
  CertRequest ca_req;
  ca_req.key_type = kt;
  ca_req.common_name = "STOQ test CA";
  ca_req.is_ca = true;
  ca_req.not_after = std::chrono::hours(24 * (o.days + 1));
  auto ca = make_certificate(**ctx, ca_req, nullptr);
  if (!ca) {
    print_error("cert", ca.message());
    return kExitFailure;
  }
  CertRequest leaf_req;
  leaf_req.key_type = kt;
  leaf_req.common_name = o.names.empty() ? "stoq" : o.names.front();
  leaf_req.dns_names = o.names;
  leaf_req.ip_addresses = o.ips;
  if (o.expired) {
    leaf_req.not_before = -std::chrono::hours(48);
    leaf_req.not_after = -std::chrono::hours(24);
  } else {
    leaf_req.not_after = std::chrono::hours(24 * o.days);
  }
  auto leaf = make_certificate(**ctx, leaf_req, &*ca);
  if (!leaf) {
    print_error("cert", leaf.message());
    return kExitFailure;
  }
  const WipeOnExit wipe_ca_key(ca->private_key), wipe_leaf_key(leaf->private_key);
  const std::string d = o.out_dir + "/";
  for (auto st : {write_file(d + "ca.pem", ca->certificate, false),
                  write_file(d + "ca.key", ca->private_key, true),
                  write_file(d + "cert.pem",
                             leaf->certificate + (o.chain == "full" ? ca->certificate : ""), false),
                  write_file(d + "key.pem", leaf->private_key, true)}) {
    if (!st) {
      print_error("cert", st.message());
      return kExitFailure;
    }
  }
  auto pin = spki_pin(**ctx, leaf->certificate);
  if (o.common.json) {
    std::printf(
        "{\"ca\":\"%sca.pem\",\"chain\":\"%scert.pem\",\"key\":\"%skey.pem\",\"type\":\"%s\","
        "\"spki_sha256\":\"%s\"}\n",
        d.c_str(), d.c_str(), d.c_str(), o.type.c_str(), pin ? pin->c_str() : "");
  } else {
    std::printf("wrote %sca.pem (CA), %scert.pem (%s), %skey.pem (leaf key), %sca.key\n", d.c_str(),
                d.c_str(), o.chain == "full" ? "leaf + CA" : "leaf", d.c_str(), d.c_str());
    std::printf("key type %s; leaf SPKI sha256 %s\n", o.type.c_str(), pin ? pin->c_str() : "?");
  }
  return kExitOk;
}

}  // namespace

void register_cert(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<CertOptions>();
  auto* cmd = app.add_subcommand("cert", "Make a CA and a leaf certificate (PEM files)");
  add_common_options(*cmd, o->common);
  cmd->add_option("-o,--out-dir", o->out_dir, "Directory for ca.pem, cert.pem, key.pem")
      ->capture_default_str();
  std::vector<std::string> types;
  for (KeyType t : all_key_types()) types.emplace_back(to_string(t));
  cmd->add_option("-t,--type", o->type,
                  "Key type: falcon1024, p521_falcon1024, falcon512, p256_falcon512, mldsa44, "
                  "mldsa65, mldsa87, ed25519, ecdsa-p256")
      ->check(CLI::IsMember(types))
      ->capture_default_str();
  cmd->add_option("--chain", o->chain,
                  "cert.pem holds the leaf only (leaf) or the leaf and the CA (full)")
      ->check(CLI::IsMember({"leaf", "full"}))
      ->capture_default_str();
  cmd->add_option("--name", o->names, "DNS names of the leaf")->capture_default_str();
  cmd->add_option("--ip", o->ips, "IP addresses of the leaf")->capture_default_str();
  cmd->add_option("--days", o->days, "Validity in days")->capture_default_str();
  cmd->add_flag("--expired", o->expired, "Make a leaf that expired yesterday (for tests)");
  cmd->callback([o, &exit_code] { exit_code = run_cert(*o); });
}

}  // namespace stoq::cli

// stoq keygen: a Falcon key pair in the round-3 raw encodings (PEM arrives with the
// OpenSSL provider, issue 6).
#include <cstdio>

#include "cli_common.h"
#include "commands.h"
#include "crypto/falcon/falcon.h"
#include "stoq/cert.h"
#include "stoq/sha256.h"

namespace stoq::cli {
namespace {

struct KeygenOptions {
  CommonOptions common;
  std::string alg = "falcon1024";
  std::string out = "falcon";
};

int run_keygen(const KeygenOptions& o) {
  const falcon::Level level = o.alg == "falcon512" ? falcon::Level::k512 : falcon::Level::k1024;
  auto kp = falcon::generate_keypair(level);
  if (!kp) {
    print_error("keygen", kp.error().message());
    return kExitFailure;
  }
  auto pk = kp->public_key.bytes();
  auto sk = kp->secret_key.bytes();
  const std::string pk_path = o.out + ".pk", sk_path = o.out + ".sk";
  for (auto st : {write_file(pk_path, std::string(pk.begin(), pk.end()), false),
                  write_file(sk_path, std::string(sk.begin(), sk.end()), true)}) {
    if (!st) {
      print_error("keygen", st.message());
      return kExitFailure;
    }
  }
  Sha256 h;
  h.update(pk);
  const std::string id = Sha256::hex(h.finish());
  if (o.common.json) {
    std::printf(
        "{\"alg\":\"%s\",\"public_key\":\"%s\",\"secret_key\":\"%s\",\"public_key_bytes\":%zu,"
        "\"secret_key_bytes\":%zu,\"key_id_sha256\":\"%s\"}\n",
        o.alg.c_str(), pk_path.c_str(), sk_path.c_str(), pk.size(), sk.size(), id.c_str());
  } else {
    std::printf(
        "%s key pair: %s (%zu bytes), %s (%zu bytes, mode 0600)\nkey id (SHA-256 of the public "
        "key) %s\n",
        o.alg.c_str(), pk_path.c_str(), pk.size(), sk_path.c_str(), sk.size(), id.c_str());
  }
  return kExitOk;
}

}  // namespace

void register_keygen(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<KeygenOptions>();
  auto* cmd = app.add_subcommand("keygen", "Generate a Falcon key pair (raw round-3 encodings)");
  add_common_options(*cmd, o->common);
  cmd->add_option("--alg", o->alg, "falcon1024 | falcon512")
      ->check(CLI::IsMember({"falcon1024", "falcon512"}))
      ->capture_default_str();
  cmd->add_option("-o,--out", o->out, "Output prefix: writes PREFIX.pk and PREFIX.sk")
      ->capture_default_str();
  cmd->callback([o, &exit_code] { exit_code = run_keygen(*o); });
}

}  // namespace stoq::cli

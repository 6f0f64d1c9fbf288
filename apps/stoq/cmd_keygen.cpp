// stoq keygen: a key pair. Falcon in the round-3 raw encodings (for STOQ message
// signatures) or, for every certificate key type, PKCS#8 / SubjectPublicKeyInfo PEM.
#include <cstdio>

#include "cli_common.h"
#include "commands.h"
#include "crypto/falcon/falcon.h"
#include "stoq/cert.h"
#include "stoq/sha256.h"
#include "wipe.h"

namespace stoq::cli {
namespace {

struct KeygenOptions {
  CommonOptions common;
  std::string alg = "falcon1024";
  std::string out = "falcon";
  std::string format;  // raw (default for falcon512/1024) or pem (default otherwise)
};

// PREFIX.key (PKCS#8 PEM, mode 0600) and PREFIX.pub (public key PEM) through the
// Context's OpenSSL library context (STOQ's provider for Falcon and the hybrids).
int run_keygen_pem(const KeygenOptions& o, KeyType type) {
  auto ctx = make_context(o.common);
  if (!ctx) {
    print_error("keygen", ctx.message());
    return kExitFailure;
  }
  auto key = make_private_key_pem(**ctx, type);
  if (!key) {
    print_error("keygen", key.message());
    return kExitFailure;
  }
  const WipeOnExit wipe_key(*key);
  auto pub = public_key_pem(**ctx, *key);
  if (!pub) {
    print_error("keygen", pub.message());
    return kExitFailure;
  }
  const std::string key_path = o.out + ".key", pub_path = o.out + ".pub";
  for (auto st : {write_file(key_path, *key, true), write_file(pub_path, *pub, false)}) {
    if (!st) {
      print_error("keygen", st.message());
      return kExitFailure;
    }
  }
  if (o.common.json) {
    std::printf(
        "{\"alg\":\"%s\",\"format\":\"pem\",\"private_key\":\"%s\",\"public_key\":\"%s\"}\n",
        to_string(type), key_path.c_str(), pub_path.c_str());
  } else {
    std::printf("%s key pair: %s (PKCS#8 PEM, mode 0600), %s (public key PEM)\n", to_string(type),
                key_path.c_str(), pub_path.c_str());
  }
  return kExitOk;
}

int run_keygen(const KeygenOptions& o) {
  KeyType type;
  if (!parse_key_type(o.alg, type)) {
    print_error("keygen", "unknown key type " + o.alg);
    return kExitUsage;
  }
  const bool raw_capable = type == KeyType::kFalcon512 || type == KeyType::kFalcon1024;
  const std::string format = o.format.empty() ? (raw_capable ? "raw" : "pem") : o.format;
  if (format == "pem") return run_keygen_pem(o, type);
  if (!raw_capable) {
    print_error("keygen",
                std::string("--format raw exists only for falcon512 and falcon1024, not ") +
                    to_string(type));
    return kExitUsage;
  }
  const falcon::Level level =
      type == KeyType::kFalcon512 ? falcon::Level::k512 : falcon::Level::k1024;
  auto kp = falcon::generate_keypair(level);
  if (!kp) {
    print_error("keygen", kp.error().message());
    return kExitFailure;
  }
  auto pk = kp->public_key.bytes();
  auto sk = kp->secret_key.bytes();  // SecretKey wipes itself; the copy written is wiped here
  std::string sk_copy(sk.begin(), sk.end());
  const WipeOnExit wipe_sk(sk_copy);
  const std::string pk_path = o.out + ".pk", sk_path = o.out + ".sk";
  for (auto st : {write_file(pk_path, std::string(pk.begin(), pk.end()), false),
                  write_file(sk_path, sk_copy, true)}) {
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
  auto* cmd = app.add_subcommand(
      "keygen", "Generate a key pair (Falcon raw round-3 encodings, or PEM for any key type)");
  add_common_options(*cmd, o->common);
  std::vector<std::string> names;
  for (KeyType t : all_key_types()) names.emplace_back(to_string(t));
  cmd->add_option("--alg", o->alg,
                  "falcon1024 | falcon512 | p521_falcon1024 | p256_falcon512 | mldsa44 | "
                  "mldsa65 | mldsa87 | ed25519 | ecdsa-p256")
      ->check(CLI::IsMember(names))
      ->capture_default_str();
  cmd->add_option("--format", o->format,
                  "raw: PREFIX.pk + PREFIX.sk (Falcon only, the default for it); pem: "
                  "PREFIX.key (PKCS#8) + PREFIX.pub (the default for other types)")
      ->check(CLI::IsMember({"raw", "pem"}));
  cmd->add_option("-o,--out", o->out, "Output prefix")->capture_default_str();
  cmd->callback([o, &exit_code] { exit_code = run_keygen(*o); });
}

}  // namespace stoq::cli

// stoq info: what this build and this machine provide.
#include <cstdio>

#include "cli_common.h"
#include "commands.h"

namespace stoq::cli {

void register_info(CLI::App& app, int& exit_code) {
  auto common = std::make_shared<CommonOptions>();
  auto* cmd = app.add_subcommand("info", "Show library versions and active features");
  add_common_options(*cmd, *common);
  cmd->callback([common, &exit_code] {
    auto ctx = make_context(*common);
    if (!ctx) {
      print_error("info", ctx.message());
      exit_code = kExitFailure;
      return;
    }
    if (common->json) {
      std::printf(
          "{\"version\":\"%s\",\"libraries\":\"%s\",\"alpn\":\"stoq/"
          "1\",\"default_kex\":\"X25519MLKEM768\",\"datapath\":\"udp-socket\"}\n",
          kVersionString, (*ctx)->library_versions().c_str());
    } else {
      std::printf(
          "stoq %s\n  libraries   %s\n  ALPN        stoq/1\n  default kex X25519MLKEM768 (policy "
          "hybrid-required)\n  datapath    UDP sockets (recvmmsg/sendmmsg)\n",
          kVersionString, (*ctx)->library_versions().c_str());
    }
    exit_code = kExitOk;
  });
}

}  // namespace stoq::cli

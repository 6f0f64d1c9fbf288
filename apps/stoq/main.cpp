// stoq: run, demonstrate and operate the STOQ transport.
#include <CLI/CLI.hpp>

#include "commands.h"
#include "stoq/version.h"

int main(int argc, char** argv) {
  CLI::App app{"stoq - post-quantum secure transport over QUIC", "stoq"};
  app.set_version_flag("--version", std::string("stoq ") + stoq::kVersionString);
  app.require_subcommand(1);
  int exit_code = 0;
  stoq::cli::register_demo(app, exit_code);
  stoq::cli::register_cert(app, exit_code);
  stoq::cli::register_serve(app, exit_code);
  stoq::cli::register_send(app, exit_code);
  stoq::cli::register_info(app, exit_code);
  stoq::cli::register_netsim(app, exit_code);
  stoq::cli::register_keygen(app, exit_code);
  stoq::cli::register_bench(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return exit_code;
}

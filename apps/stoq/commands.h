// The stoq sub-commands. Each registers itself on the CLI11 app and returns its exit code
// through the callback it installs.
#pragma once

#include <CLI/CLI.hpp>

namespace stoq::cli {

void register_cert(CLI::App& app, int& exit_code);
void register_serve(CLI::App& app, int& exit_code);
void register_send(CLI::App& app, int& exit_code);
void register_demo(CLI::App& app, int& exit_code);
void register_info(CLI::App& app, int& exit_code);
void register_netsim(CLI::App& app, int& exit_code);
void register_keygen(CLI::App& app, int& exit_code);
void register_bench(CLI::App& app, int& exit_code);

}  // namespace stoq::cli

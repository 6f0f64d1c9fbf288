// stoq netsim: the userspace network impairment relay (delay, jitter, loss, reordering,
// duplication, corruption, rate limits, blackholes) for testing STOQ on bad paths.
#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>

#include "commands.h"
#include "netsim/netsim_cli.h"
#include "stop_signals.h"

namespace stoq::cli {

void register_netsim(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<netsim::NetsimCliOptions>();
  auto* cmd = app.add_subcommand(
      "netsim", "Impairment relay between a client and a server (see docs/netsim.md)");
  cmd->add_option("--listen", o->listen, "Client-facing address, e.g. 127.0.0.1:4434")->required();
  cmd->add_option("--upstream", o->upstream, "Server address, e.g. 127.0.0.1:4433")->required();
  cmd->add_option("--up", o->up, "Client->server impairments, e.g. delay=20ms,loss=1%");
  cmd->add_option("--down", o->down, "Server->client impairments");
  cmd->add_option("--control", o->control,
                  "Control socket: loopback UDP ip:port or unix:/path (docs/netsim.md)");
  cmd->add_option("--control-secret-file", o->control_secret_file,
                  "Shared secret every control request starts with (mode 600; created if "
                  "missing); without it a random secret is printed at start");
  cmd->add_flag("--control-allow-remote", o->control_allow_remote,
                "Allow a --control address that is not loopback");
  cmd->add_option("--max-clients", o->max_clients, "Client mappings limit")->capture_default_str();
  cmd->add_option("--idle-timeout", o->idle_timeout_seconds, "Forget idle clients after S seconds")
      ->capture_default_str();
  cmd->add_option("--stats-interval", o->stats_interval_seconds, "Print counters every S seconds");
  cmd->add_flag("--json", o->json, "Reports as JSON lines");
  cmd->callback([o, &exit_code] {
    // SIGINT/SIGTERM are taken by a thread that waits for them and sets the stop flag.
    StopSignals signals;
    std::atomic<bool> stop{false};
    std::atomic<bool> finished{false};
    std::thread waiter([&] {
      while (!finished) {
        if (signals.wait(std::chrono::milliseconds(100))) stop = true;
      }
    });
    exit_code = netsim::run_netsim_cli_config(*o, stop, std::cout, std::cerr);
    finished = true;
    waiter.join();
  });
}

}  // namespace stoq::cli

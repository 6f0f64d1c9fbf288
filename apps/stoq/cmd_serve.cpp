// stoq serve: accept connections and run echo / sink / source on every stream.
#include <chrono>
#include <cstdio>

#include "cli_common.h"
#include "commands.h"
#include "core/printable.h"
#include "message_mode.h"
#include "server_modes.h"
#include "stop_signals.h"
#include "transport_options.h"
#include "wipe.h"

namespace stoq::cli {
namespace {

struct ServeOptions {
  CommonOptions common;
  TlsOptions tls;
  std::string listen = "[::]:4433";
  std::string mode = "echo";
  double duration = 0;  // seconds; 0 = until SIGINT/SIGTERM
  size_t max_connections = 10000;
  bool messages = false;  // print (and acknowledge) STOQ messages
  SigningOptions signing;
  TransportOptions transport;
  unsigned workers = 1;
};

int run_serve(const ServeOptions& o) {
  // Stop cleanly on SIGINT / SIGTERM: blocked here, before any thread starts, and read by
  // the loop below.
  StopSignals stop;
  auto ctx = make_context(o.common);
  if (!ctx) {
    print_error("serve", ctx.message());
    return kExitFailure;
  }
  auto tls = make_tls_config(o.tls);
  auto addr = SocketAddress::parse(o.listen);
  ServeMode mode;
  if (!tls || !addr || !parse_serve_mode(o.mode, mode)) {
    print_error("serve", !tls ? tls.message() : !addr ? addr.message() : "bad --mode " + o.mode);
    return kExitUsage;
  }
  EndpointConfig cfg;
  cfg.tls = *tls;
  if (auto applied = apply_transport_options(o.transport, cfg); !applied) {
    print_error("serve", applied.message());
    return kExitUsage;
  }
  cfg.transport.max_connections = o.max_connections;
  cfg.workers = o.workers;
  if (auto st = configure_messaging(cfg.messaging, o.signing); !st) {
    print_error("serve", st.message());
    return kExitUsage;
  }
  auto ep = Endpoint::create(*ctx, cfg);
  wipe(cfg.static_key);  // the endpoint keeps its own (self-wiping) copy
  if (!ep) {
    print_error("serve", ep.message());
    return kExitUsage;
  }
  if (auto st = ep->listen(*addr); !st) {
    print_error("serve", st.message());
    return kExitFailure;
  }
  ServerStats stats;
  const bool json = o.common.json;
  install_server(
      *ep, mode, stats,
      [json](const ConnectionInfo& info, const CloseInfo& close) {
        if (json) {
          std::printf(
              "{\"event\":\"closed\",\"peer\":\"%s\",\"group\":\"%s\",\"cipher\":\"%s\",\"bytes_"
              "received\":%llu,\"close\":\"%s\"}\n",
              info.remote.to_string().c_str(), info.tls_group.c_str(), info.cipher_suite.c_str(),
              static_cast<unsigned long long>(info.bytes_received), close.error.message().c_str());
        } else {
          std::fprintf(stderr, "stoq serve: connection from %s closed (%s%s%s)\n",
                       info.remote.to_string().c_str(), close.error.message().c_str(),
                       close.reason.empty() ? "" : ": ",
                       stoq::detail::printable(close.reason).c_str());
        }
        std::fflush(stdout);
      },
      o.messages
          ? std::function<void(Connection)>([json](Connection c) { serve_messages(c, json); })
          : std::function<void(Connection)>());
  if (json) {
    std::printf("{\"event\":\"listening\",\"address\":\"%s\",\"mode\":\"%s\"}\n",
                ep->local_address().to_string().c_str(), o.mode.c_str());
  } else {
    std::printf("stoq serve: listening on %s (mode %s, kex %s)\n",
                ep->local_address().to_string().c_str(), o.mode.c_str(), o.tls.kex.c_str());
  }
  std::fflush(stdout);
  const auto start = std::chrono::steady_clock::now();
  // One worker: the loop runs here. Several: each on its own thread, this one waits.
  const bool threads = o.workers > 1;
  if (threads) {
    if (auto st = ep->start(); !st) {
      print_error("serve", st.message());
      return kExitFailure;
    }
  }
  for (;;) {
    if (threads) {
      if (stop.wait(std::chrono::milliseconds(100))) break;
    } else {
      ep->run_one(std::chrono::milliseconds(100));
      if (stop.requested()) break;
    }
    if (o.duration > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >
            o.duration) {
      break;
    }
  }
  if (threads) {
    ep->stop();
    ep->join();
  }
  std::fprintf(stderr,
               "stoq serve: %llu connections, %llu streams, %llu bytes in, %llu bytes out\n",
               static_cast<unsigned long long>(stats.connections.load()),
               static_cast<unsigned long long>(stats.streams.load()),
               static_cast<unsigned long long>(stats.bytes_in.load()),
               static_cast<unsigned long long>(stats.bytes_out.load()));
  return kExitOk;
}

}  // namespace

void register_serve(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand("serve", "Accept STOQ connections (echo, sink or source)");
  add_common_options(*cmd, o->common);
  add_tls_options(*cmd, o->tls, true);
  add_transport_options(*cmd, o->transport, true);
  cmd->add_option("-l,--listen", o->listen, "Address to listen on")->capture_default_str();
  cmd->add_option("-m,--mode", o->mode, "echo | sink | source")
      ->check(CLI::IsMember({"echo", "sink", "source"}))
      ->capture_default_str();
  cmd->add_option("--duration", o->duration,
                  "Exit after this many seconds (0 = run until signalled)");
  cmd->add_option("--workers", o->workers,
                  "Worker threads, each with its own SO_REUSEPORT socket and connections")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--max-connections", o->max_connections, "Concurrent connection limit")
      ->capture_default_str();
  cmd->add_flag("--messages", o->messages,
                "Print the verified metadata of each STOQ message and answer with a receipt");
  cmd->add_option("--trust-key", o->signing.trust_key_files,
                  "Accept message signatures only from this Falcon public key (repeatable)");
  cmd->callback([o, &exit_code] { exit_code = run_serve(*o); });
}

}  // namespace stoq::cli

// Single-command mode of `stoq bench`: a throw-away PKI made by `stoq cert` (so any
// certificate type `stoq cert --type` knows works here too), and a `stoq bench server`
// child process on loopback, stopped when this object goes away.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "stoq/error.h"

namespace stoq::cli::bench {

class SpawnedServer {
 public:
  // Runs `<self> cert -o DIR --type cert_type`, then `<self> bench server -l 127.0.0.1:0
  // --kex kex --json` and waits (at most 15 s) for its listening line.
  // `cert_chain` ("leaf" / "full"), when not empty, goes to `stoq cert --chain`;
  // `max_udp_payload` to the server's --max-udp-payload.
  static Result<std::unique_ptr<SpawnedServer>> start(const std::string& cert_type,
                                                      const std::string& cert_chain,
                                                      const std::string& kex,
                                                      size_t max_udp_payload, int verbosity);
  ~SpawnedServer();  // SIGTERM, wait (SIGKILL after 5 s), remove the PKI directory
  SpawnedServer(const SpawnedServer&) = delete;
  SpawnedServer& operator=(const SpawnedServer&) = delete;

  const std::string& address() const noexcept { return address_; }
  std::string ca_file() const { return dir_ + "/ca.pem"; }

 private:
  SpawnedServer() = default;
  std::string dir_;
  std::string address_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
};

}  // namespace stoq::cli::bench

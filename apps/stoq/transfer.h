// The client side of a verified transfer (`stoq send`, `stoq demo`): upload to a `sink`
// server or download from a `source` server, checking SHA-256 end to end.
#pragma once

#include <chrono>
#include <string>

#include "stoq/stoq.h"

namespace stoq::cli {

struct TransferOptions {
  uint64_t bytes = 0;     // generated payload size (when file is empty)
  std::string file;       // upload this file instead
  bool download = false;  // ask a `source` server for `bytes` bytes
  std::chrono::seconds timeout{120};
  bool progress = false;  // progress line on stderr
};

struct TransferReport {
  bool ok = false;        // transfer finished and verified
  bool verified = false;  // digests compared equal
  std::string error;
  uint64_t bytes = 0;
  double seconds = 0;   // first byte written to verification
  std::string digest;   // SHA-256 of the payload (hex)
  ConnectionInfo info;  // taken at the end of the transfer
};

// Connects through `ep` (driving its loop on the calling thread) and runs one transfer.
TransferReport run_transfer(Endpoint& ep, const SocketAddress& server, const std::string& name,
                            const TransferOptions& opts);

}  // namespace stoq::cli

// STOQ messages in the CLI: `stoq send --message` (one message, optionally sharded, signed or
// as a datagram) and `stoq serve --messages` (print the verified metadata of each message
// and answer with a receipt message "<sha256 hex> <bytes>", which the sender checks).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "stoq/stoq.h"

namespace stoq::cli {

struct SigningOptions {
  std::string public_key_file;               // raw Falcon public key (stoq keygen: <name>.pk)
  std::string secret_key_file;               // raw Falcon secret key (<name>.sk)
  std::vector<std::string> trust_key_files;  // server: accept only these signers
};

// Fills cfg with a Falcon signer (when both key files are set) and the verifier / trust
// list. Errors: file, key or build problems (kUnsupported without Falcon).
Status configure_messaging(MessagingConfig& cfg, const SigningOptions& o);

struct MessageSendOptions {
  uint64_t bytes = 0;
  std::string file;
  MessageOptions message;
  std::chrono::seconds timeout{120};
  bool json = false;
};

// Connects, sends one message and waits for the server's receipt. Returns the exit code.
int run_message_send(Endpoint& ep, const SocketAddress& server, const std::string& name,
                     const MessageSendOptions& o);

// Prints every message (and rejection) the endpoint's connections receive and answers each
// message with a receipt. Call on each accepted connection.
void serve_messages(Connection c, bool json);

}  // namespace stoq::cli

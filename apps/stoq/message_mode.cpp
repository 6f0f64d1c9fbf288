#include "message_mode.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>

#include "cli_common.h"
#include "core/printable.h"
#include "pattern.h"
#include "wipe.h"

namespace stoq::cli {
namespace {

using Clock = std::chrono::steady_clock;

Result<std::vector<uint8_t>> read_binary(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {Errc::kIoError, "cannot open " + path};
  std::vector<uint8_t> v((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return {Errc::kIoError, "cannot read " + path};
  return v;
}

std::string hex(std::span<const uint8_t> b) {
  return Sha256::hex(b);
}

std::string to_text(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// JSON string escaping for reasons (printable ASCII in practice).
std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out;
}

// Sends queued receipts; those refused for now (kWouldBlock) wait for on_message_sendable.
void flush_receipts(const WeakConnection& w, std::vector<std::string>& pending) {
  Connection c = w.lock();
  while (!pending.empty()) {
    const std::string& r = pending.front();
    auto st = c.send_message(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(r.data()), r.size()));
    if (!st && st.error() == make_error_code(Errc::kWouldBlock)) return;
    pending.erase(pending.begin());
  }
}

}  // namespace

Status configure_messaging(MessagingConfig& cfg, const SigningOptions& o) {
  if (falcon_available()) cfg.verifier = falcon_message_verifier();
  if (!o.public_key_file.empty() || !o.secret_key_file.empty()) {
    if (o.public_key_file.empty() || o.secret_key_file.empty()) {
      return {Errc::kInvalidArgument, "--public-key and --signing-key go together"};
    }
    auto pk = read_binary(o.public_key_file);
    if (!pk) return {pk.error(), pk.reason()};
    auto sk = read_binary(o.secret_key_file);
    if (!sk) return {sk.error(), sk.reason()};
    const WipeOnExit wipe_sk(*sk);  // the signer keeps its own (self-wiping) copy
    auto signer = make_falcon_signer(*pk, *sk);
    if (!signer) return {signer.error(), signer.reason()};
    cfg.signer = std::move(signer).value();
  }
  for (const auto& f : o.trust_key_files) {
    auto pk = read_binary(f);
    if (!pk) return {pk.error(), pk.reason()};
    Sha256 h;
    h.update(*pk);
    cfg.trusted_keys.push_back(h.finish());
  }
  return ok_status();
}

int run_message_send(Endpoint& ep, const SocketAddress& server, const std::string& name,
                     const MessageSendOptions& o) {
  std::vector<uint8_t> payload;
  if (!o.file.empty()) {
    auto f = read_binary(o.file);
    if (!f) {
      print_error("send", f.message());
      return kExitUsage;
    }
    payload = std::move(f).value();
  } else {
    payload.resize(o.bytes);
    Pattern().fill(0, payload);
  }
  Sha256 h;
  h.update(payload);
  const std::string digest = hex(h.finish());
  const uint64_t size = payload.size();

  auto c = ep.connect(server, name);
  if (!c) {
    print_error("send", c.message());
    return kExitFailure;
  }
  Connection conn = *c;
  std::string receipt;
  bool got_receipt = false;
  conn.on_message([&](const ReceivedMessage& m) {
    receipt = to_text(m.payload);
    got_receipt = true;
  });
  std::optional<uint64_t> sequence;
  std::string error;
  Clock::time_point start;
  auto try_send = [&] {
    if (sequence || !error.empty() || !conn.messages_ready()) return;
    start = Clock::now();
    auto r = conn.send_message(std::move(payload), o.message);
    if (r) {
      sequence = *r;
    } else if (r.error() != make_error_code(Errc::kWouldBlock)) {
      error = "send_message: " + r.message();
    }
  };
  conn.on_message_sendable(try_send);
  const auto deadline = Clock::now() + o.timeout;
  while (!got_receipt && error.empty() && conn.is_open() && Clock::now() < deadline) {
    try_send();
    ep.run_one(std::chrono::milliseconds(5));
  }
  const double secs = sequence ? std::chrono::duration<double>(Clock::now() - start).count() : 0;
  if (error.empty() && !got_receipt) {
    if (!conn.is_open()) {
      error = "connection closed: " + conn.close_info().error.message() + " " +
              stoq::detail::printable(conn.close_info().reason);
    } else if (!conn.messages_ready()) {
      error = "the server did not open a STOQ control stream (is it a STOQ endpoint?)";
    } else {
      error =
          "no receipt from the server within the timeout (was the message rejected? "
          "see the server's output; is it running with --messages?)";
    }
  }
  const bool verified = got_receipt && receipt == digest + " " + std::to_string(size);
  if (got_receipt && !verified) error = "receipt does not match: " + receipt;
  const ConnectionInfo info = conn.info();
  const MessageStats st = conn.message_stats();
  conn.close(0, verified ? "message delivered" : "message failed");
  // Let the CONNECTION_CLOSE go out (the closing period itself is not waited for).
  for (int i = 0; i < 5 && ep.connection_count() > 0; ++i) ep.run_one(std::chrono::milliseconds(2));
  if (o.json) {
    std::printf(
        "{\"event\":\"message_sent\",\"ok\":%s,\"verified\":%s,\"bytes\":%llu,\"sha256\":\"%s\","
        "\"sequence\":%llu,\"shards\":%u,\"signed\":%s,\"token\":%s,\"datagram\":%s,"
        "\"seconds\":%.6f,\"tls_group\":\"%s\",\"error\":\"%s\"}\n",
        verified ? "true" : "false", verified ? "true" : "false",
        static_cast<unsigned long long>(size), digest.c_str(),
        static_cast<unsigned long long>(sequence.value_or(0)), o.message.shards,
        o.message.sign ? "true" : "false", o.message.token ? "true" : "false",
        st.datagrams_sent > 0 ? "true" : "false", secs, info.tls_group.c_str(),
        json_escape(error).c_str());
  } else if (verified) {
    std::printf(
        "stoq send: message %llu of %llu bytes (%u shard%s%s%s) delivered and verified "
        "in %.3f s, sha256 %s\n",
        static_cast<unsigned long long>(*sequence), static_cast<unsigned long long>(size),
        o.message.shards, o.message.shards == 1 ? "" : "s", o.message.sign ? ", signed" : "",
        st.datagrams_sent > 0 ? ", datagram" : "", secs, digest.c_str());
  }
  if (!verified) {
    if (!o.json) print_error("send", error);
    return got_receipt ? kExitVerifyFailed : kExitFailure;
  }
  return kExitOk;
}

void serve_messages(Connection c, bool json) {
  const std::string peer = c.info().remote.to_string();
  auto pending = std::make_shared<std::vector<std::string>>();
  c.on_message([w = c.weak(), json, peer, pending](const ReceivedMessage& m) {
    Sha256 h;
    h.update(m.payload);
    const std::string digest = hex(h.finish());
    const std::string signer = m.signer ? hex(*m.signer) : "";
    if (json) {
      std::printf(
          "{\"event\":\"message\",\"peer\":\"%s\",\"bytes\":%zu,\"sha256\":\"%s\",\"token\":%s,"
          "\"sequence\":%llu,\"timestamp_ms\":%llu,\"signer\":%s,\"shards\":%llu,"
          "\"message_id\":%llu,\"streams\":%zu,\"datagram\":%s}\n",
          peer.c_str(), m.payload.size(), digest.c_str(), m.has_token ? "true" : "false",
          static_cast<unsigned long long>(m.sequence),
          static_cast<unsigned long long>(m.timestamp_ms),
          m.signer ? ("\"" + signer + "\"").c_str() : "null",
          static_cast<unsigned long long>(m.shards ? m.shards->count : 1),
          static_cast<unsigned long long>(m.shards ? m.shards->message_id : 0), m.stream_count,
          m.via_datagram ? "true" : "false");
    } else {
      std::printf("stoq serve: message from %s: %zu bytes, sha256 %s, %s, %llu shard(s), %s%s\n",
                  peer.c_str(), m.payload.size(), digest.c_str(),
                  m.has_token ? ("token seq " + std::to_string(m.sequence) + " ts " +
                                 std::to_string(m.timestamp_ms))
                                    .c_str()
                              : "no token",
                  static_cast<unsigned long long>(m.shards ? m.shards->count : 1),
                  m.signer ? ("signed by " + signer).c_str() : "unsigned",
                  m.via_datagram ? ", datagram" : "");
    }
    std::fflush(stdout);
    // The receipt lets the sender verify delivery end to end.
    pending->push_back(digest + " " + std::to_string(m.payload.size()));
    flush_receipts(w, *pending);
  });
  c.on_message_sendable([w = c.weak(), pending] { flush_receipts(w, *pending); });
  c.on_message_rejected([json, peer](const RejectedMessage& r) {
    if (json) {
      std::printf(
          "{\"event\":\"message_rejected\",\"peer\":\"%s\",\"code\":\"%s\",\"reason\":\"%s\"}\n",
          peer.c_str(), r.code_name.c_str(),
          json_escape(stoq::detail::printable(r.reason)).c_str());
    } else {
      std::printf("stoq serve: message from %s rejected: %s (%s)\n", peer.c_str(),
                  r.code_name.c_str(), stoq::detail::printable(r.reason).c_str());
    }
    std::fflush(stdout);
  });
}

}  // namespace stoq::cli

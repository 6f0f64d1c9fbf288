#include "report.h"

#include <nlohmann/json.hpp>

#include <cstdio>

#include "cli_common.h"

namespace stoq::cli {

void print_report(const TransferReport& r, bool json, const char* title) {
  const auto& i = r.info;
  const double bps = r.seconds > 0 ? static_cast<double>(r.bytes) * 8 / r.seconds : 0;
  if (json) {
    nlohmann::json j = {
        {"ok", r.ok},
        {"verified", r.verified},
        {"bytes", r.bytes},
        {"seconds", r.seconds},
        {"throughput_bps", bps},
        {"sha256", r.digest},
        {"tls_group", i.tls_group},
        {"cipher_suite", i.cipher_suite},
        {"peer_signature_algorithm", i.peer_signature_algorithm},
        {"alpn", i.alpn},
        {"handshake_us", i.handshake_duration.count()},
        {"rtt_smoothed_us", i.rtt_smoothed.count()},
        {"rtt_min_us", i.rtt_min.count()},
        {"packets_sent", i.packets_sent},
        {"packets_received", i.packets_received},
        {"packets_lost", i.packets_lost},
        {"path_max_udp_payload", i.path_max_udp_payload},
        {"remote", i.remote.to_string()},
        {"congestion_control", i.congestion_control},
        {"resumed", i.resumed},
        {"early_data_attempted", i.early_data_attempted},
        {"early_data_accepted", i.early_data_accepted},
    };
    if (!r.error.empty()) j["error"] = r.error;
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf("%s\n", title);
  std::printf("  peer               %s\n", i.remote.to_string().c_str());
  std::printf("  handshake          %.2f ms\n",
              static_cast<double>(i.handshake_duration.count()) / 1000.0);
  std::printf("  key exchange       %s\n", i.tls_group.empty() ? "-" : i.tls_group.c_str());
  std::printf("  cipher suite       %s\n", i.cipher_suite.empty() ? "-" : i.cipher_suite.c_str());
  std::printf("  server signature   %s\n",
              i.peer_signature_algorithm.empty() ? "-" : i.peer_signature_algorithm.c_str());
  std::printf("  ALPN               %s\n", i.alpn.empty() ? "-" : i.alpn.c_str());
  std::printf("  session            %s%s\n", i.resumed ? "resumed" : "full handshake",
              !i.early_data_attempted ? ""
              : i.early_data_accepted ? ", 0-RTT accepted"
                                      : ", 0-RTT rejected (sent again in 1-RTT)");
  std::printf("  congestion control %s\n", i.congestion_control.c_str());
  std::printf("  transferred        %s in %.3f s\n",
              human_bytes(static_cast<double>(r.bytes)).c_str(), r.seconds);
  std::printf("  throughput         %s\n", human_rate(bps).c_str());
  std::printf("  RTT (smoothed/min) %.3f / %.3f ms\n",
              static_cast<double>(i.rtt_smoothed.count()) / 1000.0,
              static_cast<double>(i.rtt_min.count()) / 1000.0);
  std::printf("  packets            %llu sent, %llu received, %llu lost (up to %llu bytes)\n",
              static_cast<unsigned long long>(i.packets_sent),
              static_cast<unsigned long long>(i.packets_received),
              static_cast<unsigned long long>(i.packets_lost),
              static_cast<unsigned long long>(i.path_max_udp_payload));
  std::printf("  SHA-256            %s\n", r.digest.empty() ? "-" : r.digest.c_str());
  std::printf("  verification       %s\n", r.verified ? "OK (end-to-end SHA-256 match)" : "FAILED");
  if (!r.error.empty()) std::printf("  error              %s\n", r.error.c_str());
}

}  // namespace stoq::cli

#include "quic/session_ticket.h"

#include <algorithm>

namespace stoq::quic {
namespace {

void put_block(std::vector<uint8_t>& out, const std::vector<uint8_t>& block) {
  out.push_back(static_cast<uint8_t>(block.size() >> 8));
  out.push_back(static_cast<uint8_t>(block.size()));
  out.insert(out.end(), block.begin(), block.end());
}

bool get_block(std::span<const uint8_t>& in, std::vector<uint8_t>& out) {
  if (in.size() < 2) return false;
  const size_t n = (size_t{in[0]} << 8) | in[1];
  if (n == 0 || in.size() - 2 < n) return false;
  out.assign(in.begin() + 2, in.begin() + 2 + static_cast<std::ptrdiff_t>(n));
  in = in.subspan(2 + n);
  return true;
}

}  // namespace

std::vector<uint8_t> encode_session_ticket(const SessionTicket& t) {
  std::vector<uint8_t> out;
  out.reserve(4 + t.tls_session.size() + t.transport_params.size());
  put_block(out, t.tls_session);
  put_block(out, t.transport_params);
  put_block(out, {t.trust_binding.begin(), t.trust_binding.end()});
  return out;
}

Result<SessionTicket> decode_session_ticket(std::span<const uint8_t> bytes) {
  SessionTicket t;
  std::vector<uint8_t> binding;
  if (!get_block(bytes, t.tls_session) || !get_block(bytes, t.transport_params) ||
      !get_block(bytes, binding) || binding.size() != t.trust_binding.size() || !bytes.empty()) {
    return {Errc::kInvalidArgument, "malformed session ticket"};
  }
  std::copy(binding.begin(), binding.end(), t.trust_binding.begin());
  return t;
}

}  // namespace stoq::quic

// libFuzzer target: the session cache file (MemorySessionCache::parse) and the session
// tickets inside it (quic::decode_session_ticket, then OpenSSL's d2i_SSL_SESSION).
#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>

#include "api/session_cache_codec.h"
#include "quic/session_ticket.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto records = stoq::detail::decode_session_records({data, size});
  if (!records) return 0;
  for (const auto& r : *records) {
    auto t = stoq::quic::decode_session_ticket(r.data);
    if (!t) continue;
    const unsigned char* p = t->tls_session.data();
    SSL_SESSION* s = d2i_SSL_SESSION(nullptr, &p, static_cast<long>(t->tls_session.size()));
    SSL_SESSION_free(s);
  }
  return 0;
}

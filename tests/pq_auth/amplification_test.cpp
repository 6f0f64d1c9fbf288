// First-contact handshake cost per certificate type (issue 6, item 5): round trips, bytes
// and datagrams each way until the client's handshake completes, over the in-memory link in
// virtual time (25 ms one way, no loss; no Retry, no NEW_TOKEN, no resumption — this link
// has none of them). Prints one table row per case (docs/pq-auth.md has the numbers and
// the command) and guards the results that docs/pq-auth.md relies on.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "memory_link.h"
#include "quic/resumption.h"
#include "stoq/cert.h"
#include "test_pki.h"
#include "tls/tls_context.h"

namespace stoq {
namespace {

using testing::MemoryLink;

constexpr uint64_t kOneWayNs = 25'000'000;  // RTT 50 ms
constexpr double kRttNs = 2.0 * kOneWayNs;

struct Measurement {
  bool ok = false;
  double client_rtts = 0;  // client handshake complete, in RTTs since the first Initial
  uint64_t to_server_datagrams = 0, to_server_bytes = 0;
  uint64_t to_client_datagrams = 0, to_client_bytes = 0;
  size_t chain_bytes = 0;  // DER bytes of the certificates the server sends
};

class AmplificationTest : public testing::PkiTest {
 protected:
  // Writes a CA and a leaf of `type`; returns the chain file (leaf, plus the CA when
  // `with_ca`) and sets key_file / ca_file.
  std::string make_chain(KeyType type, bool with_ca, size_t& der_bytes) {
    CertRequest ca_req;
    ca_req.key_type = type;
    ca_req.is_ca = true;
    ca_req.common_name = "STOQ amplification CA";
    auto ca = make_certificate(*ctx_, ca_req, nullptr);
    CertRequest leaf_req;
    leaf_req.key_type = type;
    leaf_req.common_name = "localhost";
    leaf_req.dns_names = {"localhost"};
    leaf_req.ip_addresses = {"127.0.0.1"};
    auto leaf = ca ? make_certificate(*ctx_, leaf_req, &*ca) : Result<Pem>(ca.error(), "no CA");
    EXPECT_TRUE(leaf.ok()) << leaf.message();
    if (!leaf) return {};
    const std::string d = pki_->dir + "/" + to_string(type) + (with_ca ? "-full" : "-leaf");
    std::filesystem::create_directories(d);
    ca_file_ = d + "/ca.pem";
    key_file_ = d + "/key.pem";
    const std::string chain = d + "/chain.pem";
    EXPECT_TRUE(write_file(ca_file_, ca->certificate, false).ok());
    EXPECT_TRUE(write_file(key_file_, leaf->private_key, true).ok());
    EXPECT_TRUE(
        write_file(chain, leaf->certificate + (with_ca ? ca->certificate : ""), false).ok());
    der_bytes = pem_der_size(leaf->certificate) + (with_ca ? pem_der_size(ca->certificate) : 0);
    return chain;
  }

  static size_t pem_der_size(const std::string& pem) {
    size_t b64 = 0, pad = 0;
    bool body = false;
    for (size_t i = 0; i < pem.size();) {
      const size_t eol = pem.find('\n', i);
      const std::string line =
          pem.substr(i, eol == std::string::npos ? std::string::npos : eol - i);
      i = eol == std::string::npos ? pem.size() : eol + 1;
      if (line.rfind("-----", 0) == 0) {
        body = !body;
        continue;
      }
      if (!body) continue;
      b64 += line.size();
      pad += static_cast<size_t>(std::count(line.begin(), line.end(), '='));
    }
    return b64 / 4 * 3 - pad;
  }

  // How the client comes: for the first time, with its address already validated (a
  // NEW_TOKEN token, or the second flight after a Retry), or resuming a session.
  enum class Contact { kFirst, kValidated, kResumed };

  Measurement measure(KeyType type, bool with_ca, bool compress,
                      Contact contact = Contact::kFirst) {
    Measurement m;
    const std::string chain = make_chain(type, with_ca, m.chain_bytes);
    if (chain.empty()) return m;
    TlsConfig s;
    s.cert_chain_file = chain;
    s.private_key_file = key_file_;
    s.compress_certificates = compress;
    auto st = tls::TlsContext::create(ctx_, s, tls::Role::kServer);
    TlsConfig c;
    c.ca_file = ca_file_;
    auto ct = tls::TlsContext::create(ctx_, c, tls::Role::kClient);
    EXPECT_TRUE(st.ok() && ct.ok()) << st.message() << ct.message();
    if (!st || !ct) return m;
    MemoryLink::Options o;
    o.one_way_delay_ns = kOneWayNs;
    o.server_address_validated = contact == Contact::kValidated;
    if (contact == Contact::kResumed) {
      // An earlier connection leaves a ticket (sent right after its handshake).
      quic::configure_resumption(**st, TransportConfig{});
      quic::configure_resumption(**ct, TransportConfig{});
      MemoryLink first(**ct, **st, TransportConfig{}, o);
      first.run_until([&] { return !first.tickets.empty() || first.client_closed; });
      EXPECT_FALSE(first.tickets.empty());
      if (first.tickets.empty()) return m;
      o.resume_ticket = first.tickets.back();
    }
    MemoryLink link(**ct, **st, TransportConfig{}, o);
    const uint64_t start = link.now();
    m.ok = link.run_until([&] { return link.client_established || link.client_closed; });
    m.ok = m.ok && link.client_established;
    if (contact == Contact::kResumed) m.ok = m.ok && link.client()->info().resumed;
    m.client_rtts = static_cast<double>(link.now() - start) / kRttNs;
    const auto& up = link.to_server_link().counters();
    const auto& down = link.to_client_link().counters();
    m.to_server_datagrams = up.received;
    m.to_server_bytes = up.bytes_received;
    m.to_client_datagrams = down.received;
    m.to_client_bytes = down.bytes_received;
    return m;
  }

  static void print(const char* type, const char* shape, bool compress, const Measurement& m) {
    std::printf(
        "| %-16s | %-9s | %-4s | %5zu | %4.2f | %2llu / %5llu | %2llu / %5llu | %4.2f |\n", type,
        shape, compress ? "on" : "off", m.chain_bytes, m.client_rtts,
        static_cast<unsigned long long>(m.to_server_datagrams),
        static_cast<unsigned long long>(m.to_server_bytes),
        static_cast<unsigned long long>(m.to_client_datagrams),
        static_cast<unsigned long long>(m.to_client_bytes),
        m.to_server_bytes > 0 ? static_cast<double>(m.to_client_bytes) / m.to_server_bytes : 0.0);
  }

  std::string ca_file_, key_file_;
};

TEST_F(AmplificationTest, FirstContactHandshakePerCertificateType) {
  std::printf(
      "| certificate      | chain     | comp | chain DER B | client RTTs | C->S dgrams / B | "
      "S->C dgrams / B | S->C / C->S |\n");
  for (KeyType t : {KeyType::kEd25519, KeyType::kEcdsaP256, KeyType::kMlDsa65, KeyType::kMlDsa87,
                    KeyType::kFalcon512, KeyType::kFalcon1024, KeyType::kP256Falcon512,
                    KeyType::kP521Falcon1024}) {
    for (bool with_ca : {false, true}) {
      for (bool compress : {false, true}) {
        const Measurement m = measure(t, with_ca, compress);
        ASSERT_TRUE(m.ok) << to_string(t);
        print(to_string(t), with_ca ? "leaf + CA" : "leaf", compress, m);
        // A handshake without loss takes at least one round trip.
        EXPECT_GE(m.client_rtts, 0.99) << to_string(t);
      }
    }
  }
}

// The same handshakes when the server need not wait for the client's address: after a
// Retry (one extra round trip and a ~100-byte Retry packet before this) or with a NEW_TOKEN
// token from an earlier connection, and when resuming (no certificate at all).
TEST_F(AmplificationTest, ValidatedAndResumedHandshakesPerCertificateType) {
  std::printf(
      "| certificate      | chain     | contact   | client RTTs | C->S dgrams / B | "
      "S->C dgrams / B |\n");
  for (KeyType t : {KeyType::kEd25519, KeyType::kMlDsa65, KeyType::kMlDsa87, KeyType::kFalcon1024,
                    KeyType::kP521Falcon1024}) {
    for (bool with_ca : {false, true}) {
      const Measurement first = measure(t, with_ca, false, Contact::kFirst);
      const Measurement valid = measure(t, with_ca, false, Contact::kValidated);
      const Measurement resumed = measure(t, with_ca, false, Contact::kResumed);
      ASSERT_TRUE(first.ok && valid.ok && resumed.ok)
          << to_string(t) << " first " << first.ok << " validated " << valid.ok << " resumed "
          << resumed.ok;
      for (const auto& [name, m] : {std::pair{"first", &first}, std::pair{"validated", &valid},
                                    std::pair{"resumed", &resumed}}) {
        std::printf("| %-16s | %-9s | %-9s | %4.2f | %2llu / %5llu | %2llu / %5llu |\n",
                    to_string(t), with_ca ? "leaf + CA" : "leaf", name, m->client_rtts,
                    static_cast<unsigned long long>(m->to_server_datagrams),
                    static_cast<unsigned long long>(m->to_server_bytes),
                    static_cast<unsigned long long>(m->to_client_datagrams),
                    static_cast<unsigned long long>(m->to_client_bytes));
      }
      // A validated address lifts the 3x limit: never slower than first contact, and one
      // round trip whenever the server's flight fits the initial congestion window
      // (ngtcp2: 14,720 bytes); larger ML-DSA flights wait for ACKs either way.
      EXPECT_LE(valid.client_rtts, first.client_rtts + 0.01) << to_string(t);
      if (valid.to_client_bytes <= 14'000) {
        EXPECT_LT(valid.client_rtts, 1.5) << to_string(t);
      }
      // Resumption sends no certificate: one round trip, never more bytes.
      EXPECT_LT(resumed.client_rtts, 1.5) << to_string(t);
      EXPECT_LE(resumed.to_client_bytes, first.to_client_bytes) << to_string(t);
    }
  }
}

// What docs/pq-auth.md recommends for Falcon-1024 (leaf-only chain, as `stoq cert` writes
// it): the first-contact handshake completes in one round trip, without waiting for the
// client's acknowledgements to lift the 3x anti-amplification limit.
TEST_F(AmplificationTest, Falcon1024LeafOnlyChainDoesNotStall) {
  const Measurement m = measure(KeyType::kFalcon1024, false, true);
  ASSERT_TRUE(m.ok);
  EXPECT_LT(m.client_rtts, 1.5);
  EXPECT_LE(m.to_client_bytes, 3 * m.to_server_bytes);
}

}  // namespace
}  // namespace stoq

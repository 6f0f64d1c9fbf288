// Post-quantum authentication in the QUIC handshake over loopback (issue 6): a handshake
// per certificate type, the authentication policy on both sides, mutual authentication,
// tampered and untrusted certificates.
#include <gtest/gtest.h>

#include <cctype>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <vector>

#include "endpoint_fixture.h"
#include "pump.h"
#include "stoq/cert.h"
#include "stoq/endpoint.h"
#include "test_pki.h"

namespace stoq {
namespace {

using namespace std::chrono_literals;
using testing::EndpointTest;
using testing::pump_until;
using testing::ServerKind;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Files of one identity: a CA and a leaf signed by it (possibly with different key types).
struct Identity {
  std::string ca_file, chain_file, key_file;
};

// Warnings the endpoints log (a server logs why a handshake failed), from any thread.
struct LogCapture {
  std::mutex mu;
  std::vector<std::string> lines;
  std::string joined() {
    std::lock_guard lock(mu);
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }
};

class PqAuthTest : public EndpointTest {
 protected:
  void SetUp() override {
    EndpointTest::SetUp();
    if (HasFatalFailure()) return;
    ContextOptions o;
    o.log_level = LogLevel::kWarn;
    o.log = [log = log_](LogLevel, std::string_view m) {
      std::lock_guard lock(log->mu);
      log->lines.emplace_back(m);
    };
    auto c = Context::create(o);
    ASSERT_TRUE(c.ok()) << c.message();
    ctx_ = *c;
    dir_ = pki_->dir + "/pq";
    std::filesystem::create_directories(dir_);
  }

  // Waits (pumping the client) until the server logged a line containing `what`.
  bool server_logged(Endpoint& client, const std::string& what) {
    return pump_until(
        client, [&] { return log_->joined().find(what) != std::string::npos; }, 5s);
  }

  Identity make_identity(const std::string& name, KeyType ca_type, KeyType leaf_type,
                         const std::string& cn = "localhost") {
    CertRequest ca_req;
    ca_req.key_type = ca_type;
    ca_req.is_ca = true;
    ca_req.common_name = name + " CA";
    auto ca = make_certificate(*ctx_, ca_req, nullptr);
    EXPECT_TRUE(ca.ok()) << ca.message();
    CertRequest leaf_req;
    leaf_req.key_type = leaf_type;
    leaf_req.common_name = cn;
    leaf_req.dns_names = {cn};
    leaf_req.ip_addresses = {"127.0.0.1"};
    auto leaf = make_certificate(*ctx_, leaf_req, ca.ok() ? &*ca : nullptr);
    EXPECT_TRUE(leaf.ok()) << leaf.message();
    Identity id{dir_ + "/" + name + "-ca.pem", dir_ + "/" + name + "-chain.pem",
                dir_ + "/" + name + "-key.pem"};
    if (!ca || !leaf) return id;
    EXPECT_TRUE(write_file(id.ca_file, ca->certificate, false).ok());
    EXPECT_TRUE(write_file(id.chain_file, leaf->certificate, false).ok());
    EXPECT_TRUE(write_file(id.key_file, leaf->private_key, true).ok());
    return id;
  }

  void start(const Identity& id, TlsConfig tls = {}) {
    EndpointConfig cfg;
    cfg.tls = tls;
    start_server(ServerKind::kEcho, cfg, id.chain_file, id.key_file);
  }

  // Echoes a line over a bidirectional stream: the connection really carries data.
  bool echo(Endpoint& client, Connection& conn) {
    auto s = conn.open_bidi_stream();
    if (!s) return false;
    Stream stream = *s;
    const std::string msg = "post-quantum hello";
    std::string got;
    bool fin = false;
    stream.on_readable([&] {
      char buf[256];
      for (;;) {
        auto r = stream.read({reinterpret_cast<uint8_t*>(buf), sizeof buf});
        if (!r) return;
        if (*r == 0) {
          fin = true;
          return;
        }
        got.append(buf, *r);
      }
    });
    if (!stream.write({reinterpret_cast<const uint8_t*>(msg.data()), msg.size()}).ok()) {
      return false;
    }
    (void)stream.finish();
    return pump_until(client, [&] { return fin; }) && got == msg;
  }

  std::string dir_;
  std::shared_ptr<LogCapture> log_ = std::make_shared<LogCapture>();
};

struct TypeCase {
  KeyType type;
  const char* sigalg;  // ConnectionInfo::peer_signature_algorithm
};

void PrintTo(const TypeCase& c, std::ostream* os) {
  *os << to_string(c.type);
}

class PqAuthHandshake : public PqAuthTest, public ::testing::WithParamInterface<TypeCase> {};

TEST_P(PqAuthHandshake, ServerCertificateOfEachType) {
  const TypeCase& c = GetParam();
  const Identity id = make_identity("srv", c.type, c.type);
  start(id);
  TlsConfig tls;
  tls.ca_file = id.ca_file;
  auto client = make_client(tls);
  auto conn = connect(client);
  ASSERT_TRUE(conn.is_established()) << conn.close_info().reason;
  const ConnectionInfo info = conn.info();
  EXPECT_EQ(info.peer_signature_algorithm, c.sigalg);
  // The key type names the same algorithm in OpenSSL's spelling ("ML-DSA-65", "ED25519").
  std::string key;
  for (char ch : info.peer_key_type) {
    if (ch != '-') key += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  EXPECT_EQ(key, c.sigalg) << info.peer_key_type;
  EXPECT_EQ(info.tls_group, "X25519MLKEM768");
  EXPECT_TRUE(echo(client, conn));
}

INSTANTIATE_TEST_SUITE_P(AllTypes, PqAuthHandshake,
                         ::testing::Values(TypeCase{KeyType::kFalcon1024, "falcon1024"},
                                           TypeCase{KeyType::kP521Falcon1024, "p521_falcon1024"},
                                           TypeCase{KeyType::kFalcon512, "falcon512"},
                                           TypeCase{KeyType::kP256Falcon512, "p256_falcon512"},
                                           TypeCase{KeyType::kMlDsa65, "mldsa65"},
                                           TypeCase{KeyType::kMlDsa87, "mldsa87"},
                                           TypeCase{KeyType::kEd25519, "ed25519"}),
                         [](const auto& info) { return std::string(to_string(info.param.type)); });

TEST_F(PqAuthTest, PqRequiredRejectsAnEd25519ServerNamingTheAlgorithm) {
  const Identity id = make_identity("ed", KeyType::kEd25519, KeyType::kEd25519);
  start(id);
  TlsConfig tls;
  tls.ca_file = id.ca_file;
  tls.auth = AuthPolicy::kPqRequired;
  auto client = make_client(tls);
  auto conn = connect(client);
  ASSERT_FALSE(conn.is_established());
  const CloseInfo ci = conn.close_info();
  EXPECT_EQ(ci.error, Errc::kPolicyViolation) << ci.reason;
  EXPECT_NE(ci.reason.find("pq-required"), std::string::npos) << ci.reason;
  EXPECT_NE(ci.reason.find("ED25519"), std::string::npos) << ci.reason;
  // The server learns why from the alert (and logs the failed handshake).
  EXPECT_TRUE(server_logged(client, "unsupported_certificate")) << log_->joined();
}

TEST_F(PqAuthTest, PqRequiredAcceptsFalconAndMlDsa) {
  for (KeyType t : {KeyType::kFalcon1024, KeyType::kMlDsa87}) {
    const Identity id = make_identity(std::string("pq-") + to_string(t), t, t);
    start(id);
    TlsConfig tls;
    tls.ca_file = id.ca_file;
    tls.auth = AuthPolicy::kPqRequired;
    auto client = make_client(tls);
    auto conn = connect(client);
    EXPECT_TRUE(conn.is_established()) << to_string(t) << ": " << conn.close_info().reason;
    server_->stop();
    server_->join();
    server_.reset();
  }
}

TEST_F(PqAuthTest, PqRequiredRejectsAClassicalSignatureInTheChain) {
  // A Falcon-1024 leaf signed by an Ed25519 CA: the leaf key is post-quantum, the chain is not.
  const Identity id = make_identity("mixed", KeyType::kEd25519, KeyType::kFalcon1024);
  start(id);
  TlsConfig tls;
  tls.ca_file = id.ca_file;
  tls.auth = AuthPolicy::kPqRequired;
  auto client = make_client(tls);
  auto conn = connect(client);
  ASSERT_FALSE(conn.is_established());
  const std::string reason = conn.close_info().reason;
  EXPECT_NE(reason.find("signed with ED25519"), std::string::npos) << reason;
  // With the default policy the same chain is fine.
  tls.auth = AuthPolicy::kAny;
  auto client2 = make_client(tls);
  auto conn2 = connect(client2);
  EXPECT_TRUE(conn2.is_established()) << conn2.close_info().reason;
}

TEST_F(PqAuthTest, HybridRequiredAcceptsOnlyHybrids) {
  const Identity pure = make_identity("pure", KeyType::kFalcon1024, KeyType::kFalcon1024);
  start(pure);
  TlsConfig tls;
  tls.ca_file = pure.ca_file;
  tls.auth = AuthPolicy::kHybridRequired;
  auto client = make_client(tls);
  auto conn = connect(client);
  ASSERT_FALSE(conn.is_established());
  EXPECT_NE(conn.close_info().reason.find("hybrid-required"), std::string::npos);
  EXPECT_NE(conn.close_info().reason.find("falcon1024 (post-quantum)"), std::string::npos)
      << conn.close_info().reason;
  server_->stop();
  server_->join();
  server_.reset();

  const Identity hybrid =
      make_identity("hybrid", KeyType::kP521Falcon1024, KeyType::kP521Falcon1024);
  start(hybrid);
  tls.ca_file = hybrid.ca_file;
  auto client2 = make_client(tls);
  auto conn2 = connect(client2);
  EXPECT_TRUE(conn2.is_established()) << conn2.close_info().reason;
}

TEST_F(PqAuthTest, TamperedServerCertificateIsRejected) {
  const Identity id = make_identity("tamper", KeyType::kFalcon1024, KeyType::kFalcon1024);
  // Flip one bit inside the base64 of the CA's signature (near the end of the PEM body).
  std::string pem = read_file(id.chain_file);
  const auto end = pem.find("-----END");
  ASSERT_NE(end, std::string::npos);
  size_t at = end - 10;
  while (pem[at] == '\n' || pem[at] == '=') --at;
  pem[at] = pem[at] == 'A' ? 'B' : 'A';
  const std::string bad_chain = dir_ + "/tampered-chain.pem";
  ASSERT_TRUE(write_file(bad_chain, pem, false).ok());
  Identity bad = id;
  bad.chain_file = bad_chain;
  start(bad);
  TlsConfig tls;
  tls.ca_file = id.ca_file;
  auto client = make_client(tls);
  auto conn = connect(client);
  ASSERT_FALSE(conn.is_established());
  EXPECT_EQ(conn.close_info().error, Errc::kCertificateInvalid) << conn.close_info().reason;
  EXPECT_NE(conn.close_info().reason.find("signature failure"), std::string::npos)
      << conn.close_info().reason;
}

TEST_F(PqAuthTest, ServerTrustedByAnotherFalconCaIsRejected) {
  const Identity id = make_identity("a", KeyType::kFalcon1024, KeyType::kFalcon1024);
  const Identity other = make_identity("b", KeyType::kFalcon1024, KeyType::kFalcon1024);
  start(id);
  TlsConfig tls;
  tls.ca_file = other.ca_file;
  auto client = make_client(tls);
  auto conn = connect(client);
  ASSERT_FALSE(conn.is_established());
  EXPECT_EQ(conn.close_info().error, Errc::kCertificateInvalid) << conn.close_info().reason;
}

TEST_F(PqAuthTest, MutualAuthenticationWithFalconClientCertificate) {
  const Identity server_id = make_identity("srv", KeyType::kFalcon1024, KeyType::kFalcon1024);
  const Identity client_id =
      make_identity("cli", KeyType::kP521Falcon1024, KeyType::kP521Falcon1024, "client-1");
  TlsConfig server_tls;
  server_tls.require_client_cert = true;
  server_tls.client_ca_file = client_id.ca_file;
  server_tls.auth = AuthPolicy::kPqRequired;
  start(server_id, server_tls);
  TlsConfig tls;
  tls.ca_file = server_id.ca_file;
  tls.cert_chain_file = client_id.chain_file;
  tls.private_key_file = client_id.key_file;
  tls.auth = AuthPolicy::kPqRequired;
  auto client = make_client(tls);
  auto conn = connect(client);
  ASSERT_TRUE(conn.is_established()) << conn.close_info().reason;
  EXPECT_TRUE(echo(client, conn));
  std::lock_guard lock(state_->mu);
  ASSERT_EQ(state_->infos.size(), 1u);
  EXPECT_EQ(state_->infos[0].peer_signature_algorithm, "p521_falcon1024");
}

TEST_F(PqAuthTest, MutualAuthenticationRejectsUntrustedAndMissingClientCertificates) {
  const Identity server_id = make_identity("srv", KeyType::kFalcon1024, KeyType::kFalcon1024);
  const Identity trusted = make_identity("trusted", KeyType::kFalcon1024, KeyType::kFalcon1024);
  const Identity rogue = make_identity("rogue", KeyType::kFalcon1024, KeyType::kFalcon1024);
  TlsConfig server_tls;
  server_tls.require_client_cert = true;
  server_tls.client_ca_file = trusted.ca_file;
  start(server_id, server_tls);

  TlsConfig tls;
  tls.ca_file = server_id.ca_file;
  tls.cert_chain_file = rogue.chain_file;
  tls.private_key_file = rogue.key_file;
  auto client = make_client(tls);
  auto conn = connect(client);
  // TLS 1.3: the client finishes first, then the server refuses its certificate.
  ASSERT_TRUE(pump_until(
      client, [&] { return !conn.is_open(); }, 5s));
  EXPECT_EQ(conn.close_info().error, Errc::kCertificateInvalid) << conn.close_info().reason;
  EXPECT_TRUE(server_logged(client, "client certificate")) << log_->joined();

  TlsConfig anonymous;
  anonymous.ca_file = server_id.ca_file;
  auto client2 = make_client(anonymous);
  auto conn2 = client2.connect(server_->local_address(), "localhost");
  ASSERT_TRUE(conn2.ok());
  Connection c2 = *conn2;
  ASSERT_TRUE(pump_until(
      client2, [&] { return !c2.is_open(); }, 5s));
  EXPECT_NE(c2.close_info().reason.find("certificate"), std::string::npos)
      << c2.close_info().reason;
}

// The server's own ca_file (e.g. the CA it uses as a client elsewhere) is not a client CA
// when client_ca_file names the clients' CAs: the two are separate trust stores.
TEST_F(PqAuthTest, AServerSideCaDoesNotAuthenticateClientsWhenClientCaFileIsSet) {
  const Identity server_id = make_identity("srv", KeyType::kFalcon1024, KeyType::kFalcon1024);
  const Identity trusted = make_identity("trusted", KeyType::kFalcon1024, KeyType::kFalcon1024);
  const Identity other = make_identity("other", KeyType::kFalcon1024, KeyType::kFalcon1024);
  TlsConfig server_tls;
  server_tls.require_client_cert = true;
  server_tls.client_ca_file = trusted.ca_file;
  server_tls.ca_file = other.ca_file;
  start(server_id, server_tls);

  TlsConfig tls;
  tls.ca_file = server_id.ca_file;
  tls.cert_chain_file = other.chain_file;
  tls.private_key_file = other.key_file;
  auto client = make_client(tls);
  auto conn = connect(client);
  ASSERT_TRUE(pump_until(
      client, [&] { return !conn.is_open(); }, 5s));
  EXPECT_EQ(conn.close_info().error, Errc::kCertificateInvalid) << conn.close_info().reason;
  EXPECT_TRUE(server_logged(client, "client certificate")) << log_->joined();

  // A client of the configured client CA still gets in.
  TlsConfig good = tls;
  good.cert_chain_file = trusted.chain_file;
  good.private_key_file = trusted.key_file;
  auto client2 = make_client(good);
  auto conn2 = connect(client2);
  ASSERT_TRUE(conn2.is_established()) << conn2.close_info().reason;
  EXPECT_TRUE(echo(client2, conn2));
}

TEST_F(PqAuthTest, ServerPolicyRejectsAClassicalClientCertificate) {
  const Identity server_id = make_identity("srv", KeyType::kFalcon1024, KeyType::kFalcon1024);
  const Identity client_id = make_identity("cli", KeyType::kEd25519, KeyType::kEd25519, "c");
  TlsConfig server_tls;
  server_tls.require_client_cert = true;
  server_tls.client_ca_file = client_id.ca_file;
  server_tls.auth = AuthPolicy::kPqRequired;
  start(server_id, server_tls);
  TlsConfig tls;
  tls.ca_file = server_id.ca_file;
  tls.cert_chain_file = client_id.chain_file;
  tls.private_key_file = client_id.key_file;
  auto client = make_client(tls);
  auto conn = connect(client);
  EXPECT_TRUE(server_logged(client, "client authentication violates the policy pq-required"))
      << log_->joined();
  EXPECT_NE(log_->joined().find("ED25519"), std::string::npos) << log_->joined();
  ASSERT_TRUE(pump_until(
      client, [&] { return !conn.is_open(); }, 5s));
  EXPECT_NE(conn.close_info().reason.find("unsupported_certificate"), std::string::npos)
      << conn.close_info().reason;
}

TEST_F(PqAuthTest, PoliciesParseAndPrint) {
  for (AuthPolicy p : {AuthPolicy::kAny, AuthPolicy::kHybridRequired, AuthPolicy::kPqRequired}) {
    AuthPolicy back;
    ASSERT_TRUE(parse_auth_policy(to_string(p), back));
    EXPECT_EQ(back, p);
  }
  AuthPolicy ignored;
  EXPECT_FALSE(parse_auth_policy("pq-preferred", ignored));
  for (KeyType t : all_key_types()) {
    KeyType back;
    ASSERT_TRUE(parse_key_type(to_string(t), back)) << to_string(t);
    EXPECT_EQ(back, t);
    EXPECT_TRUE(make_private_key_pem(*ctx_, t).ok()) << to_string(t);
  }
}

}  // namespace
}  // namespace stoq

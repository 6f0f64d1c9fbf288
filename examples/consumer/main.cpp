// Smallest useful STOQ program: make a throw-away certificate, run an echo server on a
// library thread, connect to it, send one line and print what comes back.
#include <stoq/cert.h>
#include <stoq/stoq.h>

#include <cstdio>
#include <string>

int main() {
  auto ctx = stoq::Context::create();
  if (!ctx) return std::fprintf(stderr, "%s\n", ctx.message().c_str()), 1;

  stoq::CertRequest req;
  req.common_name = "localhost";
  req.ip_addresses = {"127.0.0.1"};
  auto pem = stoq::make_certificate(**ctx, req, nullptr);
  if (!pem) return std::fprintf(stderr, "%s\n", pem.message().c_str()), 1;
  const std::string cert = "/tmp/stoq-consumer-cert.pem", key = "/tmp/stoq-consumer-key.pem";
  (void)stoq::write_file(cert, pem->certificate, false);
  (void)stoq::write_file(key, pem->private_key, true);

  stoq::EndpointConfig server_cfg;
  server_cfg.tls.cert_chain_file = cert;
  server_cfg.tls.private_key_file = key;
  auto server = stoq::Endpoint::create(*ctx, server_cfg);
  if (!server || !server->listen(stoq::SocketAddress::loopback_v4(0))) return 1;
  server->on_connection([](stoq::Connection c) {
    c.on_stream([](stoq::Stream s) {
      s.on_readable([s]() mutable {
        uint8_t buf[256];
        while (auto r = s.read(buf)) {
          if (*r == 0) {
            (void)s.finish();
            return;
          }
          (void)s.write(std::span<const uint8_t>(buf, *r));
        }
      });
    });
  });
  if (!server->start()) return 1;

  stoq::EndpointConfig client_cfg;
  client_cfg.tls.ca_file = cert;  // the self-signed certificate is its own CA
  auto client = stoq::Endpoint::create(*ctx, client_cfg);
  auto conn = client->connect(server->local_address());
  if (!conn) return std::fprintf(stderr, "%s\n", conn.message().c_str()), 1;
  std::string reply;
  bool done = false;
  conn->on_established([&] {
    auto s = conn->open_bidi_stream();
    (void)s->write("hello over post-quantum QUIC");
    (void)s->finish();
    s->on_readable([&, st = *s]() mutable {
      char buf[256];
      while (auto r = st.read({reinterpret_cast<uint8_t*>(buf), sizeof(buf)})) {
        if (*r == 0) {
          done = true;
          return;
        }
        reply.append(buf, *r);
      }
    });
  });
  conn->on_closed([&](const stoq::CloseInfo& i) {
    std::fprintf(stderr, "closed: %s %s\n", i.error.message().c_str(), i.reason.c_str());
    done = true;
  });
  for (int i = 0; i < 500 && !done; ++i) client->run_one(std::chrono::milliseconds(10));
  std::printf("echo: %s (group %s)\n", reply.c_str(), conn->info().tls_group.c_str());
  conn->close(0, "bye");
  client->run_one(std::chrono::milliseconds(10));
  server->stop();
  server->join();
  return reply == "hello over post-quantum QUIC" ? 0 : 1;
}

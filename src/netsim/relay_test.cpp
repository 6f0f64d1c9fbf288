// Integration tests: the relay with real UDP sockets on loopback and a plain UDP echo
// server. Every wait is bounded; nothing asserts on speed.
#include "netsim/relay.h"

#include <poll.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/datagram_socket.h"
#include "netsim/config_parser.h"
#include "netsim/control_auth.h"

namespace stoq::netsim {
namespace {

using io::DatagramSocket;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

SocketAddress addr(std::string_view text) {
  auto a = parse_address(text);
  EXPECT_TRUE(a) << text;
  return a ? *a : SocketAddress();
}

LinkConfig cfg(std::string_view text) {
  auto c = parse_link_config(text);
  EXPECT_TRUE(c) << (c ? "" : c.error().message);
  return c ? *c : LinkConfig{};
}

// Waits up to `timeout` for one datagram; empty optional on timeout.
std::optional<std::string> receive_within(DatagramSocket& s, Duration timeout,
                                          SocketAddress* from = nullptr) {
  const auto deadline = Clock::now() + timeout;
  std::vector<std::uint8_t> buf(65536);
  for (;;) {
    const ssize_t n = s.receive(buf, from);
    if (n >= 0) return std::string(buf.begin(), buf.begin() + n);
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{s.fd(), POLLIN, 0};
    (void)::poll(&p, 1, static_cast<int>(std::min<long>(left.count(), 50)));
  }
}

void send_text(DatagramSocket& s, std::string_view text, const SocketAddress& to) {
  ASSERT_EQ(s.send({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, &to),
            static_cast<ssize_t>(text.size()));
}

// Polls `condition` every 5 ms for at most `timeout`.
template <typename Fn>
bool eventually(Fn condition, Duration timeout = 5s) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

// A UDP echo server on its own thread that remembers every source address it saw.
class EchoServer {
 public:
  explicit EchoServer(std::string_view bind = "127.0.0.1:0") {
    auto s = DatagramSocket::bind(addr(bind));
    if (!s) return;
    socket_ = std::move(s).value();
    address_ = socket_.local_address().value();
    thread_ = std::thread([this] { run(); });
  }
  ~EchoServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  bool ok() const { return socket_.valid(); }
  const SocketAddress& address() const { return address_; }
  std::vector<SocketAddress> sources() {
    std::lock_guard lock(mutex_);
    return sources_;
  }
  std::size_t received() const { return received_.load(); }

 private:
  void run() {
    std::vector<std::uint8_t> buf(65536);
    while (!stop_) {
      pollfd p{socket_.fd(), POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      SocketAddress from;
      for (;;) {
        const ssize_t n = socket_.receive(buf, &from);
        if (n < 0) break;
        ++received_;
        {
          std::lock_guard lock(mutex_);
          if (sources_.empty() || !(sources_.back() == from)) sources_.push_back(from);
        }
        (void)socket_.send({buf.data(), static_cast<std::size_t>(n)}, &from);
      }
    }
  }

  DatagramSocket socket_;
  SocketAddress address_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> received_{0};
  std::mutex mutex_;
  std::vector<SocketAddress> sources_;
};

struct Harness {
  explicit Harness(RelayOptions options = {}, bool start = true) {
    if (!server.ok()) return;
    if (options.listen.empty()) options.listen = addr("127.0.0.1:0");
    options.upstream = server.address();
    if (options.control.empty()) options.control = addr("127.0.0.1:0");
    auto r = Relay::create(options);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    if (!r) return;
    relay = std::move(r).value();
    if (start) {
      EXPECT_TRUE(relay->start().ok());
    }
    client = std::move(DatagramSocket::bind(addr("127.0.0.1:0"))).value();
  }
  bool ok() const { return relay != nullptr && client.valid(); }

  // Sends `text` through the relay and waits for the echo.
  std::optional<std::string> round_trip(std::string_view text, Duration timeout = 2s) {
    send_text(client, text, relay->listen_address());
    return receive_within(client, timeout);
  }

  // One control request with the relay's secret; the reply, or "" if none came.
  std::string control(std::string_view request) {
    return control_raw(relay->control_secret() + " " + std::string(request), 2s).value_or("");
  }
  // One datagram to the control socket exactly as given.
  std::optional<std::string> control_raw(std::string_view datagram, Duration wait) {
    auto sock = DatagramSocket::bind(addr("127.0.0.1:0"));
    if (!sock) return std::nullopt;
    send_text(*sock, datagram, relay->control_address());
    return receive_within(*sock, wait);
  }

  EchoServer server;
  std::unique_ptr<Relay> relay;
  DatagramSocket client;
};

TEST(RelayTest, PassThrough) {
  Harness h;
  ASSERT_TRUE(h.ok());
  std::set<std::string> sent;
  std::set<std::string> echoed;
  for (int i = 0; i < 50; ++i) {
    const std::string text = "packet-" + std::to_string(i);
    sent.insert(text);
    send_text(h.client, text, h.relay->listen_address());
  }
  while (echoed.size() < sent.size()) {
    auto got = receive_within(h.client, 2s);
    if (!got) break;
    echoed.insert(*got);
  }
  EXPECT_EQ(echoed, sent);
  const RelayCounters c = h.relay->counters();
  EXPECT_EQ(c.up.delivered, 50u);
  EXPECT_EQ(c.down.delivered, 50u);
  EXPECT_EQ(c.clients_active, 1u);
  EXPECT_EQ(h.server.sources().size(), 1u);
}

TEST(RelayTest, DrivenByPollOnceWithoutThread) {
  Harness h({}, /*start=*/false);
  ASSERT_TRUE(h.ok());
  send_text(h.client, "hello", h.relay->listen_address());
  std::optional<std::string> got;
  const auto deadline = Clock::now() + 3s;
  while (!got && Clock::now() < deadline) {
    ASSERT_TRUE(h.relay->poll_once(10ms).ok());
    got = receive_within(h.client, 0ms);
  }
  EXPECT_EQ(got.value_or(""), "hello");
}

TEST(RelayTest, StartTwiceAndPollOnceWhileRunningAreErrors) {
  Harness h;
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h.relay->running());
  const Status again = h.relay->start();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, make_error_code(Errc::kAlreadyRunning));
  EXPECT_FALSE(h.relay->poll_once(1ms).ok());
  h.relay->stop();
  EXPECT_FALSE(h.relay->running());
  EXPECT_TRUE(h.relay->poll_once(1ms).ok());
}

TEST(RelayTest, LossIsCounted) {
  RelayOptions o;
  o.up = cfg("loss=50%,seed=3");
  Harness h(o);
  ASSERT_TRUE(h.ok());
  constexpr int kN = 200;
  for (int i = 0; i < kN; ++i)
    send_text(h.client, "p" + std::to_string(i), h.relay->listen_address());
  ASSERT_TRUE(eventually([&] { return h.relay->counters().up.received == kN; }));
  const RelayCounters c = h.relay->counters();
  EXPECT_EQ(c.up.dropped_loss + c.up.delivered, static_cast<std::uint64_t>(kN));
  EXPECT_GT(c.up.dropped_loss, 50u);
  EXPECT_LT(c.up.dropped_loss, 150u);
  std::size_t echoed = 0;
  while (receive_within(h.client, 500ms)) ++echoed;
  EXPECT_EQ(echoed, c.up.delivered);
  EXPECT_EQ(h.server.received(), c.up.delivered);
}

TEST(RelayTest, DelayIsApplied) {
  RelayOptions o;
  o.down = cfg("delay=50ms");
  Harness h(o);
  ASSERT_TRUE(h.ok());
  const auto start = Clock::now();
  EXPECT_EQ(h.round_trip("slow").value_or(""), "slow");
  EXPECT_GE(Clock::now() - start, 50ms);  // a lower bound, not a speed assertion
}

TEST(RelayTest, LiveReconfiguration) {
  Harness h;
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h.round_trip("before").value_or(""), "before");
  h.relay->set_config(Direction::kUp, cfg("blackhole=on"));
  EXPECT_TRUE(h.relay->config(Direction::kUp).blackhole);
  for (int i = 0; i < 5; ++i) send_text(h.client, "dark", h.relay->listen_address());
  ASSERT_TRUE(eventually([&] { return h.relay->counters().up.dropped_blackhole == 5; }));
  EXPECT_FALSE(receive_within(h.client, 200ms));
  h.relay->set_config(Direction::kUp, LinkConfig{});
  EXPECT_EQ(h.round_trip("after").value_or(""), "after");

  // Moving a live path between tiers is one request.
  const auto reply = nlohmann::json::parse(
      h.relay->handle_control_request(h.relay->control_secret() + " set both profile=home")
          .value_or(""));
  ASSERT_TRUE(reply["ok"].get<bool>()) << reply.dump();
  EXPECT_EQ(h.relay->config(Direction::kDown).delay, 30ms);
  EXPECT_EQ(h.round_trip("home").value_or(""), "home");
}

TEST(RelayTest, NatRebindingChangesServerSeenPort) {
  Harness h;
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h.round_trip("one").value_or(""), "one");
  const auto clients = h.relay->clients();
  ASSERT_EQ(clients.size(), 1u);
  const SocketAddress first = h.server.sources().back();
  EXPECT_EQ(first, clients[0].upstream_local);

  ASSERT_TRUE(h.relay->rebind(clients[0].client).ok());
  ASSERT_EQ(h.round_trip("two").value_or(""), "two");
  const SocketAddress second = h.server.sources().back();
  EXPECT_NE(first.port(), second.port());

  // The same through the control socket.
  const auto reply = nlohmann::json::parse(h.control("rebind"));
  EXPECT_TRUE(reply["ok"].get<bool>());
  EXPECT_EQ(reply["rebound"].get<int>(), 1);
  ASSERT_EQ(h.round_trip("three").value_or(""), "three");
  const auto sources = h.server.sources();
  EXPECT_NE(sources.back().port(), second.port());
  EXPECT_EQ(h.relay->counters().rebinds, 2u);

  const Status unknown = h.relay->rebind(addr("127.0.0.1:1"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, make_error_code(Errc::kUnknownClient));
}

TEST(RelayTest, ControlSocketRoundTrip) {
  Harness h;
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h.round_trip("x").value_or(""), "x");

  auto set = nlohmann::json::parse(h.control("set up loss=100%,seed=5"));
  ASSERT_TRUE(set["ok"].get<bool>()) << set.dump();
  EXPECT_EQ(set["config"]["up"].get<std::string>(), "loss=100%,seed=5");
  EXPECT_DOUBLE_EQ(h.relay->config(Direction::kUp).loss, 1.0);
  EXPECT_FALSE(h.round_trip("lost", 200ms));

  auto update = nlohmann::json::parse(
      h.control(R"({"cmd": "update", "dir": "both", "config": {"loss": "0%", "delay": "1ms"}})"));
  ASSERT_TRUE(update["ok"].get<bool>()) << update.dump();
  EXPECT_EQ(update["config"]["up"].get<std::string>(), "delay=1ms,seed=5");
  EXPECT_EQ(h.round_trip("back").value_or(""), "back");

  auto bad = nlohmann::json::parse(h.control("set up loss=lots"));
  EXPECT_FALSE(bad["ok"].get<bool>());
  EXPECT_NE(bad["error"].get<std::string>().find("loss=lots"), std::string::npos);
  EXPECT_EQ(bad["code"].get<int>(), static_cast<int>(Errc::kInvalidConfig));
  EXPECT_EQ(h.relay->config(Direction::kUp).delay, 1ms);  // unchanged by the bad request

  auto stats = nlohmann::json::parse(h.control("stats"));
  ASSERT_TRUE(stats["ok"].get<bool>());
  EXPECT_EQ(stats["counters"]["up"]["dropped_loss"].get<int>(), 1);
  EXPECT_EQ(stats["counters"]["clients_active"].get<int>(), 1);
  EXPECT_EQ(stats["listen"].get<std::string>(), h.relay->listen_address().to_string());
  EXPECT_GE(stats["counters"]["control_errors"].get<int>(), 1);

  auto clients = nlohmann::json::parse(h.control("clients"));
  ASSERT_EQ(clients["clients"].size(), 1u);
  EXPECT_EQ(clients["clients"][0]["client"].get<std::string>(),
            h.client.local_address()->to_string());
}

TEST(RelayTest, UnixControlSocket) {
  const std::string path = "/tmp/netsim-test-" + std::to_string(::getpid()) + ".sock";
  RelayOptions o;
  o.control = addr("unix:" + path);
  Harness h(o);
  ASSERT_TRUE(h.ok());
  const std::string reply_path = path + ".client";
  ::unlink(reply_path.c_str());
  auto sock = DatagramSocket::bind(addr("unix:" + reply_path));
  ASSERT_TRUE(sock) << sock.message();
  send_text(*sock, h.relay->control_secret() + " set down delay=2ms", h.relay->control_address());
  const auto reply = receive_within(*sock, 2s);
  ::unlink(reply_path.c_str());
  ASSERT_TRUE(reply);
  EXPECT_TRUE(nlohmann::json::parse(*reply)["ok"].get<bool>()) << *reply;
  EXPECT_EQ(h.relay->config(Direction::kDown).delay, 2ms);
  h.relay.reset();
  EXPECT_NE(::access(path.c_str(), F_OK), 0);  // removed on destruction
}

// Issue 27: without the secret the control socket says nothing and changes nothing, so
// it can neither be used by others nor reflect a 5-byte request as an 880-byte reply.
TEST(RelayTest, ControlRequestsWithoutTheSecretGetNoReplyAndChangeNothing) {
  Harness h;
  ASSERT_TRUE(h.ok());
  const std::string& secret = h.relay->control_secret();
  ASSERT_GE(secret.size(), kMinControlSecretBytes);
  const std::string wrong = std::string(secret.size(), secret[0] == 'x' ? 'y' : 'x');
  for (const std::string& datagram :
       {std::string("stats"), std::string("set both loss=100%"),
        std::string(R"({"cmd": "set", "dir": "both", "config": "loss=100%"})"),
        wrong + " set both loss=100%", secret.substr(0, secret.size() - 1) + " set both loss=100%",
        secret + "x set both loss=100%", std::string(" ") + "set both loss=100%"}) {
    EXPECT_FALSE(h.control_raw(datagram, 200ms)) << "a reply to: " << datagram;
    EXPECT_FALSE(h.relay->handle_control_request(datagram));
  }
  EXPECT_EQ(h.relay->config(Direction::kUp).loss, 0.0);
  EXPECT_EQ(h.relay->config(Direction::kDown).loss, 0.0);
  EXPECT_EQ(h.round_trip("still open").value_or(""), "still open");
  EXPECT_TRUE(eventually([&] { return h.relay->counters().control_unauthenticated == 14; }));
  EXPECT_EQ(h.relay->counters().control_requests, 0u);
  // With the secret the same request works.
  EXPECT_TRUE(nlohmann::json::parse(h.control("stats"))["ok"].get<bool>());
}

TEST(RelayTest, ControlRejectsSettingsBeyondTheBounds) {
  Harness h;
  ASSERT_TRUE(h.ok());
  for (const char* request : {"set up delay=61s", "update both jitter=120s", "set down queue=2gb",
                              "update up limit=2048mb", "set up reorder_delay=3600s"}) {
    const auto reply = nlohmann::json::parse(h.control(request));
    EXPECT_FALSE(reply["ok"].get<bool>()) << request;
    EXPECT_EQ(reply["code"].get<int>(), static_cast<int>(Errc::kInvalidConfig)) << request;
  }
  EXPECT_EQ(h.relay->config(Direction::kUp), LinkConfig{});
  EXPECT_EQ(h.relay->config(Direction::kDown), LinkConfig{});
}

TEST(RelayTest, ARegularFileAtTheControlPathIsNotRemoved) {
  const std::string path = "/tmp/netsim-test-" + std::to_string(::getpid()) + ".notasocket";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("precious", f);
    std::fclose(f);
  }
  RelayOptions o;
  o.listen = addr("127.0.0.1:0");
  o.upstream = addr("127.0.0.1:9");
  o.control = addr("unix:" + path);
  auto relay = Relay::create(o);
  ASSERT_FALSE(relay);
  EXPECT_EQ(relay.error().code, make_error_code(Errc::kInvalidAddress));
  EXPECT_NE(relay.error().message.find("not a socket"), std::string::npos) << relay.error().message;
  char buf[16] = {};
  std::FILE* f = std::fopen(path.c_str(), "r");
  ASSERT_NE(f, nullptr) << "the file was removed";
  EXPECT_EQ(std::fread(buf, 1, sizeof buf - 1, f), 8u);
  std::fclose(f);
  EXPECT_STREQ(buf, "precious");
  ::unlink(path.c_str());
}

TEST(RelayTest, NonLoopbackControlNeedsTheOverride) {
  RelayOptions o;
  o.listen = addr("127.0.0.1:0");
  o.upstream = addr("127.0.0.1:9");
  o.control = addr("0.0.0.0:0");
  auto refused = Relay::create(o);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, make_error_code(Errc::kInvalidAddress));
  EXPECT_NE(refused.error().message.find("control-allow-remote"), std::string::npos)
      << refused.error().message;
  o.control_allow_remote = true;
  o.control_secret = "a-shared-secret-0123";
  auto allowed = Relay::create(o);
  ASSERT_TRUE(allowed) << allowed.error().message;
  EXPECT_EQ((*allowed)->control_secret(), "a-shared-secret-0123");
  // A configuration beyond the bounds is refused at creation as well.
  o.control_allow_remote = false;
  o.control = addr("127.0.0.1:0");
  o.up = cfg("delay=60s");
  o.up.delay = std::chrono::seconds(61);
  auto too_slow = Relay::create(o);
  ASSERT_FALSE(too_slow);
  EXPECT_EQ(too_slow.error().code, make_error_code(Errc::kInvalidConfig));
}

TEST(RelayTest, IdleMappingsExpire) {
  RelayOptions o;
  o.idle_timeout = 200ms;
  Harness h(o);
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h.round_trip("x").value_or(""), "x");
  ASSERT_TRUE(eventually([&] { return h.relay->counters().clients_active == 0; }));
  EXPECT_EQ(h.relay->counters().clients_expired, 1u);
  // A new packet creates a fresh mapping.
  EXPECT_EQ(h.round_trip("y").value_or(""), "y");
  EXPECT_EQ(h.relay->counters().clients_created, 2u);
}

TEST(RelayTest, ClientLimit) {
  RelayOptions o;
  o.max_clients = 1;
  Harness h(o);
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h.round_trip("first").value_or(""), "first");
  auto other = DatagramSocket::bind(addr("127.0.0.1:0"));
  ASSERT_TRUE(other);
  send_text(*other, "second", h.relay->listen_address());
  EXPECT_FALSE(receive_within(*other, 200ms));
  EXPECT_TRUE(eventually([&] { return h.relay->counters().clients_rejected == 1; }));
  EXPECT_EQ(h.round_trip("again").value_or(""), "again");
}

TEST(RelayTest, Ipv6PassThrough) {
  auto probe = DatagramSocket::bind(addr("[::1]:0"));
  if (!probe) GTEST_SKIP() << "no IPv6 loopback: " << probe.message();
  probe->close();
  EchoServer server("[::1]:0");
  ASSERT_TRUE(server.ok());
  RelayOptions o;
  o.listen = addr("[::1]:0");
  o.upstream = server.address();
  auto relay = Relay::create(o);
  ASSERT_TRUE(relay) << relay.error().message;
  ASSERT_TRUE((*relay)->start().ok());
  auto client = DatagramSocket::bind(addr("[::1]:0"));
  ASSERT_TRUE(client);
  send_text(*client, "six", (*relay)->listen_address());
  EXPECT_EQ(receive_within(*client, 2s).value_or(""), "six");
  EXPECT_EQ(server.sources().back().family(), AF_INET6);
}

TEST(RelayTest, CreateErrors) {
  RelayOptions o;
  auto empty = Relay::create(o);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, make_error_code(Errc::kInvalidAddress));

  auto first = DatagramSocket::bind(addr("127.0.0.1:0"));
  ASSERT_TRUE(first);
  o.listen = first->local_address().value();  // already in use
  o.upstream = addr("127.0.0.1:9");
  auto busy = Relay::create(o);
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code, make_error_code(Errc::kSocketError));
  EXPECT_NE(busy.error().message.find("bind"), std::string::npos);
}

TEST(RelayTest, StopIsBounded) {
  Harness h;
  ASSERT_TRUE(h.ok());
  const auto start = Clock::now();
  h.relay->stop();
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_FALSE(h.relay->thread_error());
}

}  // namespace
}  // namespace stoq::netsim

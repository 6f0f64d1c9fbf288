// Loopback tests of the socket datapath: real UDP sockets on 127.0.0.1 and ::1. Every
// wait is bounded (receive_some's deadline).
#include "io/socket_datapath.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <vector>

#include "io/datapath_test_util.h"

namespace stoq::io {
namespace {

using test::Copied;
using test::pattern;
using test::receive_some;

SocketAddress parse(const char* text) {
  auto a = SocketAddress::parse(text);
  EXPECT_TRUE(a) << text;
  return *a;
}

std::unique_ptr<SocketDatapath> open(const SocketAddress& addr, const DatapathConfig& c = {}) {
  auto dp = SocketDatapath::open(addr, c);
  EXPECT_TRUE(dp) << dp.message();
  return dp ? std::move(dp).value() : nullptr;
}

// The address to send to for a datapath bound to a wildcard or loopback address.
SocketAddress target_of(const SocketDatapath& dp, bool v6) {
  return v6 ? SocketAddress::loopback_v6(dp.local_address().port())
            : SocketAddress::loopback_v4(dp.local_address().port());
}

bool ipv6_loopback_works() {
  auto dp = SocketDatapath::open(SocketAddress::loopback_v6(0));
  return dp.ok();
}

// A batch of `count` datagrams of `size` bytes (the last `last` bytes), packed back to
// back in `buf` so that GSO can take them as one train.
std::vector<OutgoingDatagram> packed_batch(std::vector<uint8_t>& buf, const SocketAddress& to,
                                           size_t count, size_t size, size_t last) {
  std::vector<OutgoingDatagram> out;
  buf.clear();
  for (size_t i = 0; i < count; ++i) {
    auto p = pattern(i + 1 == count ? last : size, static_cast<uint32_t>(i));
    buf.insert(buf.end(), p.begin(), p.end());
  }
  size_t off = 0;
  for (size_t i = 0; i < count; ++i) {
    size_t n = i + 1 == count ? last : size;
    out.push_back({to, {buf.data() + off, n}});
    off += n;
  }
  return out;
}

TEST(SocketDatapath, ReportsCapabilitiesAndGrantedBuffers) {
  DatapathConfig c;
  c.receive_buffer = 2u << 20;
  c.send_buffer = 1u << 20;
  auto dp = open(SocketAddress::loopback_v4(0), c);
  ASSERT_TRUE(dp);
  EXPECT_NE(dp->local_address().port(), 0);
  EXPECT_TRUE(has(dp->capabilities(), Capability::kBatchSyscalls));
  EXPECT_FALSE(has(dp->capabilities(), Capability::kTxTime));
  EXPECT_FALSE(has(dp->capabilities(), Capability::kXdp));
  // Linux reports twice the request (its bookkeeping); as root FORCE ignores rmem_max.
  EXPECT_GE(dp->buffer_sizes().receive, size_t{2u << 20});
  EXPECT_GE(dp->buffer_sizes().send, size_t{1u << 20});
  RecordProperty("capabilities", to_string(dp->capabilities()));
}

TEST(SocketDatapath, BindFailureNamesTheAddressAndErrno) {
  auto a = open(SocketAddress::loopback_v4(0));
  ASSERT_TRUE(a);
  auto b = SocketDatapath::open(a->local_address());
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error(), make_error_code(Errc::kSocketError));
  EXPECT_NE(b.message().find("Address already in use"), std::string::npos) << b.message();
  DatapathConfig zero;
  zero.batch = 0;
  EXPECT_EQ(SocketDatapath::open(SocketAddress::loopback_v4(0), zero).error(),
            make_error_code(Errc::kInvalidArgument));
}

// The same packed batch and the same explicit train, sent with GSO on and off, arrive as
// the same datagrams with the same bytes (the receiver has GRO off, so it sees each one).
TEST(SocketDatapath, GsoOnAndOffDeliverIdenticalBytes) {
  std::vector<std::vector<Copied>> results;
  for (bool gso : {true, false}) {
    DatapathConfig rc;
    rc.gro = false;
    auto rx = open(SocketAddress::loopback_v4(0), rc);
    DatapathConfig sc;
    sc.gso = gso;
    auto tx = open(SocketAddress::loopback_v4(0), sc);
    ASSERT_TRUE(rx && tx);
    if (gso && !has(tx->capabilities(), Capability::kGsoSend)) GTEST_SKIP() << "no UDP GSO";
    const auto to = target_of(*rx, false);
    std::vector<uint8_t> buf;
    auto batch = packed_batch(buf, to, 20, 1200, 500);
    auto train = pattern(10'000, 99);
    batch.push_back({to, train, 0, 1000});
    auto sent = tx->send(batch);
    ASSERT_TRUE(sent) << sent.message();
    EXPECT_EQ(*sent, batch.size());
    results.push_back(receive_some(*rx, 30));
    ASSERT_EQ(results.back().size(), 30u);
    const auto st = tx->stats();
    EXPECT_EQ(st.datagrams_sent, 30u);
    if (gso) {
      EXPECT_EQ(st.gso_super_datagrams, 2u);  // the packed run and the train
      EXPECT_EQ(st.send_syscalls, 1u);
    } else {
      EXPECT_EQ(st.gso_super_datagrams, 0u);
    }
  }
  ASSERT_EQ(results.size(), 2u);
  for (size_t i = 0; i < 30; ++i) {
    EXPECT_EQ(results[0][i].data, results[1][i].data) << "datagram " << i;
  }
  EXPECT_EQ(results[0][19].data.size(), 500u);
  const auto train = pattern(10'000, 99);
  EXPECT_EQ(results[0][20].data, std::vector<uint8_t>(train.begin(), train.begin() + 1000));
  EXPECT_EQ(results[0][29].data, std::vector<uint8_t>(train.end() - 1000, train.end()));
}

// A GSO train to a GRO socket arrives coalesced (loopback does not segment it) and the
// datapath splits it back: equal segments, then the short last one.
TEST(SocketDatapath, GroSplitsEqualRunWithShortLastSegment) {
  auto rx = open(SocketAddress::loopback_v4(0));
  auto tx = open(SocketAddress::loopback_v4(0));
  ASSERT_TRUE(rx && tx);
  if (!has(rx->capabilities(), Capability::kGroReceive)) GTEST_SKIP() << "no UDP GRO";
  if (!has(tx->capabilities(), Capability::kGsoSend)) GTEST_SKIP() << "no UDP GSO";
  auto train = pattern(5300, 7);
  OutgoingDatagram out[] = {{target_of(*rx, false), train, kEcnEct0, 1000}};
  ASSERT_TRUE(tx->send(out));
  auto got = receive_some(*rx, 6);
  ASSERT_EQ(got.size(), 6u);
  for (size_t i = 0; i < 6; ++i) {
    const size_t n = i < 5 ? 1000 : 300;
    ASSERT_EQ(got[i].data.size(), n);
    EXPECT_TRUE(std::equal(got[i].data.begin(), got[i].data.end(), train.begin() + i * 1000));
    EXPECT_EQ(got[i].ecn, kEcnEct0);
    EXPECT_TRUE(got[i].remote == tx->local_address());
  }
  EXPECT_EQ(rx->stats().gro_super_datagrams, 1u);
  EXPECT_EQ(rx->stats().datagrams_received, 6u);
  EXPECT_EQ(rx->stats().receive_syscalls, 1u);
}

void ecn_round_trip(const SocketAddress& rx_bind, const SocketAddress& tx_bind, bool to_v6) {
  auto rx = open(rx_bind);
  auto tx = open(tx_bind);
  ASSERT_TRUE(rx && tx);
  ASSERT_TRUE(has(rx->capabilities(), Capability::kEcn));
  ASSERT_TRUE(has(tx->capabilities(), Capability::kEcn));
  auto bytes = pattern(100, 1);
  const auto to = target_of(*rx, to_v6);
  OutgoingDatagram out[] = {
      {to, bytes, kEcnEct0}, {to, bytes, kEcnEct1}, {to, bytes, kEcnCe}, {to, bytes, kEcnNotEct}};
  auto sent = tx->send(out);
  ASSERT_TRUE(sent) << sent.message();
  auto got = receive_some(*rx, 4);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].ecn, kEcnEct0);
  EXPECT_EQ(got[1].ecn, kEcnEct1);
  EXPECT_EQ(got[2].ecn, kEcnCe);
  EXPECT_EQ(got[3].ecn, kEcnNotEct);

  // The reply goes to the address as received (v4-mapped on a dual-stack socket).
  OutgoingDatagram reply[] = {{got[0].remote, bytes, kEcnCe}, {got[0].remote, bytes, kEcnEct1}};
  ASSERT_TRUE(rx->send(reply));
  auto back = receive_some(*tx, 2);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].ecn, kEcnCe);
  EXPECT_EQ(back[1].ecn, kEcnEct1);
}

TEST(SocketDatapath, EcnRoundTripV4) {
  ecn_round_trip(SocketAddress::loopback_v4(0), SocketAddress::loopback_v4(0), false);
}

TEST(SocketDatapath, EcnRoundTripV6) {
  if (!ipv6_loopback_works()) GTEST_SKIP() << "no IPv6 loopback";
  ecn_round_trip(SocketAddress::loopback_v6(0), SocketAddress::loopback_v6(0), true);
}

TEST(SocketDatapath, EcnRoundTripV4PeerOfDualStackSocket) {
  if (!ipv6_loopback_works()) GTEST_SKIP() << "no IPv6 loopback";
  ecn_round_trip(parse("[::]:0"), SocketAddress::loopback_v4(0), false);
}

TEST(SocketDatapath, DualStackAcceptsV4ClientAndReplies) {
  if (!ipv6_loopback_works()) GTEST_SKIP() << "no IPv6 loopback";
  auto server = open(parse("[::]:0"));
  auto client = open(SocketAddress::loopback_v4(0));
  ASSERT_TRUE(server && client);
  auto hello = pattern(1200, 5);
  OutgoingDatagram out[] = {{target_of(*server, false), hello}};
  ASSERT_TRUE(client->send(out));
  auto got = receive_some(*server, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].data, hello);
  EXPECT_EQ(got[0].remote.family(), AF_INET6);
  EXPECT_EQ(got[0].remote.host(), "::ffff:127.0.0.1");
  EXPECT_EQ(got[0].remote.port(), client->local_address().port());
  OutgoingDatagram reply[] = {{got[0].remote, hello}};
  ASSERT_TRUE(server->send(reply));
  auto back = receive_some(*client, 1);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_TRUE(back[0].remote == target_of(*server, false));
}

TEST(SocketDatapath, PktinfoReportsDestinationAddress) {
  auto server = open(parse("0.0.0.0:0"));
  auto client = open(SocketAddress::loopback_v4(0));
  ASSERT_TRUE(server && client);
  ASSERT_TRUE(has(server->capabilities(), Capability::kPktInfo));
  auto bytes = pattern(50, 1);
  OutgoingDatagram out[] = {{target_of(*server, false), bytes}};
  ASSERT_TRUE(client->send(out));
  auto got = receive_some(*server, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].local.to_string(),
            "127.0.0.1:" + std::to_string(server->local_address().port()));

  if (!ipv6_loopback_works()) return;
  auto server6 = open(parse("[::]:0"));
  auto client6 = open(SocketAddress::loopback_v6(0));
  ASSERT_TRUE(server6 && client6);
  const auto port = std::to_string(server6->local_address().port());
  OutgoingDatagram out6[] = {{target_of(*server6, true), bytes}};
  ASSERT_TRUE(client6->send(out6));
  ASSERT_TRUE(client->send(std::span<const OutgoingDatagram>(
      std::vector<OutgoingDatagram>{{target_of(*server6, false), bytes}})));
  auto got6 = receive_some(*server6, 2);
  ASSERT_EQ(got6.size(), 2u);
  std::vector<std::string> locals{got6[0].local.to_string(), got6[1].local.to_string()};
  std::sort(locals.begin(), locals.end());
  EXPECT_EQ(locals[0], "[::1]:" + port);
  EXPECT_EQ(locals[1], "[::ffff:127.0.0.1]:" + port);
}

// A wildcard-bound server answers from a chosen local address (IP_PKTINFO on send); the
// client sees that address as the sender. 127.0.0.0/8 is all local on Linux loopback.
TEST(SocketDatapath, SourceAddressChosenPerDatagram) {
  auto server = open(parse("0.0.0.0:0"));
  auto client = open(SocketAddress::loopback_v4(0));
  ASSERT_TRUE(server && client);
  const uint16_t port = server->local_address().port();
  auto bytes = pattern(64, 1);
  std::vector<OutgoingDatagram> out(3, OutgoingDatagram{client->local_address(), bytes});
  out[0].source = parse("127.0.0.2:0");
  out[1].source = parse("127.0.0.3:0");
  out[2].source = parse("192.0.2.1:0");  // not an address of this host: dropped
  out[2].ecn = kEcnCe;
  auto sent = server->send(out);
  ASSERT_TRUE(sent) << sent.message();
  EXPECT_EQ(*sent, 3u);
  EXPECT_EQ(server->stats().send_errors, 1u);
  auto got = receive_some(*client, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].remote.to_string(), "127.0.0.2:" + std::to_string(port));
  EXPECT_EQ(got[1].remote.to_string(), "127.0.0.3:" + std::to_string(port));
  EXPECT_TRUE(has(server->capabilities(), Capability::kEcn));  // EINVAL did not turn ECN off

  if (!ipv6_loopback_works()) return;
  // Dual stack: a v4-mapped source for a v4 peer.
  auto server6 = open(parse("[::]:0"));
  ASSERT_TRUE(server6);
  OutgoingDatagram hello[] = {{target_of(*server6, false), bytes}};
  ASSERT_TRUE(client->send(hello));
  auto in = receive_some(*server6, 1);
  ASSERT_EQ(in.size(), 1u);
  OutgoingDatagram reply[] = {{in[0].remote, bytes, kEcnEct0}};
  reply[0].source = parse("[::ffff:127.0.0.4]:0");
  ASSERT_TRUE(server6->send(reply));
  auto back = receive_some(*client, 1);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].remote.host(), "127.0.0.4");
  EXPECT_EQ(back[0].ecn, kEcnEct0);
}

// Every optional feature forced off: the plain path still carries the same traffic.
TEST(SocketDatapath, EverythingForcedOffStillWorks) {
  DatapathConfig off;
  off.gso = off.gro = off.ecn = off.pktinfo = off.batch_syscalls = off.rx_overflow_count = false;
  off.pmtud = false;
  auto rx = open(parse("0.0.0.0:0"), off);
  auto tx = open(SocketAddress::loopback_v4(0), off);
  ASSERT_TRUE(rx && tx);
  EXPECT_EQ(rx->capabilities(), Capability::kNone);
  EXPECT_EQ(to_string(rx->capabilities()), "");
  std::vector<uint8_t> buf;
  auto batch = packed_batch(buf, target_of(*rx, false), 10, 1200, 100);
  auto train = pattern(3500, 8);
  batch.push_back({target_of(*rx, false), train, kEcnCe, 1000});
  auto sent = tx->send(batch);
  ASSERT_TRUE(sent) << sent.message();
  EXPECT_EQ(*sent, batch.size());
  auto got = receive_some(*rx, 14);
  ASSERT_EQ(got.size(), 14u);
  for (size_t i = 0; i < 10; ++i)
    EXPECT_TRUE(std::equal(got[i].data.begin(), got[i].data.end(), batch[i].data.begin(),
                           batch[i].data.end()));
  EXPECT_EQ(got[13].data.size(), 500u);
  for (const auto& g : got) {
    EXPECT_EQ(g.ecn, kEcnNotEct);                 // ECN off: nothing set, nothing read
    EXPECT_TRUE(g.local == rx->local_address());  // no pktinfo: the bound wildcard
  }
  EXPECT_EQ(tx->stats().send_syscalls, 14u);  // one sendmsg per datagram
  EXPECT_EQ(tx->stats().gso_super_datagrams, 0u);
}

// Only GSO forced off at run time (the endpoint's enable_gso switch).
TEST(SocketDatapath, GsoSwitchedOffAtRunTime) {
  auto rx = open(SocketAddress::loopback_v4(0));
  auto tx = open(SocketAddress::loopback_v4(0));
  ASSERT_TRUE(rx && tx);
  tx->set_gso(false);
  EXPECT_FALSE(has(tx->capabilities(), Capability::kGsoSend));
  auto train = pattern(4000, 2);
  OutgoingDatagram out[] = {{target_of(*rx, false), train, 0, 1000}};
  ASSERT_TRUE(tx->send(out));
  EXPECT_EQ(receive_some(*rx, 4).size(), 4u);
  EXPECT_EQ(tx->stats().gso_super_datagrams, 0u);
  EXPECT_EQ(tx->stats().send_syscalls, 1u);  // still one sendmmsg for the four
}

TEST(SocketDatapath, LargeBatchesTakeSeveralCalls) {
  auto rx = open(SocketAddress::loopback_v4(0));
  DatapathConfig sc;
  sc.gso = false;  // 1,000 separate messages, so the batch limit shows
  auto tx = open(SocketAddress::loopback_v4(0), sc);
  ASSERT_TRUE(rx && tx);
  std::vector<std::vector<uint8_t>> payloads;
  std::vector<OutgoingDatagram> batch;
  for (uint32_t i = 0; i < 1000; ++i) payloads.push_back(pattern(1000, i));
  for (auto& p : payloads) batch.push_back({target_of(*rx, false), p});
  auto sent = tx->send(batch);
  ASSERT_TRUE(sent);
  EXPECT_EQ(*sent, 1000u);
  EXPECT_EQ(tx->stats().send_syscalls, (1000u + 63) / 64);
  auto got = receive_some(*rx, 1000);
  ASSERT_EQ(got.size(), 1000u);
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i].data, payloads[i]) << i;
  EXPECT_GE(rx->stats().receive_syscalls, 1000u / 64);
}

// Large GSO trains into a GRO socket: many coalesced buffers per receive call, all split.
TEST(SocketDatapath, LargeTrainsThroughGsoAndGro) {
  auto rx = open(SocketAddress::loopback_v4(0));
  auto tx = open(SocketAddress::loopback_v4(0));
  ASSERT_TRUE(rx && tx);
  std::vector<std::vector<uint8_t>> trains;
  std::vector<OutgoingDatagram> batch;
  for (uint32_t i = 0; i < 20; ++i) trains.push_back(pattern(50 * 1200 - 7, i));
  for (auto& t : trains) batch.push_back({target_of(*rx, false), t, kEcnEct1, 1200});
  auto sent = tx->send(batch);
  ASSERT_TRUE(sent) << sent.message();
  EXPECT_EQ(*sent, 20u);
  EXPECT_EQ(tx->stats().datagrams_sent, 1000u);
  auto got = receive_some(*rx, 1000);
  ASSERT_EQ(got.size(), 1000u);
  std::vector<uint8_t> joined;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].data.size(), i % 50 == 49 ? 1193u : 1200u) << i;
    EXPECT_EQ(got[i].ecn, kEcnEct1);
    joined.insert(joined.end(), got[i].data.begin(), got[i].data.end());
  }
  std::vector<uint8_t> expected;
  for (auto& t : trains) expected.insert(expected.end(), t.begin(), t.end());
  EXPECT_EQ(joined, expected);
  if (has(rx->capabilities(), Capability::kGroReceive) &&
      has(tx->capabilities(), Capability::kGsoSend)) {
    EXPECT_EQ(rx->stats().gro_super_datagrams, 20u);
  }
}

// A datagram the kernel refuses by itself (too large) is dropped and counted; the rest
// of the batch goes on.
TEST(SocketDatapath, OversizedDatagramIsDroppedNotFatal) {
  auto rx = open(SocketAddress::loopback_v4(0));
  auto tx = open(SocketAddress::loopback_v4(0));
  ASSERT_TRUE(rx && tx);
  std::vector<uint8_t> huge(70'000);
  auto small = pattern(10, 1);
  OutgoingDatagram out[] = {{target_of(*rx, false), huge}, {target_of(*rx, false), small}};
  auto sent = tx->send(out);
  ASSERT_TRUE(sent) << sent.message();
  EXPECT_EQ(*sent, 2u);
  EXPECT_EQ(tx->stats().send_errors, 1u);
  auto got = receive_some(*rx, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].data, small);
}

}  // namespace

// Reaches SocketDatapath's send calls so tests can play a kernel that refuses.
class SocketDatapathTestPeer {
 public:
  static void set_calls(SocketDatapath& dp, const detail::SendCalls* calls) { dp.calls_ = calls; }
};

namespace {

bool carries_gso(const msghdr& h) {
  auto& m = const_cast<msghdr&>(h);
  for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_SEGMENT) return true;
  }
  return false;
}

// Takes `room` messages, then reports `err` (as a full socket buffer or device queue does).
class FillingKernel : public detail::SendCalls {
 public:
  FillingKernel(size_t room, int err) : room_(room), err_(err) {}
  int send_many(int fd, mmsghdr* msgs, unsigned count) const override {
    if (room_ == 0) {
      errno = err_;
      return -1;
    }
    unsigned n = static_cast<unsigned>(std::min<size_t>(count, room_));
    int rv = SendCalls::send_many(fd, msgs, n);
    if (rv > 0) room_ -= static_cast<size_t>(rv);
    return rv;
  }
  ssize_t send_one(int fd, const msghdr* msg) const override {
    if (room_ == 0) {
      errno = err_;
      return -1;
    }
    --room_;
    return SendCalls::send_one(fd, msg);
  }

 private:
  mutable size_t room_;
  int err_;
};

// Every UDP_SEGMENT send fails with `err`: EIO is a device that cannot segment (no
// checksum offload, IPsec), EINVAL a train the kernel refuses (segment above the MTU).
class NoGsoKernel : public detail::SendCalls {
 public:
  explicit NoGsoKernel(int err = EIO) : err_(err) {}
  int send_many(int fd, mmsghdr* msgs, unsigned count) const override {
    for (unsigned i = 0; i < count; ++i) {
      if (!carries_gso(msgs[i].msg_hdr)) continue;
      if (i == 0) {
        errno = err_;
        return -1;
      }
      return SendCalls::send_many(fd, msgs, i);
    }
    return SendCalls::send_many(fd, msgs, count);
  }

 private:
  int err_;
};

// A full socket buffer: send() returns how many entries it took, counts the rest, and the
// same datapath sends normally once there is room again.
TEST(SocketDatapath, FullSendBufferCountsWouldBlock) {
  for (int err : {EAGAIN, ENOBUFS}) {
    auto rx = open(SocketAddress::loopback_v4(0));
    DatapathConfig sc;
    sc.gso = false;
    auto tx = open(SocketAddress::loopback_v4(0), sc);
    ASSERT_TRUE(rx && tx);
    FillingKernel kernel(100, err);
    SocketDatapathTestPeer::set_calls(*tx, &kernel);
    auto bytes = pattern(1000, 3);
    std::vector<OutgoingDatagram> batch(200, OutgoingDatagram{target_of(*rx, false), bytes});
    auto sent = tx->send(batch);
    ASSERT_TRUE(sent) << sent.message();
    EXPECT_EQ(*sent, 100u);
    EXPECT_EQ(tx->stats().send_would_block, 100u);
    EXPECT_EQ(tx->stats().datagrams_sent, 100u);
    const detail::SendCalls real;  // room again
    SocketDatapathTestPeer::set_calls(*tx, &real);
    sent = tx->send(std::span(batch).subspan(*sent));
    ASSERT_TRUE(sent);
    EXPECT_EQ(*sent, 100u);
    EXPECT_EQ(receive_some(*rx, 200).size(), 200u);
  }
}

// The kernel refuses GSO at send time: capability off, one fallback counted, and the same
// datagrams arrive as plain sends.
TEST(SocketDatapath, GsoRefusedAtSendFallsBackToPlainDatagrams) {
  DatapathConfig rc;
  rc.gro = false;
  auto rx = open(SocketAddress::loopback_v4(0), rc);
  auto tx = open(SocketAddress::loopback_v4(0));
  ASSERT_TRUE(rx && tx);
  if (!has(tx->capabilities(), Capability::kGsoSend)) GTEST_SKIP() << "no UDP GSO";
  NoGsoKernel kernel;
  SocketDatapathTestPeer::set_calls(*tx, &kernel);
  std::vector<uint8_t> buf;
  const auto to = target_of(*rx, false);
  auto batch = packed_batch(buf, to, 10, 1200, 1200);
  auto train = pattern(3000, 4);
  batch.push_back({to, train, kEcnEct0, 1000});
  auto sent = tx->send(batch);
  ASSERT_TRUE(sent) << sent.message();
  EXPECT_EQ(*sent, batch.size());
  EXPECT_FALSE(has(tx->capabilities(), Capability::kGsoSend));
  EXPECT_EQ(tx->stats().gso_fallbacks, 1u);
  EXPECT_EQ(tx->stats().gso_super_datagrams, 0u);
  auto got = receive_some(*rx, 13);
  ASSERT_EQ(got.size(), 13u);
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_TRUE(std::equal(got[i].data.begin(), got[i].data.end(), batch[i].data.begin(),
                           batch[i].data.end()));
  }
  EXPECT_EQ(got[12].ecn, kEcnEct0);
  tx->set_gso(true);  // what the kernel refused stays off
  EXPECT_FALSE(has(tx->capabilities(), Capability::kGsoSend));
}

// A train refused with EINVAL is sent piece by piece; GSO stays on for the next one.
TEST(SocketDatapath, GsoTrainRefusedWithEinvalIsSplitNotDisabled) {
  DatapathConfig rc;
  rc.gro = false;
  auto rx = open(SocketAddress::loopback_v4(0), rc);
  auto tx = open(SocketAddress::loopback_v4(0));
  ASSERT_TRUE(rx && tx);
  if (!has(tx->capabilities(), Capability::kGsoSend)) GTEST_SKIP() << "no UDP GSO";
  NoGsoKernel kernel(EINVAL);
  SocketDatapathTestPeer::set_calls(*tx, &kernel);
  auto train = pattern(4500, 6);
  OutgoingDatagram out[] = {{target_of(*rx, false), train, 0, 1000}};
  auto sent = tx->send(out);
  ASSERT_TRUE(sent) << sent.message();
  EXPECT_EQ(*sent, 1u);
  EXPECT_TRUE(has(tx->capabilities(), Capability::kGsoSend));
  EXPECT_EQ(tx->stats().gso_fallbacks, 0u);
  EXPECT_EQ(tx->stats().send_errors, 0u);
  auto got = receive_some(*rx, 5);
  ASSERT_EQ(got.size(), 5u);
  std::vector<uint8_t> joined;
  for (auto& g : got) joined.insert(joined.end(), g.data.begin(), g.data.end());
  EXPECT_EQ(joined, train);
}

TEST(SocketDatapath, DualStackOffRefusesV4Peers) {
  if (!ipv6_loopback_works()) GTEST_SKIP() << "no IPv6 loopback";
  DatapathConfig v6only;
  v6only.dual_stack = false;
  auto server = open(parse("[::]:0"), v6only);
  auto client = open(SocketAddress::loopback_v4(0));
  ASSERT_TRUE(server && client);
  auto bytes = pattern(10, 1);
  OutgoingDatagram out[] = {{target_of(*server, false), bytes}};
  ASSERT_TRUE(client->send(out));
  EXPECT_TRUE(receive_some(*server, 1, std::chrono::milliseconds(200)).empty());
}

// A receiver that does not read: the kernel drops at its queue and SO_RXQ_OVFL counts it.
TEST(SocketDatapath, ReceiveQueueOverflowIsCounted) {
  DatapathConfig rc;
  rc.receive_buffer = 64 * 1024;
  rc.gro = false;
  auto rx = open(SocketAddress::loopback_v4(0), rc);
  auto tx = open(SocketAddress::loopback_v4(0));
  ASSERT_TRUE(rx && tx);
  if (!has(rx->capabilities(), Capability::kRxOverflowCount)) GTEST_SKIP() << "no SO_RXQ_OVFL";
  auto bytes = pattern(1200, 1);
  std::vector<OutgoingDatagram> batch(500, OutgoingDatagram{target_of(*rx, false), bytes});
  ASSERT_TRUE(tx->send(batch));
  auto got = receive_some(*rx, 0);
  EXPECT_LT(got.size(), 500u);
  EXPECT_GT(got.size(), 0u);
  // The kernel stamps its drop count on each datagram it queues, so the drops show on the
  // first datagram queued after them.
  OutgoingDatagram one[] = {{target_of(*rx, false), bytes}};
  ASSERT_TRUE(tx->send(one));
  ASSERT_EQ(receive_some(*rx, 1).size(), 1u);
  EXPECT_EQ(rx->stats().receive_overflow, 500u - got.size());
}

}  // namespace
}  // namespace stoq::io

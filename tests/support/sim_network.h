// A simulated network for whole endpoints: N stoq::Endpoints (servers, clients, workers)
// on simulated hosts, joined by netsim::Links, all driven from one thread in virtual time.
// Nothing touches a socket or sleeps; a test of seconds of protocol time runs in
// milliseconds.
//
//   SimNetwork net(/*seed=*/7);
//   auto server = net.endpoint("192.0.2.1", server_config);   // detail::create_endpoint
//   ... server->listen(SimNetwork::address("192.0.2.1", 443));
//   auto client = net.endpoint("192.0.2.2", client_config);
//   auto conn = client->connect(SimNetwork::address("192.0.2.1", 443), "localhost");
//   ASSERT_TRUE(net.run_until([&] { return conn->is_established(); }, 5s));
//
// Hosts are named by IPv4 address (use the documentation ranges, 192.0.2.0/24 and
// 198.51.100.0/24: nothing here reaches a kernel). A datapath bound to a wildcard address
// gets its host's address; port 0 gets the next free port of the host (from 40000). Several
// datapaths bound to one address with reuse_port form a group: a datagram goes to the member
// chosen by a hash of its source, as the kernel's SO_REUSEPORT does.
//
// Each direction between two hosts is one netsim::Link (default: 1 ms delay, no loss),
// seeded from the network's seed and the pair, and ngtcp2's random protocol decisions come
// from generators seeded the same way, so the same seed and the same test give the same
// deliveries at the same virtual times: timing_digest() hashes every delivery's time and
// addresses, trace_digest() its size too. OpenSSL's random generator is not seeded: key
// material and a few TLS fields (e.g. a ticket's age_add, whose DER length varies) differ
// between runs, so packet contents and the odd TLS packet's size do; timing, order, loss
// and every protocol decision do not. STOQ_SIM_TRACE=1 prints every delivery on stderr.
//
// Endpoint::run_one on a simulated endpoint advances the whole network by at most its
// timeout of virtual time, so helpers written for real endpoints (pump_until) work too.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/environment.h"
#include "netsim/link.h"
#include "stoq/endpoint.h"

namespace stoq::testing {

class SimNetwork {
 public:
  explicit SimNetwork(uint64_t seed = 1, netsim::LinkConfig default_link = default_link_config());
  ~SimNetwork();
  SimNetwork(const SimNetwork&) = delete;
  SimNetwork& operator=(const SimNetwork&) = delete;

  static netsim::LinkConfig default_link_config();  // 1 ms one way, nothing else
  static SocketAddress address(const std::string& ip, uint16_t port);

  // The environment of an endpoint on host `ip`.
  detail::EndpointEnvironment environment(const std::string& ip);
  // An endpoint on host `ip` (context: a shared test Context).
  Result<Endpoint> endpoint(const std::string& ip, EndpointConfig config,
                            std::shared_ptr<Context> ctx);

  // The path from host `from` to host `to` (one direction). Packets already in flight keep
  // their delivery times.
  void set_link(const std::string& from, const std::string& to, const netsim::LinkConfig& c);
  // Datagrams from `from` to `to` (one direction) are dropped while on.
  void set_blocked(const std::string& from, const std::string& to, bool blocked);

  // Virtual time since the network was created.
  std::chrono::nanoseconds now() const;
  // Runs every endpoint until `done()` holds (true) or `limit` of virtual time passed
  // (false). When nothing is left to happen (no timer, no packet in flight) time passes
  // idle to the limit.
  bool run_until(const std::function<bool()>& done, std::chrono::nanoseconds limit);
  void run_for(std::chrono::nanoseconds d);

  // Hash of every delivery so far, in order: (virtual time, source, destination) and
  // (the same, size).
  uint64_t timing_digest() const;
  uint64_t trace_digest() const;
  uint64_t delivered() const;
  uint64_t dropped() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace stoq::testing

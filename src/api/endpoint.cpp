#include "stoq/endpoint.h"

#include "api/endpoint_impl.h"
#include "api/endpoint_keys.h"
#include "core/secure_zero.h"

namespace stoq {

Endpoint::Endpoint(std::vector<std::unique_ptr<detail::EndpointImpl>> workers) noexcept
    : workers_(std::move(workers)) {}
Endpoint::Endpoint(Endpoint&&) noexcept = default;
Endpoint& Endpoint::operator=(Endpoint&&) noexcept = default;

Endpoint::~Endpoint() {
  // Workers post datagrams to each other: stop every thread before any worker goes away.
  if (workers_.empty()) return;
  stop();
  join();
}

Result<Endpoint> Endpoint::create(std::shared_ptr<Context> ctx, EndpointConfig config) {
  return detail::create_endpoint(std::move(ctx), std::move(config),
                                 detail::EndpointEnvironment::system());
}

Result<Endpoint> detail::create_endpoint(std::shared_ptr<Context> ctx, EndpointConfig config,
                                         const EndpointEnvironment& env) {
  if (!ctx) return {Errc::kInvalidArgument, "no Context"};
  if (!env.open_datapath || !env.clock || !env.make_loop) {
    return {Errc::kInvalidArgument, "incomplete endpoint environment"};
  }
  if (config.transport.session_tickets > TransportConfig::kMaxSessionTickets) {
    return {Errc::kInvalidArgument, "TransportConfig::session_tickets must be 0..16"};
  }
  if (config.workers == 0 || config.workers > 256) {
    return {Errc::kInvalidArgument, "EndpointConfig::workers must be 1..256 (one CID byte)"};
  }
  // Every key is drawn here, where a failure can be returned; a wrong-length static key is
  // refused. Workers share one endpoint key, so that any of them can check another's tokens
  // and resets; each has its own connection-ID hash key.
  auto first = detail::endpoint_keys(config.static_key);
  if (!first) return {first.error(), first.reason()};
  // The workers keep the key in EndpointKeys (wiped when they go); not in their config.
  detail::secure_zero(config.static_key.data(), config.static_key.size());
  config.static_key.clear();
  std::vector<std::unique_ptr<detail::EndpointImpl>> workers;
  const auto shared = detail::EndpointShared::make(*ctx, config.messaging);
  for (unsigned i = 0; i < config.workers; ++i) {
    auto keys = i == 0 ? first : detail::endpoint_keys(first->key);
    if (!keys) return {keys.error(), keys.reason()};
    auto loop = env.make_loop();
    if (!loop) return {loop.error(), loop.reason()};
    workers.push_back(std::make_unique<detail::EndpointImpl>(ctx, config, std::move(loop).value(),
                                                             shared, *keys, env));
  }
  if (workers.size() > 1) {
    auto group = std::make_shared<detail::WorkerGroup>();
    for (auto& w : workers) group->workers.push_back(w.get());
    for (size_t i = 0; i < workers.size(); ++i) workers[i]->set_worker(group, static_cast<int>(i));
  }
  return Endpoint(std::move(workers));
}

Status Endpoint::listen(const SocketAddress& addr) {
  if (workers_.size() == 1) return workers_[0]->listen(addr);
  // The first worker resolves port 0; the others bind the same address.
  if (auto st = workers_[0]->listen(addr, /*reuse_port=*/true); !st) return st;
  const SocketAddress bound = workers_[0]->local_address();
  for (size_t i = 1; i < workers_.size(); ++i) {
    workers_[i]->share_server_tls(workers_[0]->server_tls());
    if (auto st = workers_[i]->listen(bound, true); !st) return st;
  }
  return ok_status();
}

void Endpoint::on_connection(std::function<void(Connection)> cb) {
  for (auto& w : workers_) w->on_connection = cb;
}

Result<Connection> Endpoint::connect(const SocketAddress& addr, std::string server_name) {
  ConnectOptions o;
  o.server_name = std::move(server_name);
  return workers_[0]->connect(addr, o);
}

Result<Connection> Endpoint::connect(const SocketAddress& addr, const ConnectOptions& options) {
  return workers_[0]->connect(addr, options);
}

Status Endpoint::migrate(bool new_cid) {
  return workers_[0]->migrate(new_cid);
}

SocketAddress Endpoint::local_address() const {
  return workers_[0]->local_address();
}

size_t Endpoint::connection_count() const {
  size_t n = 0;
  for (const auto& w : workers_) n += w->connection_count();
  return n;
}

std::vector<size_t> Endpoint::worker_connection_counts() const {
  std::vector<size_t> out;
  for (const auto& w : workers_) out.push_back(w->connection_count());
  return out;
}

MessageMemoryStats Endpoint::message_memory() const {
  const auto& m = *workers_[0]->shared().message_memory;
  return {m.in_use(), m.refusals(), m.sources()};
}

uint64_t Endpoint::forwarded_datagrams() const {
  uint64_t n = 0;
  for (const auto& w : workers_) n += w->forwarded_datagrams();
  return n;
}

uint64_t Endpoint::forwarded_datagrams_dropped() const {
  uint64_t n = 0;
  for (const auto& w : workers_) n += w->forward_drops();
  return n;
}

size_t Endpoint::run_one(std::chrono::milliseconds timeout) {
  return workers_[0]->loop().run_one(timeout);
}

void Endpoint::run() {
  for (size_t i = 1; i < workers_.size(); ++i) {
    auto* w = workers_[i].get();
    if (!w->thread) w->thread.emplace([w] { w->loop().run(); });
  }
  workers_[0]->loop().run();
}

Status Endpoint::start() {
  for (auto& w : workers_) {
    if (w->thread) return {Errc::kInvalidArgument, "the endpoint's thread is already running"};
  }
  for (auto& w : workers_) {
    auto* raw = w.get();
    raw->thread.emplace([raw] { raw->loop().run(); });
  }
  return ok_status();
}

void Endpoint::join() {
  for (auto& w : workers_) {
    if (w->thread && w->thread->joinable()) w->thread->join();
    w->thread.reset();
  }
}

void Endpoint::stop() {
  for (auto& w : workers_) w->loop().stop();
}

void Endpoint::post(std::function<void()> fn) {
  workers_[0]->loop().post(std::move(fn));
}

}  // namespace stoq

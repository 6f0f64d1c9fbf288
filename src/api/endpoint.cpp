#include "stoq/endpoint.h"

#include "api/endpoint_impl.h"

namespace stoq {

Endpoint::Endpoint(std::unique_ptr<detail::EndpointImpl> impl) noexcept : impl_(std::move(impl)) {}
Endpoint::Endpoint(Endpoint&&) noexcept = default;
Endpoint& Endpoint::operator=(Endpoint&&) noexcept = default;
Endpoint::~Endpoint() = default;

Result<Endpoint> Endpoint::create(std::shared_ptr<Context> ctx, EndpointConfig config) {
  if (!ctx) return {Errc::kInvalidArgument, "no Context"};
  if (!config.static_key.empty() && config.static_key.size() != 32) {
    return {Errc::kInvalidArgument, "EndpointConfig::static_key must be 32 bytes (or empty)"};
  }
  auto loop = io::EventLoop::create();
  if (!loop) return {loop.error(), loop.reason()};
  return Endpoint(std::make_unique<detail::EndpointImpl>(std::move(ctx), std::move(config),
                                                         std::move(loop).value()));
}

Status Endpoint::listen(const SocketAddress& addr) {
  return impl_->listen(addr);
}

void Endpoint::on_connection(std::function<void(Connection)> cb) {
  impl_->on_connection = std::move(cb);
}

Result<Connection> Endpoint::connect(const SocketAddress& addr, std::string server_name) {
  ConnectOptions o;
  o.server_name = std::move(server_name);
  return impl_->connect(addr, o);
}

Result<Connection> Endpoint::connect(const SocketAddress& addr, const ConnectOptions& options) {
  return impl_->connect(addr, options);
}

Status Endpoint::migrate(bool new_cid) {
  return impl_->migrate(new_cid);
}

SocketAddress Endpoint::local_address() const {
  return impl_->local_address();
}
size_t Endpoint::connection_count() const {
  return impl_->connection_count();
}
size_t Endpoint::run_one(std::chrono::milliseconds timeout) {
  return impl_->loop().run_one(timeout);
}
void Endpoint::run() {
  impl_->loop().run();
}

Status Endpoint::start() {
  if (impl_->thread) return {Errc::kInvalidArgument, "the endpoint's thread is already running"};
  impl_->thread.emplace([impl = impl_.get()] { impl->loop().run(); });
  return ok_status();
}

void Endpoint::join() {
  if (impl_->thread && impl_->thread->joinable()) impl_->thread->join();
  impl_->thread.reset();
}

void Endpoint::stop() {
  impl_->loop().stop();
}
void Endpoint::post(std::function<void()> fn) {
  impl_->loop().post(std::move(fn));
}

}  // namespace stoq

#include "sim_network.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <unordered_map>

namespace stoq::testing {
namespace {

// Wall time of virtual time zero: 2026-06-01T00:00:00Z, so TOKEN timestamps look real.
constexpr uint64_t kWallEpochMs = 1'780'272'000'000;
constexpr size_t kInboxCapacity = 4096;
constexpr size_t kBatch = 64;

uint64_t fnv(uint64_t h, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}
uint64_t fnv(uint64_t h, const std::string& s) {
  return fnv(h, s.data(), s.size());
}
constexpr uint64_t kFnvBasis = 1469598103934665603ull;

class SimClock final : public io::Clock {
 public:
  uint64_t monotonic_ns() const noexcept override { return now.load(std::memory_order_relaxed); }
  uint64_t wall_ms() const noexcept override { return kWallEpochMs + monotonic_ns() / 1'000'000; }
  // Starts at 1 s: zero means "now" to some deadline users.
  std::atomic<uint64_t> now{1'000'000'000};
};

}  // namespace

class SimLoop;
class SimDatapath;

class SimNetwork::Impl {
 public:
  struct Path {
    netsim::Link link;
    bool blocked = false;
  };
  struct InFlight {
    SocketAddress from;
    SocketAddress to;
    uint8_t ecn = 0;
  };

  Impl(uint64_t seed, netsim::LinkConfig default_link)
      : seed_(seed), default_link_(default_link), clock_(std::make_shared<SimClock>()) {}

  uint64_t now() const { return clock_->monotonic_ns(); }
  uint64_t next_rng_seed(const std::string& ip) {
    return fnv(fnv(kFnvBasis, &seed_, sizeof(seed_)), ip) + environments_++;
  }
  void set_now(uint64_t t) { clock_->now.store(t, std::memory_order_relaxed); }
  std::shared_ptr<const io::Clock> clock() const { return clock_; }

  Path& path(const std::string& from, const std::string& to) {
    auto& p = paths_[{from, to}];
    if (!p) {
      netsim::LinkConfig c = default_link_;
      c.seed = seed_ * 1000003u + fnv(fnv(kFnvBasis, from), ">" + to);
      p = std::make_unique<Path>(Path{netsim::Link(c, netsim::Timestamp(now())), false});
    }
    return *p;
  }

  Result<std::unique_ptr<io::Datapath>> open(const std::string& host, const SocketAddress& addr,
                                             const io::DatapathConfig& config);
  void bind(SimDatapath* d);
  void unbind(SimDatapath* d);
  void add_loop(SimLoop* l) { loops_.push_back(l); }
  void remove_loop(SimLoop* l) { std::erase(loops_, l); }
  bool readable(int token) const;

  void transmit(const SocketAddress& from, const SocketAddress& to, std::span<const uint8_t> bytes,
                uint8_t ecn) {
    Path& p = path(from.host(), to.host());
    if (p.blocked) {
      ++dropped_;
      return;
    }
    const uint64_t tag = next_tag_++;
    netsim::Packet packet{std::vector<uint8_t>(bytes.begin(), bytes.end()), tag};
    if (p.link.send(netsim::Timestamp(now()), std::move(packet)) != netsim::Fate::kScheduled) {
      ++dropped_;
      return;
    }
    inflight_.emplace(tag, InFlight{from, to, ecn});
  }

  void deliver_due();
  size_t dispatch_all();
  std::optional<uint64_t> next_event() const;

  size_t run_one(uint64_t timeout_ns) {
    deliver_due();
    if (size_t n = dispatch_all()) return n;
    const auto next = next_event();
    const uint64_t until = now() + timeout_ns;
    set_now(next && *next < until ? std::max(*next, now()) : until);
    deliver_due();
    return dispatch_all();
  }

  bool run_until(const std::function<bool()>& done, uint64_t limit_ns) {
    const uint64_t end = now() + limit_ns;
    while (!done()) {
      deliver_due();
      if (dispatch_all() > 0) continue;
      const auto next = next_event();
      if (!next || *next > end) {  // nothing happens before the end: time passes idle
        set_now(end);
        return done();
      }
      set_now(std::max(*next, now()));
    }
    return true;
  }

  uint64_t digest_ = kFnvBasis;
  uint64_t timing_digest_ = kFnvBasis;
  uint64_t delivered_ = 0;
  uint64_t dropped_ = 0;

 private:
  uint64_t seed_;
  netsim::LinkConfig default_link_;
  std::shared_ptr<SimClock> clock_;
  std::vector<SimLoop*> loops_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<Path>> paths_;
  std::map<std::string, std::vector<SimDatapath*>> bound_;  // "ip:port" -> reuse_port group
  std::map<int, SimDatapath*> by_token_;
  std::map<std::string, uint16_t> next_port_;
  std::unordered_map<uint64_t, InFlight> inflight_;
  uint64_t next_tag_ = 1;
  int next_token_ = 1 << 20;
  uint64_t environments_ = 0;
  // STOQ_SIM_TRACE=1: every delivery on stderr (debugging a simulation).
  bool trace_ = std::getenv("STOQ_SIM_TRACE") != nullptr;

  friend class SimDatapath;
};

class SimDatapath final : public io::Datapath {
 public:
  SimDatapath(SimNetwork::Impl& net, SocketAddress local, int token, bool reuse_port)
      : net_(net), local_(local), token_(token), reuse_port_(reuse_port) {}
  ~SimDatapath() override { net_.unbind(this); }

  int fd() const noexcept override { return token_; }
  const SocketAddress& local_address() const noexcept override { return local_; }
  io::Capability capabilities() const noexcept override {
    return io::Capability::kEcn | io::Capability::kPktInfo;
  }
  io::DatapathStats stats() const noexcept override { return stats_; }
  io::SocketBufferSizes buffer_sizes() const noexcept override { return {}; }
  size_t send_batch() const noexcept override { return kBatch; }
  bool receive_drained() const noexcept override { return inbox_.empty(); }
  bool reuse_port() const { return reuse_port_; }

  Result<std::span<const io::ReceivedDatagram>> receive() override {
    held_.clear();
    rx_.clear();
    while (!inbox_.empty() && held_.size() < kBatch) {
      held_.push_back(std::move(inbox_.front()));
      inbox_.pop_front();
    }
    for (const auto& p : held_) {
      rx_.push_back({p.from, local_, p.bytes, p.ecn});
      ++stats_.datagrams_received;
      stats_.bytes_received += p.bytes.size();
    }
    ++stats_.receive_syscalls;
    return std::span<const io::ReceivedDatagram>(rx_);
  }

  Result<size_t> send(std::span<const io::OutgoingDatagram> batch) override {
    ++stats_.send_syscalls;
    for (const auto& d : batch) {
      const size_t seg = d.segment_size == 0 ? std::max<size_t>(d.data.size(), 1) : d.segment_size;
      size_t off = 0;
      do {
        const auto piece = d.data.subspan(off, std::min(seg, d.data.size() - off));
        net_.transmit(local_, d.remote, piece, d.ecn);
        ++stats_.datagrams_sent;
        stats_.bytes_sent += piece.size();
        off += piece.size();
      } while (off < d.data.size());
    }
    return batch.size();
  }

  void enqueue(const SocketAddress& from, std::vector<uint8_t> bytes, uint8_t ecn) {
    if (inbox_.size() >= kInboxCapacity) {
      ++stats_.receive_overflow;
      return;
    }
    inbox_.push_back({from, std::move(bytes), ecn});
  }

 private:
  struct Packet {
    SocketAddress from;
    std::vector<uint8_t> bytes;
    uint8_t ecn = 0;
  };
  SimNetwork::Impl& net_;
  SocketAddress local_;
  int token_;
  bool reuse_port_;
  std::deque<Packet> inbox_;
  std::vector<Packet> held_;
  std::vector<io::ReceivedDatagram> rx_;
  io::DatapathStats stats_;
};

class SimLoop final : public io::Loop {
 public:
  explicit SimLoop(SimNetwork::Impl& net) : net_(net) { net_.add_loop(this); }
  ~SimLoop() override { net_.remove_loop(this); }

  Status add(int fd, std::function<void()> on_readable) override {
    handlers_[fd] = std::move(on_readable);
    return ok_status();
  }
  void remove(int fd) override { handlers_.erase(fd); }
  void set_timer(uint64_t deadline_ns) override { deadline_ = deadline_ns; }
  void set_timer_callback(std::function<void()> cb) override { on_timer_ = std::move(cb); }
  void set_idle_callback(std::function<void()> cb) override { on_idle_ = std::move(cb); }
  void post(std::function<void()> fn) override {
    std::lock_guard lock(mu_);
    posted_.push_back(std::move(fn));
  }
  // Advances the whole network by at most `timeout` of virtual time.
  size_t run_one(std::chrono::milliseconds timeout) override {
    return net_.run_one(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count()));
  }
  // In a simulation the network is driven by SimNetwork::run_until; run() only serves
  // what is pending and returns when nothing is left to happen or stop() was called.
  void run() override {
    while (!stopped() && net_.run_until([this] { return stopped(); }, 60'000'000'000ull)) {
    }
  }
  void stop() override {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  bool stopped() const noexcept override {
    std::lock_guard lock(mu_);
    return stop_;
  }

  // Runs what is due once; the number of things that ran.
  size_t dispatch(uint64_t now) {
    size_t ran = 0;
    std::vector<std::function<void()>> posted;
    {
      std::lock_guard lock(mu_);
      posted.swap(posted_);
    }
    for (auto& fn : posted) {
      fn();
      ++ran;
    }
    std::vector<int> ready;
    for (const auto& [fd, cb] : handlers_)
      if (net_.readable(fd)) ready.push_back(fd);
    for (int fd : ready) {
      auto it = handlers_.find(fd);
      if (it == handlers_.end()) continue;
      auto cb = it->second;  // the handler may remove itself
      cb();
      ++ran;
    }
    if (deadline_ <= now && on_timer_) {
      deadline_ = UINT64_MAX;
      on_timer_();
      ++ran;
    }
    if (ran > 0 && on_idle_) on_idle_();
    return ran;
  }
  std::optional<uint64_t> next_event(uint64_t now) const {
    {
      std::lock_guard lock(mu_);
      if (!posted_.empty()) return now;
    }
    for (const auto& [fd, cb] : handlers_)
      if (net_.readable(fd)) return now;
    if (deadline_ != UINT64_MAX && on_timer_) return std::max(deadline_, now);
    return std::nullopt;
  }

 private:
  SimNetwork::Impl& net_;
  std::map<int, std::function<void()>> handlers_;
  uint64_t deadline_ = UINT64_MAX;
  std::function<void()> on_timer_;
  std::function<void()> on_idle_;
  mutable std::mutex mu_;
  std::vector<std::function<void()>> posted_;
  bool stop_ = false;
};

// ---------------------------------------------------------------------------- Impl

Result<std::unique_ptr<io::Datapath>> SimNetwork::Impl::open(const std::string& host,
                                                             const SocketAddress& addr,
                                                             const io::DatapathConfig& config) {
  const std::string ip = addr.is_any() || addr.host().starts_with("127.") ? host : addr.host();
  uint16_t port = addr.port();
  if (port == 0) {
    uint16_t& next = next_port_.try_emplace(ip, 40000).first->second;
    while (bound_.count(ip + ":" + std::to_string(next))) ++next;
    port = next++;
  }
  auto local = SocketAddress::parse(ip + ":" + std::to_string(port));
  if (!local) return {local.error(), local.reason()};
  auto& group = bound_[local->to_string()];
  if (!group.empty() && (!config.reuse_port || !group.front()->reuse_port()))
    return {Errc::kSocketError, "simulated address in use: " + local->to_string()};
  auto d = std::make_unique<SimDatapath>(*this, *local, next_token_++, config.reuse_port);
  group.push_back(d.get());
  by_token_[d->fd()] = d.get();
  return std::unique_ptr<io::Datapath>(std::move(d));
}

void SimNetwork::Impl::unbind(SimDatapath* d) {
  by_token_.erase(d->fd());
  auto it = bound_.find(d->local_address().to_string());
  if (it == bound_.end()) return;
  std::erase(it->second, d);
  if (it->second.empty()) bound_.erase(it);
}

bool SimNetwork::Impl::readable(int token) const {
  auto it = by_token_.find(token);
  return it != by_token_.end() && !it->second->receive_drained();
}

void SimNetwork::Impl::deliver_due() {
  for (auto& [key, p] : paths_) {
    netsim::Delivery d;
    while (p->link.poll_one(netsim::Timestamp(now()), d)) {
      auto node = inflight_.extract(d.packet.tag);
      if (!node) continue;
      const InFlight& f = node.mapped();
      const std::string from = f.from.to_string(), to = f.to.to_string();
      const uint64_t at = static_cast<uint64_t>(d.at.count());
      timing_digest_ = fnv(fnv(fnv(timing_digest_, &at, sizeof(at)), from), to);
      const uint64_t size = d.packet.data.size();
      digest_ = fnv(fnv(fnv(fnv(digest_, &at, sizeof(at)), from), to), &size, sizeof(size));
      if (trace_) {
        std::fprintf(stderr, "sim %llu.%06llu ms %s -> %s %llu bytes\n",
                     static_cast<unsigned long long>(at / 1'000'000),
                     static_cast<unsigned long long>(at % 1'000'000), from.c_str(), to.c_str(),
                     static_cast<unsigned long long>(size));
      }
      auto it = bound_.find(to);
      if (it == bound_.end() || it->second.empty()) {
        ++dropped_;  // nobody bound there (a real host would send ICMP; QUIC ignores it)
        continue;
      }
      SimDatapath* dest = it->second[fnv(kFnvBasis, from) % it->second.size()];
      dest->enqueue(f.from, std::move(d.packet.data), f.ecn);
      ++delivered_;
    }
  }
}

size_t SimNetwork::Impl::dispatch_all() {
  size_t ran = 0;
  const std::vector<SimLoop*> loops = loops_;
  for (SimLoop* l : loops) {
    if (std::find(loops_.begin(), loops_.end(), l) == loops_.end()) continue;
    ran += l->dispatch(now());
  }
  return ran;
}

std::optional<uint64_t> SimNetwork::Impl::next_event() const {
  std::optional<uint64_t> next;
  auto take = [&](std::optional<uint64_t> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  for (const SimLoop* l : loops_) take(l->next_event(now()));
  for (const auto& [key, p] : paths_) {
    if (auto d = p->link.next_deadline()) take(static_cast<uint64_t>(d->count()));
  }
  return next;
}

// ---------------------------------------------------------------------------- SimNetwork

SimNetwork::SimNetwork(uint64_t seed, netsim::LinkConfig default_link)
    : impl_(std::make_unique<Impl>(seed, default_link)) {}

SimNetwork::~SimNetwork() = default;

netsim::LinkConfig SimNetwork::default_link_config() {
  netsim::LinkConfig c;
  c.delay = std::chrono::milliseconds(1);
  return c;
}

SocketAddress SimNetwork::address(const std::string& ip, uint16_t port) {
  auto a = SocketAddress::parse(ip + ":" + std::to_string(port));
  return a ? *a : SocketAddress{};
}

detail::EndpointEnvironment SimNetwork::environment(const std::string& ip) {
  detail::EndpointEnvironment env;
  Impl* impl = impl_.get();
  env.open_datapath = [impl, ip](const SocketAddress& addr, const io::DatapathConfig& config) {
    return impl->open(ip, addr, config);
  };
  env.clock = impl->clock();
  env.make_loop = [impl]() -> Result<std::unique_ptr<io::Loop>> {
    return std::unique_ptr<io::Loop>(std::make_unique<SimLoop>(*impl));
  };
  // ngtcp2's protocol decisions from a generator seeded by the network's seed, the host
  // and how many environments were made before: the same test makes the same decisions.
  auto rng = std::make_shared<std::mt19937_64>(impl->next_rng_seed(ip));
  env.protocol_random = [rng](uint8_t* out, size_t len) {
    for (size_t i = 0; i < len; ++i) out[i] = static_cast<uint8_t>((*rng)() >> 56);
  };
  return env;
}

Result<Endpoint> SimNetwork::endpoint(const std::string& ip, EndpointConfig config,
                                      std::shared_ptr<Context> ctx) {
  return detail::create_endpoint(std::move(ctx), std::move(config), environment(ip));
}

void SimNetwork::set_link(const std::string& from, const std::string& to,
                          const netsim::LinkConfig& c) {
  Impl::Path& p = impl_->path(from, to);
  netsim::LinkConfig cfg = c;
  if (cfg.seed == 0) cfg.seed = p.link.config().seed;
  p.link.set_config(cfg, netsim::Timestamp(impl_->now()));
}

void SimNetwork::set_blocked(const std::string& from, const std::string& to, bool blocked) {
  impl_->path(from, to).blocked = blocked;
}

std::chrono::nanoseconds SimNetwork::now() const {
  return std::chrono::nanoseconds(impl_->now() - 1'000'000'000);
}

bool SimNetwork::run_until(const std::function<bool()>& done, std::chrono::nanoseconds limit) {
  return impl_->run_until(done, static_cast<uint64_t>(limit.count()));
}

void SimNetwork::run_for(std::chrono::nanoseconds d) {
  (void)impl_->run_until([] { return false; }, static_cast<uint64_t>(d.count()));
}

uint64_t SimNetwork::trace_digest() const {
  return impl_->digest_;
}
uint64_t SimNetwork::timing_digest() const {
  return impl_->timing_digest_;
}
uint64_t SimNetwork::delivered() const {
  return impl_->delivered_;
}
uint64_t SimNetwork::dropped() const {
  return impl_->dropped_;
}

}  // namespace stoq::testing

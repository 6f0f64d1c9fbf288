#include "netsim/relay.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "io/datagram_socket.h"
#include "netsim/config_parser.h"
#include "netsim/control_auth.h"
#include "netsim/control_protocol.h"

namespace stoq::netsim {

using io::DatagramSocket;

namespace {

// epoll tokens; client mappings use their id, which starts above these.
constexpr std::uint64_t kWakeToken = 0;
constexpr std::uint64_t kListenToken = 1;
constexpr std::uint64_t kControlToken = 2;
constexpr std::uint64_t kFirstMappingId = 16;

// Datagrams read from one socket per loop turn, so one busy socket cannot starve others
// (epoll is level-triggered: the rest is read on the next turn).
constexpr int kReadBudget = 64;
constexpr int kMaxEvents = 64;
constexpr Duration kExpiryInterval = std::chrono::milliseconds(100);
constexpr Duration kThreadPollInterval = std::chrono::milliseconds(100);
// Large buffers absorb bursts the relay releases at once (e.g. after a blackhole); the
// kernel clamps them to net.core.{r,w}mem_max.
constexpr std::size_t kSocketBufferBytes = 4 * 1024 * 1024;

// Errc::kSocketError naming `call` and the current errno.
Error socket_error(const std::string& call) {
  const int err = errno;
  return make_error(Errc::kSocketError, call + ": " + std::strerror(err));
}

// io's socket errors (kSocketError in STOQ's category, the call and errno in the reason)
// in netsim's category, as the relay's callers and control replies expect.
template <typename T>
Error socket_error(const Result<T>& failed) {
  return make_error(Errc::kSocketError, failed.reason());
}

Timestamp clock_now() {
  return std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch());
}

Status epoll_add(int epfd, int fd, std::uint64_t token) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = token;
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) return socket_error("epoll_ctl(ADD)");
  return {};
}

std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

nlohmann::json error_reply(const Error& e) {
  return nlohmann::json{{"ok", false}, {"error", e.message}, {"code", e.code.value()}};
}

bool is_socket(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

// Makes room for the control socket at `path`: only a socket (left by an earlier run) is
// removed; a file of any other kind is someone's data and stays.
Status clear_unix_path(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    return socket_error("lstat(" + path + ")");
  }
  if (!S_ISSOCK(st.st_mode)) {
    return make_error(Errc::kInvalidAddress,
                      "control path " + path + " exists and is not a socket; not removing it");
  }
  if (::unlink(path.c_str()) != 0) return socket_error("unlink(" + path + ")");
  return {};
}

}  // namespace

struct Relay::Mapping {
  std::uint64_t id = 0;
  SocketAddress client;
  DatagramSocket upstream;
  SocketAddress upstream_local;
  Timestamp last_active{0};
  std::uint64_t packets_up = 0;
  std::uint64_t packets_down = 0;
};

struct Relay::State {
  RelayOptions options;
  int epoll_fd = -1;
  int wake_fd = -1;
  DatagramSocket listen;
  DatagramSocket control;
  SocketAddress listen_address;
  SocketAddress control_address;
  std::string control_secret;
  std::string control_unix_path;  // to unlink on destruction

  mutable std::mutex mutex;  // guards everything below
  Link up;
  Link down;
  std::unordered_map<SocketAddress, std::uint64_t> by_client;
  std::unordered_map<std::uint64_t, Mapping> by_id;
  std::uint64_t next_id = kFirstMappingId;
  RelayCounters counters;
  Timestamp next_expiry_check{0};
  std::optional<Error> thread_error;
  std::array<std::uint8_t, 65536> buffer{};

  ~State() {
    if (epoll_fd >= 0) ::close(epoll_fd);
    if (wake_fd >= 0) ::close(wake_fd);
    control.close();
    // Only if it is still a socket: the path may have been replaced meanwhile.
    if (!control_unix_path.empty() && is_socket(control_unix_path)) {
      ::unlink(control_unix_path.c_str());
    }
  }

  Link& link(Direction d) { return d == Direction::kUp ? up : down; }

  // ---- all members below require `mutex` held ----

  Expected<std::uint64_t> open_mapping(const SocketAddress& client, Timestamp now) {
    if (by_id.size() >= options.max_clients) {
      ++counters.clients_rejected;
      return make_error(Errc::kUnknownClient, "client limit reached");
    }
    auto sock = DatagramSocket::connect(options.upstream, kSocketBufferBytes);
    if (!sock) {
      ++counters.clients_rejected;  // e.g. out of file descriptors
      return socket_error(sock);
    }
    const std::uint64_t id = next_id++;
    if (Status s = epoll_add(epoll_fd, sock->fd(), id); !s) {
      ++counters.clients_rejected;
      return s.error();
    }
    Mapping m;
    m.id = id;
    m.client = client;
    auto local = sock->local_address();
    if (local) m.upstream_local = *local;
    m.upstream = std::move(sock).value();
    m.last_active = now;
    by_client.emplace(client, id);
    by_id.emplace(id, std::move(m));
    ++counters.clients_created;
    return id;
  }

  void close_mapping(std::uint64_t id) {
    auto it = by_id.find(id);
    if (it == by_id.end()) return;
    (void)epoll_ctl(epoll_fd, EPOLL_CTL_DEL, it->second.upstream.fd(), nullptr);
    by_client.erase(it->second.client);
    by_id.erase(it);
  }

  Status rebind(Mapping& m) {
    auto sock = DatagramSocket::connect(options.upstream, kSocketBufferBytes);
    if (!sock) return socket_error(sock);
    if (Status s = epoll_add(epoll_fd, sock->fd(), m.id); !s) return s;
    (void)epoll_ctl(epoll_fd, EPOLL_CTL_DEL, m.upstream.fd(), nullptr);
    auto local = sock->local_address();
    m.upstream_local = local ? *local : SocketAddress();
    m.upstream = std::move(sock).value();  // closes the old socket
    ++counters.rebinds;
    return {};
  }

  void read_clients(Timestamp now) {
    for (int i = 0; i < kReadBudget; ++i) {
      SocketAddress from;
      const ssize_t n = listen.receive(buffer, &from);
      if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) ++counters.receive_errors;
        return;
      }
      std::uint64_t id = 0;
      if (auto it = by_client.find(from); it != by_client.end()) {
        id = it->second;
      } else {
        auto opened = open_mapping(from, now);
        if (!opened) continue;
        id = *opened;
      }
      Mapping& m = by_id.at(id);
      m.last_active = now;
      ++m.packets_up;
      up.send(now, Packet{{buffer.begin(), buffer.begin() + n}, id});
    }
  }

  void read_server(std::uint64_t id, Timestamp now) {
    for (int i = 0; i < kReadBudget; ++i) {
      auto it = by_id.find(id);
      if (it == by_id.end()) return;
      Mapping& m = it->second;
      const ssize_t n = m.upstream.receive(buffer, nullptr);
      if (n < 0) {
        // ECONNREFUSED: an ICMP port unreachable from the server side; not fatal.
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) ++counters.receive_errors;
        return;
      }
      m.last_active = now;
      ++m.packets_down;
      down.send(now, Packet{{buffer.begin(), buffer.begin() + n}, id});
    }
  }

  void deliver(Timestamp now) {
    Delivery d;
    while (up.poll_one(now, d)) {
      auto it = by_id.find(d.packet.tag);
      if (it == by_id.end()) {
        ++counters.undeliverable;
      } else if (it->second.upstream.send(d.packet.data, nullptr) < 0) {
        ++counters.send_errors;
      }
    }
    while (down.poll_one(now, d)) {
      auto it = by_id.find(d.packet.tag);
      if (it == by_id.end()) {
        ++counters.undeliverable;
      } else if (listen.send(d.packet.data, &it->second.client) < 0) {
        ++counters.send_errors;
      }
    }
  }

  void expire(Timestamp now) {
    if (now < next_expiry_check) return;
    next_expiry_check = now + kExpiryInterval;
    std::vector<std::uint64_t> idle;
    for (const auto& [id, m] : by_id) {
      if (now - m.last_active > options.idle_timeout) idle.push_back(id);
    }
    for (auto id : idle) {
      close_mapping(id);
      ++counters.clients_expired;
    }
  }

  void read_control(Relay& relay) {
    for (int i = 0; i < kReadBudget; ++i) {
      SocketAddress from;
      const ssize_t n = control.receive(buffer, &from);
      if (n < 0) return;
      const std::string request(buffer.begin(), buffer.begin() + n);
      const std::optional<std::string> reply = relay.handle_control_locked(request);
      if (!reply) continue;  // unauthenticated: silence, so nothing to reflect or amplify
      if (from.is_unix() && from.unix_path().empty()) continue;  // unnamed sender: no reply
      if (control.send(as_bytes(*reply), &from) < 0) ++counters.send_errors;
    }
  }

  RelayCounters snapshot() const {
    RelayCounters c = counters;
    c.up = up.counters();
    c.down = down.counters();
    c.clients_active = by_id.size();
    return c;
  }
};

nlohmann::json relay_counters_to_json(const RelayCounters& c) {
  return nlohmann::json{
      {"up", link_counters_to_json(c.up)},
      {"down", link_counters_to_json(c.down)},
      {"clients_active", c.clients_active},
      {"clients_created", c.clients_created},
      {"clients_expired", c.clients_expired},
      {"clients_rejected", c.clients_rejected},
      {"rebinds", c.rebinds},
      {"undeliverable", c.undeliverable},
      {"send_errors", c.send_errors},
      {"receive_errors", c.receive_errors},
      {"control_requests", c.control_requests},
      {"control_errors", c.control_errors},
      {"control_unauthenticated", c.control_unauthenticated},
  };
}

Expected<std::unique_ptr<Relay>> Relay::create(const RelayOptions& options) {
  if (options.listen.empty() || options.upstream.empty()) {
    return make_error(Errc::kInvalidAddress, "relay needs a listen and an upstream address");
  }
  if (options.listen.is_unix() || options.upstream.is_unix()) {
    return make_error(Errc::kInvalidAddress, "listen and upstream must be IP addresses");
  }
  for (const LinkConfig* c : {&options.up, &options.down}) {
    if (Status s = validate_link_config(*c); !s) return s.error();
  }
  auto state = std::make_unique<State>();
  state->options = options;
  state->options.control_secret.clear();  // kept once, in control_secret
  const Timestamp now = clock_now();
  state->up = Link(options.up, now);
  state->down = Link(options.down, now);

  state->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (state->epoll_fd < 0) return socket_error("epoll_create1");
  state->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (state->wake_fd < 0) return socket_error("eventfd");
  if (Status s = epoll_add(state->epoll_fd, state->wake_fd, kWakeToken); !s) return s.error();

  auto listen = DatagramSocket::bind(options.listen, kSocketBufferBytes);
  if (!listen) return socket_error(listen);
  state->listen = std::move(listen).value();
  auto listen_addr = state->listen.local_address();
  if (!listen_addr) return socket_error(listen_addr);
  state->listen_address = *listen_addr;
  if (Status s = epoll_add(state->epoll_fd, state->listen.fd(), kListenToken); !s) return s.error();

  if (!options.control.empty()) {
    if (Status s = check_control_binding(options.control, options.control_allow_remote); !s) {
      return s.error();
    }
    if (options.control_secret.empty()) {
      auto secret = generate_control_secret();
      if (!secret) return secret.error();
      state->control_secret = *secret;
    } else {
      if (Status s = check_control_secret(options.control_secret); !s) return s.error();
      state->control_secret = options.control_secret;
    }
    if (options.control.is_unix()) {
      // A stale socket from an earlier run would make bind fail.
      if (Status s = clear_unix_path(options.control.unix_path()); !s) return s.error();
    }
    auto control = DatagramSocket::bind(options.control, kSocketBufferBytes);
    if (!control) return socket_error(control);
    if (options.control.is_unix()) {
      state->control_unix_path = options.control.unix_path();
      // The secret guards the commands; this keeps other users from even sending them.
      if (::chmod(state->control_unix_path.c_str(), 0600) != 0) {
        return socket_error("chmod(" + state->control_unix_path + ")");
      }
    }
    state->control = std::move(control).value();
    auto control_addr = state->control.local_address();
    if (!control_addr) return socket_error(control_addr);
    state->control_address = options.control.is_unix() ? options.control : *control_addr;
    if (Status s = epoll_add(state->epoll_fd, state->control.fd(), kControlToken); !s) {
      return s.error();
    }
  }
  return std::unique_ptr<Relay>(new Relay(std::move(state)));
}

Relay::Relay(std::unique_ptr<State> state) : state_(std::move(state)) {}

Relay::~Relay() {
  stop();
}

SocketAddress Relay::listen_address() const {
  return state_->listen_address;
}
SocketAddress Relay::control_address() const {
  return state_->control_address;
}
const std::string& Relay::control_secret() const {
  return state_->control_secret;
}

Status Relay::start() {
  if (loop_running_.load())
    return make_error(Errc::kAlreadyRunning, "relay thread already running");
  if (thread_.joinable()) thread_.join();  // a loop that ended with an error
  stop_requested_.store(false);
  loop_running_.store(true);
  {
    std::lock_guard lock(state_->mutex);
    state_->thread_error.reset();
  }
  thread_ = std::thread([this] { run_loop(); });
  return {};
}

void Relay::stop() {
  if (!thread_.joinable()) return;
  stop_requested_.store(true);
  const std::uint64_t one = 1;
  (void)::write(state_->wake_fd, &one, sizeof one);
  thread_.join();
}

std::optional<Error> Relay::thread_error() const {
  std::lock_guard lock(state_->mutex);
  return state_->thread_error;
}

void Relay::run_loop() {
  while (!stop_requested_.load()) {
    if (Status s = poll_turn(kThreadPollInterval); !s) {
      std::lock_guard lock(state_->mutex);
      state_->thread_error = s.error();
      break;
    }
  }
  loop_running_.store(false);
}

Status Relay::poll_once(Duration max_wait) {
  if (thread_.joinable())
    return make_error(Errc::kAlreadyRunning, "poll_once while the thread runs");
  return poll_turn(max_wait);
}

Status Relay::poll_turn(Duration max_wait) {
  State& s = *state_;
  Duration wait = std::max(max_wait, Duration(0));
  {
    std::lock_guard lock(s.mutex);
    const Timestamp now = clock_now();
    for (const auto deadline : {s.up.next_deadline(), s.down.next_deadline()}) {
      if (deadline) wait = std::min(wait, std::max(*deadline - now, Duration(0)));
    }
  }

  std::array<epoll_event, kMaxEvents> events{};
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(wait.count() / 1'000'000'000);
  ts.tv_nsec = static_cast<long>(wait.count() % 1'000'000'000);
  int n = epoll_pwait2(s.epoll_fd, events.data(), kMaxEvents, &ts, nullptr);
  if (n < 0 && errno == ENOSYS) {
    // Kernels before 5.11: millisecond resolution, rounded up so we never spin early.
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
    n = epoll_wait(s.epoll_fd, events.data(), kMaxEvents, static_cast<int>(ms));
  }
  if (n < 0) {
    if (errno == EINTR) return {};
    return socket_error("epoll_wait");
  }

  std::lock_guard lock(s.mutex);
  const Timestamp now = clock_now();
  for (int i = 0; i < n; ++i) {
    const std::uint64_t token = events[static_cast<std::size_t>(i)].data.u64;
    if (token == kWakeToken) {
      std::uint64_t value = 0;
      (void)::read(s.wake_fd, &value, sizeof value);
    } else if (token == kListenToken) {
      s.read_clients(now);
    } else if (token == kControlToken) {
      s.read_control(*this);
    } else {
      s.read_server(token, now);
    }
  }
  s.deliver(clock_now());
  s.expire(now);
  return {};
}

void Relay::set_config(Direction direction, const LinkConfig& config) {
  std::lock_guard lock(state_->mutex);
  state_->link(direction).set_config(config, clock_now());
}

LinkConfig Relay::config(Direction direction) const {
  std::lock_guard lock(state_->mutex);
  return state_->link(direction).config();
}

Status Relay::rebind(const SocketAddress& client) {
  std::lock_guard lock(state_->mutex);
  auto it = state_->by_client.find(client);
  if (it == state_->by_client.end()) {
    return make_error(Errc::kUnknownClient, "no mapping for client " + client.to_string());
  }
  return state_->rebind(state_->by_id.at(it->second));
}

std::size_t Relay::rebind_all() {
  std::lock_guard lock(state_->mutex);
  std::size_t n = 0;
  for (auto& [id, m] : state_->by_id) {
    if (state_->rebind(m)) ++n;
  }
  return n;
}

RelayCounters Relay::counters() const {
  std::lock_guard lock(state_->mutex);
  return state_->snapshot();
}

std::vector<ClientInfo> Relay::clients() const {
  std::lock_guard lock(state_->mutex);
  return clients_locked();
}

std::vector<ClientInfo> Relay::clients_locked() const {
  const Timestamp now = clock_now();
  std::vector<ClientInfo> out;
  for (const auto& [id, m] : state_->by_id) {
    out.push_back(ClientInfo{id, m.client, m.upstream_local, m.packets_up, m.packets_down,
                             now - m.last_active});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

std::optional<std::string> Relay::handle_control_request(std::string_view datagram) {
  std::lock_guard lock(state_->mutex);
  return handle_control_locked(datagram);
}

std::optional<std::string> Relay::handle_control_locked(std::string_view datagram) {
  State& s = *state_;
  const auto request = authenticate_control_request(datagram, s.control_secret);
  if (!request) {
    ++s.counters.control_unauthenticated;
    return std::nullopt;
  }
  ++s.counters.control_requests;
  nlohmann::json reply = execute_locked(*request);
  if (!reply.value("ok", false)) ++s.counters.control_errors;
  return reply.dump();
}

nlohmann::json Relay::execute_locked(std::string_view request) {
  State& s = *state_;
  auto parsed = parse_control_command(request);
  if (!parsed) return error_reply(parsed.error());
  const ControlCommand& cmd = *parsed;
  using K = ControlCommand::Kind;
  auto directions_json = [&s] {
    nlohmann::json j;
    for (const Direction d : {Direction::kUp, Direction::kDown}) {
      j[std::string(to_string(d))] = format_link_config(s.link(d).config());
    }
    return j;
  };
  switch (cmd.kind) {
    case K::kHelp:
      return nlohmann::json{{"ok", true}, {"help", std::string(control_help())}};
    case K::kStats: {
      nlohmann::json j{{"ok", true},
                       {"listen", s.listen_address.to_string()},
                       {"upstream", s.options.upstream.to_string()},
                       {"config", directions_json()},
                       {"counters", relay_counters_to_json(s.snapshot())}};
      return j;
    }
    case K::kClients: {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& c : clients_locked()) {
        list.push_back(
            {{"id", c.id},
             {"client", c.client.to_string()},
             {"upstream_local", c.upstream_local.to_string()},
             {"packets_up", c.packets_up},
             {"packets_down", c.packets_down},
             {"idle_ms", std::chrono::duration_cast<std::chrono::milliseconds>(c.idle).count()}});
      }
      return nlohmann::json{{"ok", true}, {"clients", list}};
    }
    case K::kSet:
    case K::kUpdate: {
      // Parse every requested direction before changing any, so a bad request changes nothing.
      std::optional<LinkConfig> next[2];
      for (const Direction d : {Direction::kUp, Direction::kDown}) {
        if (!(d == Direction::kUp ? cmd.up : cmd.down)) continue;
        const LinkConfig& current = s.link(d).config();
        LinkConfig base = current;
        if (cmd.kind == K::kSet) {
          base = LinkConfig{};
          base.seed = current.seed;
        }
        auto config = parse_link_config_text(cmd.config, base);
        if (!config) return error_reply(config.error());
        next[static_cast<int>(d)] = *config;
      }
      const Timestamp now = clock_now();
      for (const Direction d : {Direction::kUp, Direction::kDown}) {
        if (next[static_cast<int>(d)]) s.link(d).set_config(*next[static_cast<int>(d)], now);
      }
      return nlohmann::json{{"ok", true}, {"config", directions_json()}};
    }
    case K::kRebind: {
      std::size_t rebound = 0;
      if (cmd.client) {
        auto it = s.by_client.find(*cmd.client);
        if (it == s.by_client.end()) {
          return error_reply(
              make_error(Errc::kUnknownClient, "no mapping for client " + cmd.client->to_string()));
        }
        if (Status st = s.rebind(s.by_id.at(it->second)); !st) return error_reply(st.error());
        rebound = 1;
      } else {
        for (auto& [id, m] : s.by_id) {
          if (s.rebind(m)) ++rebound;
        }
      }
      return nlohmann::json{{"ok", true}, {"rebound", rebound}};
    }
  }
  return error_reply(make_error(Errc::kInvalidCommand, "unhandled command"));
}

}  // namespace stoq::netsim

#include "io/event_loop.h"

#include <algorithm>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace stoq::io {

uint64_t monotonic_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

Result<std::unique_ptr<EventLoop>> EventLoop::create(bool epoll_pwait2) {
  std::unique_ptr<EventLoop> l(new EventLoop());
  l->use_pwait2_ = epoll_pwait2;
  l->epfd_ = epoll_create1(EPOLL_CLOEXEC);
  l->timerfd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  l->eventfd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (l->epfd_ < 0 || l->timerfd_ < 0 || l->eventfd_ < 0) {
    return {Errc::kSocketError, std::string("event loop setup: ") + std::strerror(errno)};
  }
  for (int fd : {l->timerfd_, l->eventfd_}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(l->epfd_, EPOLL_CTL_ADD, fd, &ev);
  }
  return l;
}

EventLoop::~EventLoop() {
  for (int fd : {epfd_, timerfd_, eventfd_}) {
    if (fd >= 0) ::close(fd);
  }
}

Status EventLoop::add(int fd, std::function<void()> on_readable) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    return {Errc::kSocketError, std::string("epoll_ctl: ") + std::strerror(errno)};
  }
  handlers_[fd] = std::move(on_readable);
  return ok_status();
}

void EventLoop::remove(int fd) {
  epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
  handlers_.erase(fd);
}

void EventLoop::set_timer(uint64_t deadline_ns) {
  deadline_ = deadline_ns;
}

// Without epoll_pwait2 (kernels before 5.11, or a seccomp filter that refuses it) the
// deadline goes through the timerfd. Re-arming it is a system call (on a VM often a timer
// reprogramming exit too), so a later deadline does not replace an earlier armed one:
// the callback then runs early, which the callers handle (they check what is due).
void EventLoop::arm_timerfd() {
  const uint64_t want = deadline_ == 0 ? 1 : deadline_;  // 1 ns after boot: already past
  if (want >= armed_) return;
  armed_ = want;
  itimerspec its{};
  its.it_value.tv_sec = static_cast<time_t>(want / 1'000'000'000u);
  its.it_value.tv_nsec = static_cast<long>(want % 1'000'000'000u);
  timerfd_settime(timerfd_, TFD_TIMER_ABSTIME, &its, nullptr);
}

int EventLoop::wait(epoll_event* events, int max, std::chrono::milliseconds timeout) {
  if (use_pwait2_) {
    // One system call waits for both the sockets and the deadline, to the nanosecond.
    uint64_t wait_ns = static_cast<uint64_t>(timeout.count()) * 1'000'000u;
    if (deadline_ != UINT64_MAX) {
      const uint64_t now = monotonic_ns();
      wait_ns = std::min(wait_ns, deadline_ > now ? deadline_ - now : 0);
    }
    timespec ts{static_cast<time_t>(wait_ns / 1'000'000'000u),
                static_cast<long>(wait_ns % 1'000'000'000u)};
    int n = epoll_pwait2(epfd_, events, max, &ts, nullptr);
    if (n >= 0 || errno != ENOSYS) return n;
    use_pwait2_ = false;
  }
  int ms = static_cast<int>(timeout.count());
  if (deadline_ != UINT64_MAX) {
    const uint64_t now = monotonic_ns();
    if (deadline_ <= now) {
      ms = 0;
    } else {
      arm_timerfd();
    }
  }
  return epoll_wait(epfd_, events, max, ms);
}

void EventLoop::post(std::function<void()> fn) {
  {
    std::lock_guard lock(mu_);
    posted_.push_back(std::move(fn));
  }
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(eventfd_, &one, sizeof(one));
}

void EventLoop::drain_posted() {
  std::vector<std::function<void()>> work;
  {
    std::lock_guard lock(mu_);
    work.swap(posted_);
  }
  for (auto& fn : work) fn();
}

size_t EventLoop::run_one(std::chrono::milliseconds timeout) {
  epoll_event events[64];
  int n = wait(events, 64, timeout);
  if (n < 0) n = 0;  // EINTR
  size_t handled = 0;
  for (int i = 0; i < n; ++i) {
    int fd = events[i].data.fd;
    if (fd == eventfd_) {
      uint64_t v;
      [[maybe_unused]] ssize_t r = ::read(eventfd_, &v, sizeof(v));
      drain_posted();
    } else if (fd == timerfd_) {
      uint64_t v;
      [[maybe_unused]] ssize_t r = ::read(timerfd_, &v, sizeof(v));
      armed_ = UINT64_MAX;
    } else if (auto it = handlers_.find(fd); it != handlers_.end()) {
      auto h = it->second;  // the handler may remove itself
      h();
    }
    ++handled;
  }
  if (deadline_ != UINT64_MAX && monotonic_ns() >= deadline_) {
    deadline_ = UINT64_MAX;
    if (on_timer_) on_timer_();
    ++handled;
  }
  if (on_idle_) on_idle_();
  return handled;
}

void EventLoop::run() {
  while (!stopped()) run_one(std::chrono::milliseconds(1000));
}

void EventLoop::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(eventfd_, &one, sizeof(one));
}

bool EventLoop::stopped() const noexcept {
  std::lock_guard lock(mu_);
  return stop_;
}

}  // namespace stoq::io

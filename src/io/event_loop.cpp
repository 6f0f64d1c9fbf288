#include "io/event_loop.h"

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

Result<std::unique_ptr<EventLoop>> EventLoop::create() {
  std::unique_ptr<EventLoop> l(new EventLoop());
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
  if (deadline_ns == armed_) return;
  armed_ = deadline_ns;
  itimerspec its{};
  if (deadline_ns != UINT64_MAX) {
    // 0 would disarm a timerfd; 1 ns after boot is always in the past and fires at once.
    uint64_t d = deadline_ns == 0 ? 1 : deadline_ns;
    its.it_value.tv_sec = static_cast<time_t>(d / 1'000'000'000u);
    its.it_value.tv_nsec = static_cast<long>(d % 1'000'000'000u);
  }
  timerfd_settime(timerfd_, TFD_TIMER_ABSTIME, &its, nullptr);
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
  int n = epoll_wait(epfd_, events, 64, static_cast<int>(timeout.count()));
  if (n < 0) return 0;  // EINTR
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
      if (on_timer_) on_timer_();
    } else if (auto it = handlers_.find(fd); it != handlers_.end()) {
      auto h = it->second;  // the handler may remove itself
      h();
    }
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

#include "bench/spawn.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/sys.h"

namespace stoq::cli::bench {
namespace {

// fork + exec of this binary with `args`; stdout goes to `out_fd` when >= 0, else
// /dev/null. Returns the child's pid or -1.
pid_t spawn_self(const std::vector<std::string>& args, int out_fd) {
  std::vector<char*> argv;
  std::string self = "/proc/self/exe";
  argv.push_back(self.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid != 0) return pid;
  // Child: only async-signal-safe calls until exec. The server must not outlive us, even
  // when we are killed.
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  int target = out_fd >= 0 ? out_fd : open("/dev/null", O_WRONLY);
  if (target >= 0) dup2(target, STDOUT_FILENO);
  execv("/proc/self/exe", argv.data());
  _exit(127);
}

int wait_for(pid_t pid, double timeout_s) {
  const double end = now_seconds() + timeout_s;
  int status = 0;
  while (now_seconds() < end) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    usleep(10'000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

}  // namespace

Result<std::unique_ptr<SpawnedServer>> SpawnedServer::start(const std::string& cert_type,
                                                            const std::string& cert_chain,
                                                            const std::string& kex,
                                                            size_t max_udp_payload, int verbosity) {
  std::unique_ptr<SpawnedServer> s(new SpawnedServer());
  std::string tmpl = (std::filesystem::temp_directory_path() / "stoq-bench-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr)
    return {Errc::kIoError, "cannot create a temporary directory"};
  s->dir_ = tmpl;
  std::vector<std::string> cert_args = {"cert", "-o", s->dir_, "--type", cert_type};
  if (!cert_chain.empty()) {
    cert_args.push_back("--chain");
    cert_args.push_back(cert_chain);
  }
  pid_t cert = spawn_self(cert_args, -1);
  if (cert < 0) return {Errc::kInternal, "fork failed"};
  int rc = wait_for(cert, 60);
  if (rc != 0) {
    return {rc == 2 ? Errc::kInvalidArgument : Errc::kInternal,
            "stoq cert --type " + cert_type + " failed (exit " + std::to_string(rc) + ")"};
  }
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return {Errc::kInternal, "pipe failed"};
  std::vector<std::string> args = {"bench",
                                   "server",
                                   "--cert",
                                   s->dir_ + "/cert.pem",
                                   "--key",
                                   s->dir_ + "/key.pem",
                                   "-l",
                                   "127.0.0.1:0",
                                   "--kex",
                                   kex,
                                   "--max-udp-payload",
                                   std::to_string(max_udp_payload),
                                   "--json"};
  for (int i = 0; i < verbosity; ++i) args.push_back("-v");
  s->pid_ = spawn_self(args, pipe_fds[1]);
  close(pipe_fds[1]);
  s->out_fd_ = pipe_fds[0];
  if (s->pid_ < 0) return {Errc::kInternal, "fork failed"};
  std::string line;
  const double end = now_seconds() + 15;
  while (line.find('\n') == std::string::npos && now_seconds() < end) {
    pollfd p{s->out_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[512];
    ssize_t n = read(s->out_fd_, buf, sizeof(buf));
    if (n <= 0) break;  // the server exited (its error is on stderr)
    line.append(buf, static_cast<size_t>(n));
  }
  auto j = nlohmann::json::parse(line.substr(0, line.find('\n')), nullptr, false);
  if (j.is_discarded() || !j.contains("address")) {
    return {Errc::kInternal, "stoq bench server did not start"};
  }
  s->address_ = j["address"].get<std::string>();
  return s;
}

SpawnedServer::~SpawnedServer() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    wait_for(pid_, 5);
  }
  if (out_fd_ >= 0) close(out_fd_);
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

}  // namespace stoq::cli::bench

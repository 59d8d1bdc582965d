// See checker_run.h.
#include "checker_run.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

namespace dc::test {
namespace {

std::vector<int> my_children() {
  std::vector<int> out;
  const int me = ::getpid();
  DIR* d = ::opendir("/proc");
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    int pid = std::atoi(e->d_name);
    if (pid <= 0) continue;
    // A process that exits meanwhile reads ESRCH: read(2), not a stream,
    // which would throw.
    std::string text;
    int fd = ::open(("/proc/" + std::string(e->d_name) + "/stat").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
      text.append(buf, static_cast<size_t>(n));
    ::close(fd);
    auto close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(text.substr(close + 2));
    char state = 0;
    int ppid = 0;
    rest >> state >> ppid;
    if (ppid == me && state != 'Z') out.push_back(pid);
  }
  ::closedir(d);
  return out;
}

}  // namespace

std::string checker_path() {
  return DC_CHECKER;
}
std::string fixture_path() {
  return DC_FIXTURE;
}
std::string glibc_daemon_path() {
  return DC_GLIBC_DAEMON;
}
std::string report_dir() {
  return DC_REPORT_DIR;
}

std::string CheckerRun::status(const std::string& rule) const {
  if (!scorecard.is_object()) return "";
  for (const auto& r : scorecard["rules"])
    if (r["id"] == rule) return r["status"];
  return "";
}

std::string CheckerRun::message(const std::string& rule) const {
  if (!scorecard.is_object()) return "";
  for (const auto& r : scorecard["rules"])
    if (r["id"] == rule) return r["message"];
  return "";
}

namespace {
struct Spawn {
  std::string tmpdir;
  std::string marker;
  int signo = 0;
  int spare = 0;
  int delay_ms = 50;
};
CheckerRun run_spawn(std::vector<std::string> args, bool raw, const Spawn& sp);
}  // namespace

CheckerRun run_checker(std::vector<std::string> args, bool raw) {
  return run_spawn(std::move(args), raw, {});
}

CheckerRun run_checker_sparing(std::vector<std::string> args, int spare) {
  return run_spawn(std::move(args), false, {"", "", 0, spare});
}

CheckerRun run_checker_interrupted(std::vector<std::string> args, const std::string& tmpdir,
                                   const std::string& marker, int signo, int delay_ms) {
  args.insert(args.begin(), {"--json", "-", "--quiet"});
  return run_spawn(std::move(args), true, {tmpdir, marker, signo, 0, delay_ms});
}

std::string make_scratch_dir(const std::string& prefix) {
  std::string tmpl = std::string(DC_TEST_SCRATCH) + "/" + prefix + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return "";
  return tmpl;
}

int count_entries(const std::string& dir) {
  int n = 0;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d))
      if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) ++n;
    ::closedir(d);
  }
  return n;
}

namespace {
bool marker_exists(const std::string& dir, const std::string& marker) {
  bool found = false;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.') continue;
      if (::access((dir + "/" + e->d_name + "/" + marker).c_str(), F_OK) == 0) found = true;
    }
    ::closedir(d);
  }
  return found;
}

CheckerRun run_spawn(std::vector<std::string> args, bool raw, const Spawn& sp) {
  static bool subreaper = ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0;
  (void)subreaper;
  if (!raw) args.insert(args.begin(), {"--json", "-", "--quiet", "--report-dir", report_dir()});
  args.insert(args.begin(), checker_path());
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) return {};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    if (!sp.tmpdir.empty()) ::setenv("TMPDIR", sp.tmpdir.c_str(), 1);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  CheckerRun r;
  r.pid = pid;
  if (sp.signo && !sp.tmpdir.empty()) {
    // Wait for the marker in 10 ms steps: the test needs the check to be
    // under way, and no event tells it so from outside.
    for (int i = 0; i < 1000 && !marker_exists(sp.tmpdir, sp.marker); ++i) ::usleep(10000);
    ::usleep(static_cast<useconds_t>(sp.delay_ms) * 1000);
    ::kill(pid, sp.signo);  // pid is our own unreaped child
  }
  pollfd p[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_pipes = 2;
  while (open_pipes > 0 && ::poll(p, 2, -1) > 0) {
    for (auto& x : p) {
      if (x.fd < 0 || !x.revents) continue;
      char buf[65536];
      ssize_t n = ::read(x.fd, buf, sizeof buf);
      if (n > 0) {
        (x.fd == out[0] ? r.out : r.err).append(buf, static_cast<size_t>(n));
      } else {
        ::close(x.fd);
        x.fd = -1;
        --open_pipes;
      }
    }
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  r.exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.scorecard = nlohmann::json::parse(r.out, nullptr, false);
  if (r.scorecard.is_discarded()) r.scorecard = nullptr;
  // Anything daemoncheck left would now be our child: count, then end it. A
  // checker whose outer process was killed tears the check down, and the
  // kernel the PID namespace as the checker (its init) exits: give that a
  // moment (bounded by 10 s: a loaded machine slows the teardown) before
  // counting.
  r.left_behind = my_children();
  std::erase(r.left_behind, sp.spare);
  for (int i = 0; i < 1000 && !r.left_behind.empty() && sp.signo == SIGKILL; ++i) {
    ::usleep(10000);
    r.left_behind = my_children();
    std::erase(r.left_behind, sp.spare);
  }
  for (int left : r.left_behind)
    ::kill(left, SIGKILL);  // test-side safety net; pids are our children
  for (int left : r.left_behind) ::waitpid(left, &st, 0);
  if (sp.spare == 0)
    while (::waitpid(-1, &st, WNOHANG) > 0) {
    }
  return r;
}
}  // namespace

}  // namespace dc::test

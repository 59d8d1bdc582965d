// daemonize::open(): the whole recipe, top to bottom. Each step names its
// reason and where it comes from: the seed tutorial's numbered steps (T1-T8),
// daemon(7)'s "SysV Daemons" list (D1-D15), PEP 3143's option names.
#include "daemonize/daemon.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "daemonize/notify.h"
#include "daemonize/process.h"

namespace daemonize {

namespace {

// The readiness channel, daemon to original process, one line per message:
//   "ready"               the daemon is serving: exit 0
//   "exec"                the daemon is about to exec: EOF (the close-on-exec
//                         socket closing) means it succeeded: exit 0
//   "error STATUS TEXT"   print TEXT, exit STATUS
// A socket rather than a pipe, so that the daemon can send with MSG_NOSIGNAL:
// if the original process was killed meanwhile, SIGPIPE must not kill the daemon.
void send_line(int fd, const std::string& line) {
  const std::string text = line + "\n";
  (void)!::send(fd, text.data(), text.size(), MSG_NOSIGNAL);  // no reader: nobody to tell
}

[[noreturn]] void relay_and_exit(const UniqueFd& channel, const Error& error) {
  send_line(channel.get(), "error 1 " + error.message());
  ::_exit(1);
}

void print_error(std::string_view text) {
  std::fprintf(stderr, "%s: %.*s\n", program_invocation_short_name, static_cast<int>(text.size()),
               text.data());
}

// The original process, after the first fork: wait for the daemon's verdict
// and make it our exit status (D14, D15). Never returns.
[[noreturn]] void wait_for_daemon(UniqueFd channel, pid_t child) {
  std::string received;
  bool exec_pending = false;
  int status = -1;
  char buffer[512];
  while (status < 0) {
    const ssize_t n = ::read(channel.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {  // EOF: the daemon and the intermediate child are gone, or exec'd
      if (!exec_pending) print_error("the daemon exited before it reported readiness");
      status = exec_pending ? 0 : 1;
      break;
    }
    received.append(buffer, static_cast<size_t>(n));
    for (size_t end; status < 0 && (end = received.find('\n')) != std::string::npos;) {
      const std::string line = received.substr(0, end);
      received.erase(0, end + 1);
      if (line == "ready") status = 0;
      if (line == "exec") exec_pending = true;
      if (line.starts_with("error ")) {
        char* text = nullptr;
        status = static_cast<int>(std::strtol(line.c_str() + 6, &text, 10));
        print_error(*text == ' ' ? text + 1 : text);
      }
    }
  }
  ::waitpid(child, nullptr, 0);  // the intermediate child exits right after its fork
  ::_exit(status);
}

// D5-D8, T2-T4: fork, setsid, fork. Returns only in the daemon, with its end
// of the readiness channel; the original process waits in wait_for_daemon().
// `pidfile` is the daemon's alone: the original process lets go of it, so
// that it never counts among the holders of its lock.
Result<UniqueFd> detach(Pidfile& pidfile) {
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
    return os_error("socketpair", "readiness channel");
  }
  UniqueFd original_end(ends[0]), daemon_end(ends[1]);

  // T2, D5: fork, so the daemon is not the process the shell waits for. The
  // child is never a process group leader, which setsid() requires.
  const pid_t child = ::fork();
  if (child < 0) return os_error("fork", "first fork");
  if (child > 0) {
    daemon_end.reset();
    pidfile = Pidfile();        // closes our descriptor; the lock stays with the child's
    (void)reset_signal_mask();  // the waiting process can still be interrupted
    wait_for_daemon(std::move(original_end), child);
  }
  original_end.reset();

  // T3, D6: a new session and process group, with no controlling terminal: the
  // terminal's hangup, its job-control signals and the shell's SIGHUP to its
  // jobs no longer reach us. The original process waits until the daemon is
  // ready, so it never exits (and, as a session leader, makes the kernel
  // SIGHUP its terminal's foreground group) before this has happened.
  if (::setsid() < 0) relay_and_exit(daemon_end, os_error("setsid", ""));

  // T4, D7, D8: fork again and let the session leader exit. Only a session
  // leader acquires a controlling terminal by opening one; the daemon, its
  // child, never can. It is re-parented to init (or the nearest subreaper).
  const pid_t daemon = ::fork();
  if (daemon < 0) relay_and_exit(daemon_end, os_error("fork", "second fork"));
  if (daemon > 0) ::_exit(0);
  return daemon_end;
}

// Blocks the signals `map` catches for its lifetime (see open()).
class HeldSignals {
 public:
  explicit HeldSignals(const SignalMap& map) {
    sigemptyset(&set_);
    for (const auto& [signo, action] : map) {
      if (action == SignalAction::notify) sigaddset(&set_, signo);
    }
    ::sigprocmask(SIG_BLOCK, &set_, nullptr);
  }
  ~HeldSignals() { ::sigprocmask(SIG_UNBLOCK, &set_, nullptr); }
  HeldSignals(const HeldSignals&) = delete;
  HeldSignals& operator=(const HeldSignals&) = delete;

 private:
  sigset_t set_;
};

// A closed 0, 1 or 2 is a trap: the next open() takes the lowest free number,
// and a log file opened as "fd 1" receives every printf. Fill holes with
// /dev/null before anything else opens a file.
Result<void> ensure_stdio_open() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    if (::open("/dev/null", O_RDWR) != fd) return os_error("open", "/dev/null");
  }
  return {};
}

// The descriptors that will become 0, 1 and 2 (empty: keep the current one).
Result<std::array<UniqueFd, 3>> open_stdio(const Options& options, bool detached) {
  const std::array<const Stream*, 3> streams{&options.stdin_to, &options.stdout_to,
                                             &options.stderr_to};
  const std::array<const char*, 3> names{"open stdin", "open stdout", "open stderr"};
  std::array<UniqueFd, 3> fds;
  for (size_t i = 0; i < 3; ++i) {
    const Stream& stream = *streams[i];
    std::string source = stream.path;
    switch (stream.kind) {
      case Stream::Kind::automatic:
        if (!detached) continue;  // kept as inherited
        [[fallthrough]];
      case Stream::Kind::null_device:
        source = "/dev/null";
        fds[i].reset(::open("/dev/null", O_RDWR | O_CLOEXEC));
        break;
      case Stream::Kind::file:
        fds[i].reset(::open(
            stream.path.c_str(),
            (i == 0 ? O_RDONLY : O_WRONLY | O_APPEND | O_CREAT) | O_NOCTTY | O_CLOEXEC, 0640));
        break;
      case Stream::Kind::descriptor:
        source = "fd " + std::to_string(stream.fd);
        fds[i].reset(::fcntl(stream.fd, F_DUPFD_CLOEXEC, 3));
        break;
    }
    if (!fds[i]) return os_error(names[i], source);
  }
  return fds;
}

Result<void> install_stdio(const std::array<UniqueFd, 3>& fds) {
  for (int i = 0; i < 3; ++i) {
    if (fds[i] && ::dup2(fds[i].get(), i) < 0) return os_error("dup2", "fd " + std::to_string(i));
  }
  return {};
}

}  // namespace

// The order open() runs its steps, and why it is not daemon(7)'s numbering:
//   1. ask who started us (INVOCATION_ID, NOTIFY_SOCKET: detach or not) and
//      whether a watchdog watches us, before the scrub removes the variables
//      that tell (and that no child of ours may inherit);
//   2. close inherited descriptors (D1, T7), make sure 0-2 are open;
//   3. reset signal dispositions and mask (D2, D3);
//   4. scrub the environment (D4, T1), prevent core dumps (PEP 3143);
//   5. set the umask (D10, T6), take the pidfile lock (D12);
//   6. open the new stdio, read the user database, hold the handled signals;
//   7. fork, setsid, fork (D5-D8, T2-T4);
//   8. in the daemon: write the pid (D12), install stdio (D9, T8), chroot and
//      chdir (D11, T5), drop privileges (D13), install the signal handlers;
//   9. the caller reports readiness (D14, D15) with notify_ready().
// daemon(7) numbers the steps by topic; a program has to run them by what
// each one needs. Everything that can fail with a message the user must see
// (the lock of a second instance, a missing log folder, an unknown user)
// runs before the fork, while the terminal and the exit status still reach
// the person who started us; the umask comes before the first file is made
// (D10 before D12); the pidfile is locked before the fork so the lock passes
// to the daemon, and written after it so that it names the daemon; stdio is
// opened before chroot hides its paths and before privileges are dropped
// (D9 and D11 before D13); and the handlers for SIGTERM come last but the
// signal is blocked from step 6, so a stop sent during start-up waits
// instead of killing a daemon that has not yet removed its pidfile.
Result<Daemon> open(const Options& options) {
  Daemon daemon;
  // Who started us decides whether to detach; ask before the scrub removes
  // INVOCATION_ID, NOTIFY_SOCKET and WATCHDOG_USEC from the environment.
  const Launcher launcher = observe_launcher();
  daemon.detached_ = options.detach_process.value_or(should_detach(launcher));
  daemon.notify_socket_ = launcher.notify_socket;
  // The watchdog is armed for the process systemd started; a daemon that
  // forks away from it is not the one watched (sd_watchdog_enabled(3)).
  if (!daemon.detached_) {
    daemon.watchdog_ =
        watchdog_timeout(std::getenv("WATCHDOG_USEC"), std::getenv("WATCHDOG_PID"), ::getpid());
  }

  // T7, D1: close every descriptor we inherited, except stdio and what the
  // caller asked to keep (its own log file, a listening socket).
  std::vector<int> keep = options.files_preserve;
  for (const Stream* stream : {&options.stdin_to, &options.stdout_to, &options.stderr_to}) {
    if (stream->kind == Stream::Kind::descriptor) keep.push_back(stream->fd);
  }
  if (auto closed = close_inherited_fds(keep); !closed) return closed.error();
  if (auto stdio_open = ensure_stdio_open(); !stdio_open) return stdio_open.error();

  // D2, D3: every signal to its default action and none blocked: dispositions
  // set to SIG_IGN and the blocked mask survive fork and exec.
  if (auto reset = reset_signal_dispositions(); !reset) return reset.error();
  if (auto reset = reset_signal_mask(); !reset) return reset.error();

  // T1, D4: only an allow-list of variables survives, in memory and in the
  // initial block that /proc/PID/environ shows (see environment.cpp).
  if (auto scrubbed = scrub_environment(options.env_allow, options.env_set); !scrubbed) {
    return scrubbed.error();
  }

  // PEP 3143 prevent_core: no core file with our secrets in it.
  if (options.prevent_core) {
    if (auto limited = prevent_core_dumps(); !limited) return limited.error();
  }

  // T6, D10: our own umask, set before we create any file, so that the
  // pidfile and log files get the modes we ask for and not the shell's mask.
  ::umask(options.umask);

  // D12, "there can be only one": take the pidfile's lock before forking, so
  // that a second instance fails here, on the terminal, with a non-zero exit,
  // without touching the first one's pidfile. The lock passes to the daemon.
  if (!options.pidfile.empty()) {
    auto pidfile = Pidfile::acquire(options.pidfile);
    if (!pidfile) return pidfile.error();
    daemon.pidfile_ = std::move(*pidfile);
  }

  // Open the new stdio and read the user database now, while a mistake can
  // still be reported on the terminal and before chroot hides /etc.
  auto stdio = open_stdio(options, daemon.detached_);
  if (!stdio) return stdio.error();
  auto credentials = resolve_credentials(options.uid, options.gid, options.initgroups);
  if (!credentials) return credentials.error();

  // The signals the map catches wait, blocked, from before the fork until
  // their handlers are in place: a SIGTERM sent to a daemon that is still
  // starting (its pid may be in the pidfile already) is then handled, not
  // fatal before the daemon could remove its pidfile.
  const HeldSignals held(options.signal_map);

  // T2-T4, D5-D8: fork, setsid, fork. Only the daemon comes back from here.
  if (daemon.detached_) {
    auto channel = detach(daemon.pidfile_);
    if (!channel) return channel.error();
    daemon.readiness_ = std::move(*channel);
  }

  // From here on we are the daemon; abandon() relays a failure to the
  // original process, which is waiting for our readiness.

  // D12: the pidfile names the daemon, not the process that forked it, and
  // does so before anyone is told that we started.
  if (daemon.pidfile_) {
    if (auto written = daemon.pidfile_.write_pid(::getpid()); !written) {
      return daemon.abandon(written.error());
    }
  }

  // T8, D9: stdin, stdout, stderr away from the terminal (/dev/null by
  // default): a read from a terminal we no longer own stops us with SIGTTIN,
  // and a write to a hung-up one fails or raises SIGPIPE.
  if (auto installed = install_stdio(*stdio); !installed) return daemon.abandon(installed.error());

  // PEP 3143 chroot_directory, then T5, D11: the working directory, so that no
  // file system is held busy by our being in it.
  if (!options.chroot_directory.empty() && ::chroot(options.chroot_directory.c_str()) != 0) {
    return daemon.abandon(os_error("chroot", options.chroot_directory));
  }
  if (::chdir(options.working_directory.c_str()) != 0) {
    return daemon.abandon(os_error("chdir", options.working_directory));
  }

  // D13: give up privileges last: the pidfile, the stdio files and chroot
  // needed them.
  if (auto dropped = drop_privileges(*credentials); !dropped) {
    return daemon.abandon(dropped.error());
  }

  // PEP 3143 signal_map: from now on SIGTERM (by default) is an event on
  // signal_fd() rather than sudden death, so shutdown can remove the pidfile.
  auto signals = SignalEvents::install(options.signal_map);
  if (!signals) return daemon.abandon(signals.error());
  daemon.signals_ = std::move(*signals);

  // D14, D15 happen when the caller, now fully set up, calls notify_ready().
  return daemon;
}

Daemon& Daemon::operator=(Daemon&& other) noexcept {
  if (this != &other) {
    (void)close();
    detached_ = other.detached_;
    closed_ = other.closed_;
    readiness_ = std::move(other.readiness_);
    notify_socket_ = std::move(other.notify_socket_);
    watchdog_ = other.watchdog_;
    pidfile_ = std::move(other.pidfile_);
    signals_ = std::move(other.signals_);
    other.closed_ = true;
  }
  return *this;
}

Error Daemon::abandon(Error error) {
  if (!readiness_) return error;
  (void)pidfile_.remove();
  relay_and_exit(readiness_, error);
}

void Daemon::notify_ready() {
  if (readiness_) send_line(readiness_.get(), "ready");
  readiness_.reset();
  if (!notify_socket_.empty()) (void)sd_notify(notify_socket_, "READY=1");
}

void Daemon::notify_failed(const Error& error, int exit_status) {
  if (readiness_) {
    send_line(readiness_.get(), "error " + std::to_string(exit_status) + " " + error.message());
  } else {
    print_error(error.message());
  }
  readiness_.reset();
  if (!notify_socket_.empty()) {
    (void)sd_notify(notify_socket_,
                    "STATUS=" + error.message() + "\nERRNO=" + std::to_string(error.err));
  }
}

void Daemon::notify_status(std::string_view status) {
  if (!notify_socket_.empty()) (void)sd_notify(notify_socket_, "STATUS=" + std::string(status));
}

void Daemon::notify_reloading() {
  if (!notify_socket_.empty()) (void)sd_notify(notify_socket_, reloading_message(monotonic_usec()));
}

std::optional<std::chrono::microseconds> Daemon::watchdog_period() const {
  if (notify_socket_.empty() || !watchdog_) return std::nullopt;
  return daemonize::watchdog_period(*watchdog_);
}

void Daemon::notify_watchdog() {
  if (watchdog_period()) (void)sd_notify(notify_socket_, "WATCHDOG=1");
}

Result<void> Daemon::exec(const std::vector<std::string>& argv,
                          const std::vector<std::string>& extra_env) {
  if (argv.empty()) return Error{"execute", "", EINVAL, "no command"};
  // Keep the pidfile's descriptor, and with it the lock, open in the program.
  if (pidfile_ && ::fcntl(pidfile_.fd(), F_SETFD, 0) != 0) {
    return os_error("keep pidfile open across exec", pidfile_.path());
  }
  // The scrubbed environment, plus `extra_env`; the program speaks to systemd
  // for itself when we were asked to.
  std::vector<std::string> set = extra_env;
  if (!notify_socket_.empty()) set.push_back("NOTIFY_SOCKET=" + notify_socket_);
  if (watchdog_) {  // exec keeps our pid: the program is the process watched
    set.push_back("WATCHDOG_USEC=" + std::to_string(watchdog_->count()));
    set.push_back("WATCHDOG_PID=" + std::to_string(::getpid()));
  }
  const std::string everything[] = {"*"};
  const std::vector<std::string> env = select_environment(environ, everything, set);

  std::vector<char*> args, envp;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));     // NOLINT
  for (const std::string& entry : env) envp.push_back(const_cast<char*>(entry.c_str()));  // NOLINT
  args.push_back(nullptr);
  envp.push_back(nullptr);

  if (readiness_) send_line(readiness_.get(), "exec");
  ::execvpe(args[0], args.data(), envp.data());
  Error error = os_error("execute", argv[0]);
  if (pidfile_) ::fcntl(pidfile_.fd(), F_SETFD, FD_CLOEXEC);
  return error;
}

Result<void> Daemon::close() {
  if (closed_) return {};
  closed_ = true;
  if (!notify_socket_.empty()) (void)sd_notify(notify_socket_, "STOPPING=1");
  return pidfile_.remove();
}

}  // namespace daemonize

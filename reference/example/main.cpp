// example-daemon: a small, real daemon built on the daemonize library. Every
// interval it appends a line to its log; SIGHUP re-reads its configuration;
// SIGTERM (or SIGINT) stops it cleanly, removing its pidfile. Under systemd it
// stays in the foreground and speaks the whole Type=notify-reload protocol:
// READY=1, RELOADING=1 on SIGHUP, WATCHDOG=1, STOPPING=1
// (example-daemon.service.in is its unit).
//
//   example-daemon [--pidfile F] [--log F] [--config F] [--interval-ms N] [--foreground]
//
// The configuration file holds "key = value" lines: `message` (the text of
// each line) and `interval_ms`; '#' starts a comment.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "daemonize/daemon.h"

namespace {

using Clock = std::chrono::steady_clock;
using daemonize::Error;
using daemonize::Result;

struct Config {
  std::string message = "alive";
  std::chrono::milliseconds interval{1000};
};

std::string trim(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t");
  return first == std::string::npos ? ""
                                    : text.substr(first, text.find_last_not_of(" \t") + 1 - first);
}

// Reads `path` over the defaults; an unknown key or a bad value is an error.
Result<Config> read_config(const std::string& path) {
  Config config;
  std::ifstream file(path);
  if (!file) return daemonize::os_error("read config", path);
  for (std::string line; std::getline(file, line);) {
    const std::string content = trim(line.substr(0, line.find('#')));
    if (content.empty()) continue;
    const size_t equals = content.find('=');
    const std::string key = trim(content.substr(0, equals));
    const std::string value = equals == std::string::npos ? "" : trim(content.substr(equals + 1));
    int interval_ms = 0;
    const char* end = value.data() + value.size();
    if (key == "message" && equals != std::string::npos) {
      config.message = value;
    } else if (key == "interval_ms" && std::from_chars(value.data(), end, interval_ms).ptr == end &&
               !value.empty() && interval_ms > 0) {
      config.interval = std::chrono::milliseconds(interval_ms);
    } else {
      return Error{"read config", path, EINVAL, "bad line \"" + line + "\""};
    }
  }
  return config;
}

// Where the configuration comes from: the file, if any, then --interval-ms.
struct ConfigSource {
  std::string path;
  std::optional<std::chrono::milliseconds> interval;

  Result<Config> load() const {
    auto config = path.empty() ? Result<Config>(Config{}) : read_config(path);
    if (config && interval) config->interval = *interval;
    return config;
  }
};

// Appends whole lines with one write() each: with O_APPEND a line never
// interleaves with another writer's, and nothing sits in a buffer at exit.
// Without a file the lines go to standard error, which systemd connects to
// the journal (a detached daemon's is /dev/null: give it a file).
class Log {
 public:
  static Result<Log> open(const std::string& path) {
    Log log;
    if (path.empty()) return log;
    log.file_.reset(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
    if (!log.file_) return daemonize::os_error("open log", path);
    return log;
  }
  // The descriptor open() must keep, if any.
  std::optional<int> file() const { return file_ ? std::optional<int>(file_.get()) : std::nullopt; }
  void line(const std::string& text) const {
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", ::localtime_r(&now, &local));
    const std::string line =
        std::string(stamp) + " example-daemon[" + std::to_string(::getpid()) + "] " + text + "\n";
    // A full disk must not stop the daemon.
    (void)daemonize::write_all(file_ ? file_.get() : STDERR_FILENO, line);
  }

 private:
  daemonize::UniqueFd file_;
};

// The configuration again, on SIGHUP. Under Type=notify-reload systemd sent
// the signal and waits: RELOADING=1 (with the time) first, READY=1 once done,
// whether the new configuration was taken or the old one kept.
void reload(daemonize::Daemon& daemon, const Log& log, const ConfigSource& source, Config& config) {
  daemon.notify_reloading();
  auto reloaded = source.load();
  log.line(reloaded ? "SIGHUP: reloaded configuration from " +
                          (source.path.empty() ? "defaults" : source.path)
                    : "SIGHUP: kept the old configuration: " + reloaded.error().message());
  if (reloaded) config = *reloaded;
  daemon.notify_ready();
}

int run(daemonize::Daemon& daemon, const Log& log, const ConfigSource& source, Config config) {
  log.line(daemon.pidfile() ? "started; pidfile " + daemon.pidfile().path() : "started");
  daemon.notify_status("running");
  daemon.notify_ready();

  // Event-driven: poll() sleeps until the next tick, the next watchdog ping
  // or a signal, whichever comes first, so SIGTERM is handled at once.
  const auto watchdog = daemon.watchdog_period();
  auto next_tick = Clock::now() + config.interval;
  auto next_ping = Clock::now();
  for (unsigned long tick = 1;;) {
    const auto wake = watchdog ? std::min(next_tick, next_ping) : next_tick;
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(wake - Clock::now());
    pollfd signals{daemon.signal_fd(), POLLIN, 0};
    const int ready = ::poll(&signals, 1, static_cast<int>(std::max<long>(0, wait.count())));
    if (ready < 0 && errno != EINTR) {
      log.line("poll failed: " + daemonize::os_error("poll", "").message());
      return 1;
    }
    // Fed from the loop that does the work: if the loop hangs, the pings stop.
    if (watchdog && Clock::now() >= next_ping) {
      daemon.notify_watchdog();
      next_ping = Clock::now() + *watchdog;
    }
    if (Clock::now() >= next_tick) {
      log.line(config.message + " (tick " + std::to_string(tick++) + ")");
      next_tick = std::max(next_tick + config.interval, Clock::now());
    }
    while (const auto signo = daemon.next_signal()) {
      if (*signo == SIGHUP) {  // conventionally: "re-read your configuration"
        reload(daemon, log, source, config);
        continue;
      }
      log.line(std::string("stopping on ") + (*signo == SIGTERM ? "SIGTERM" : "SIGINT"));
      daemon.notify_status("stopping");
      if (auto closed = daemon.close(); !closed) log.line(closed.error().message());
      log.line("stopped");
      return 0;
    }
  }
}

// Says why on stderr (the terminal: nothing has been redirected yet), returns 1.
int fail(const Error& error) {
  std::fprintf(stderr, "example-daemon: %s\n", error.message().c_str());
  return 1;
}

int run(int argc, char** argv) {
  CLI::App app{"A small daemon built on the daemonize library."};
  std::string pidfile, log_path;
  ConfigSource source;
  int interval_ms = 0;
  bool foreground = false;
  app.add_option("--pidfile", pidfile, "Pidfile (created and locked; systemd needs none)");
  app.add_option("--log", log_path,
                 "Log file (appended to; default: stderr, under systemd the journal)");
  app.add_option("--config", source.path, "Configuration file (re-read on SIGHUP)");
  app.add_option("--interval-ms", interval_ms, "Milliseconds between log lines (default 1000)")
      ->check(CLI::Range(1, 86'400'000));
  app.add_flag("--foreground", foreground, "Do not detach (as under systemd)");
  CLI11_PARSE(app, argc, argv);
  if (interval_ms > 0) source.interval = std::chrono::milliseconds(interval_ms);

  // The daemon's working directory will be "/": make every path absolute now.
  const auto absolute = [](const std::string& path) {
    return path.empty() ? path : std::filesystem::absolute(path).lexically_normal().string();
  };
  pidfile = absolute(pidfile);
  log_path = absolute(log_path);
  source.path = absolute(source.path);

  // Read and open what we need before daemonizing, while an error still
  // reaches the terminal, and hand the log to open() as a descriptor to keep.
  auto config = source.load();
  if (!config) return fail(config.error());
  auto log = Log::open(log_path);
  if (!log) return fail(log.error());

  daemonize::Options options;
  options.pidfile = pidfile;
  if (const auto file = log->file()) options.files_preserve = {*file};
  options.signal_map[SIGHUP] = daemonize::SignalAction::notify;
  options.signal_map[SIGINT] = daemonize::SignalAction::notify;
  if (foreground) options.detach_process = false;

  auto daemon = daemonize::open(options);  // when detaching, the launched process exits in here
  if (!daemon) return fail(daemon.error());
  return run(*daemon, *log, source, *config);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& error) {  // out of memory, say
    std::fprintf(stderr, "example-daemon: %s\n", error.what());
  } catch (...) {
    std::fprintf(stderr, "example-daemon: unexpected error\n");
  }
  return 1;
}

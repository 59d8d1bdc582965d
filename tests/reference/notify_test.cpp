// systemd's service protocol: sd_notify's datagrams, the watchdog's
// environment (sd_watchdog_enabled(3)), and open() speaking them as a
// Type=notify-reload service's main process, to a socket the test listens on.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "daemonize/daemon.h"
#include "daemonize/notify.h"
#include "support.h"

namespace {

using namespace std::chrono_literals;
using reftest::NotifyListener;

TEST(SdNotify, SendsToAnAbstractSocket) {
  NotifyListener systemd;
  EXPECT_TRUE(daemonize::sd_notify(systemd.address(), "READY=1"));
  EXPECT_EQ("READY=1", systemd.next()->text);
}

TEST(SdNotify, RejectsANameThatIsNeitherPathNorAbstract) {
  auto sent = daemonize::sd_notify("relative/socket", "READY=1");
  ASSERT_FALSE(sent);
  EXPECT_EQ(EINVAL, sent.error().err);
}

TEST(ReloadingMessage, CarriesTheMonotonicTimeInMicroseconds) {
  EXPECT_EQ("RELOADING=1\nMONOTONIC_USEC=123456789", daemonize::reloading_message(123456789));
}

TEST(MonotonicUsec, IsClockMonotonic) {
  timespec before{}, after{};
  ::clock_gettime(CLOCK_MONOTONIC, &before);
  const uint64_t now = daemonize::monotonic_usec();
  ::clock_gettime(CLOCK_MONOTONIC, &after);
  EXPECT_GE(now, static_cast<uint64_t>(before.tv_sec) * 1'000'000 + before.tv_nsec / 1000);
  EXPECT_LE(now, static_cast<uint64_t>(after.tv_sec) * 1'000'000 + after.tv_nsec / 1000);
}

TEST(IsServiceVariable, NamesTheMainProcesssVariablesOnly) {
  EXPECT_TRUE(daemonize::is_service_variable("NOTIFY_SOCKET=/run/systemd/notify"));
  EXPECT_TRUE(daemonize::is_service_variable("WATCHDOG_USEC=30000000"));
  EXPECT_TRUE(daemonize::is_service_variable("WATCHDOG_PID"));
  EXPECT_FALSE(daemonize::is_service_variable("INVOCATION_ID=0123"));
  EXPECT_FALSE(daemonize::is_service_variable("NOTIFY_SOCKETS=x"));
}

TEST(WatchdogTimeout, IsWatchdogUsecWhenThePidIsOursOrUnset) {
  EXPECT_EQ(30s, daemonize::watchdog_timeout("30000000", "42", 42));
  EXPECT_EQ(200ms, daemonize::watchdog_timeout("200000", nullptr, 42));
}

TEST(WatchdogTimeout, NoneForAnotherProcessOrABadValue) {
  EXPECT_FALSE(daemonize::watchdog_timeout("30000000", "41", 42));  // we forked: not watched
  EXPECT_FALSE(daemonize::watchdog_timeout(nullptr, "42", 42));
  EXPECT_FALSE(daemonize::watchdog_timeout("0", "42", 42));
  EXPECT_FALSE(daemonize::watchdog_timeout("-5", nullptr, 42));
  EXPECT_FALSE(daemonize::watchdog_timeout("30s", nullptr, 42));
  EXPECT_FALSE(daemonize::watchdog_timeout("30000000", "42x", 42));
}

TEST(WatchdogPeriod, IsHalfTheTimeout) {
  EXPECT_EQ(100ms, daemonize::watchdog_period(200ms));
}

// Plays a Type=notify-reload service's main process: systemd's variables
// set, open(), then the whole protocol. Returns what open() returned.
int serve_as_service(const std::string& socket, const std::string& watchdog_pid) {
  ::setenv("NOTIFY_SOCKET", socket.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "1000000", 1);
  ::setenv("WATCHDOG_PID", watchdog_pid.c_str(), 1);
  auto daemon = daemonize::open(daemonize::Options{});
  if (!daemon || daemon->detached()) return 2;
  daemon->notify_ready();
  daemon->notify_reloading();
  daemon->notify_ready();
  daemon->notify_watchdog();
  if (daemon->watchdog_period() !=
      (watchdog_pid == "self" ? std::nullopt : std::optional(500'000us)))
    return 3;
  return daemon->close() ? 0 : 4;
}

TEST(Open, SpeaksTheNotifyReloadProtocolAndFeedsItsWatchdog) {
  NotifyListener systemd;
  const uint64_t before = daemonize::monotonic_usec();
  EXPECT_EQ(0, reftest::in_child([&] {
              return serve_as_service(systemd.address(), std::to_string(::getpid()));
            }));
  EXPECT_EQ("READY=1", systemd.next()->text);
  const auto reloading = systemd.next();
  ASSERT_TRUE(reloading);
  const std::string prefix = "RELOADING=1\nMONOTONIC_USEC=";
  ASSERT_TRUE(reloading->text.starts_with(prefix)) << reloading->text;
  const uint64_t sent_usec = std::stoull(reloading->text.substr(prefix.size()));
  EXPECT_GE(sent_usec, before);
  EXPECT_LE(sent_usec, reloading->at_usec);  // the sender's clock, not a made-up number
  EXPECT_EQ("READY=1", systemd.next()->text);
  EXPECT_EQ("WATCHDOG=1", systemd.next()->text);
  EXPECT_EQ("STOPPING=1", systemd.next()->text);
  EXPECT_FALSE(systemd.next(0ms));
}

TEST(Open, AWatchdogArmedForAnotherProcessIsNotFed) {
  NotifyListener systemd;
  // "self" is no pid: WATCHDOG_PID names some other process.
  EXPECT_EQ(0, reftest::in_child([&] { return serve_as_service(systemd.address(), "self"); }));
  for (const char* expected : {"READY=1", "RELOADING=1", "READY=1", "STOPPING=1"}) {
    const auto message = systemd.next();
    ASSERT_TRUE(message);
    EXPECT_TRUE(message->text.starts_with(expected)) << message->text;
  }
  EXPECT_FALSE(systemd.next(0ms));
}

// The environment a child of the daemon starts with, as env(1) prints it.
std::string child_environment(const std::string& output) {
  const pid_t child = ::fork();
  if (child == 0) {
    const int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 1);
    ::execle("/usr/bin/env", "env", nullptr, environ);
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return reftest::read_file(output);
}

TEST(Open, ChildrenNeverInheritNotifySocketNorTheWatchdog) {
  NotifyListener systemd;
  reftest::TempDir dir;
  EXPECT_EQ(0, reftest::in_child([&] {
              ::setenv("NOTIFY_SOCKET", systemd.address().c_str(), 1);
              ::setenv("WATCHDOG_USEC", "1000000", 1);
              ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
              ::setenv("KEPT", "yes", 1);
              daemonize::Options options;
              options.env_allow = {"*"};  // even when the caller keeps everything
              auto daemon = daemonize::open(options);
              if (!daemon || !daemon->watchdog_period()) return 2;
              const std::string env = child_environment(dir / "env");
              if (env.find("KEPT=yes") == std::string::npos) return 3;
              for (const char* name : {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"}) {
                if (env.find(name) != std::string::npos || std::getenv(name) != nullptr) return 4;
              }
              daemon->notify_ready();  // the daemon itself still speaks to systemd
              return 0;
            }));
  EXPECT_EQ("READY=1", systemd.next()->text);
}

}  // namespace

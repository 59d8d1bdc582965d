// Tests of the [Service] settings resolved from a unit: systemd's defaults,
// the value parsers, the list resets, not_simulated, and real Debian units.
#include "unit/service_config.h"

#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <vector>

#include "unit_test_data.h"

namespace dc::unit {
namespace {

using Strings = std::vector<std::string>;

UnitFile unit_of(std::string_view text, std::string_view name = "t.service") {
  UnitFile unit;
  unit.path = std::string(name);
  unit.name = *split_unit_name(name);
  parse_unit_text(text, std::string(name), unit.assignments, unit.findings);
  return unit;
}

ServiceConfig config_of(std::string_view text, std::string_view name = "t.service") {
  Result<ServiceConfig> c = resolve_service(unit_of(text, name), SpecifierHost{});
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message());
  return c ? *c : ServiceConfig{};
}

std::string messages(const ServiceConfig& c) {
  std::string out;
  for (const Finding& f : c.findings) out += describe(f) + "\n";
  return out;
}

TEST(TimeSpan, ParsesSystemdTimeSpans) {
  EXPECT_EQ(*parse_timespan("90"), 90'000'000u);
  EXPECT_EQ(*parse_timespan("1min 30s"), 90'000'000u);
  EXPECT_EQ(*parse_timespan("1min30s"), 90'000'000u);
  EXPECT_EQ(*parse_timespan("2.5h"), 9'000'000'000u);
  EXPECT_EQ(*parse_timespan("500ms"), 500'000u);
  EXPECT_EQ(*parse_timespan("20 us"), 20u);
  EXPECT_EQ(*parse_timespan("3min"), 180'000'000u);
  EXPECT_EQ(*parse_timespan("1d 1w"), 691'200'000'000u);
  EXPECT_EQ(*parse_timespan("infinity"), kInfinity);
  EXPECT_EQ(*parse_timespan("0"), 0u);
  for (const char* bad : {"", "abc", "5 parsecs", "-1", "1..2s", "5mine", "99999999999999y"}) {
    EXPECT_FALSE(parse_timespan(bad)) << bad;
  }
}

TEST(Signal, ParsesNamesAndNumbers) {
  EXPECT_EQ(*parse_signal("SIGTERM"), SIGTERM);
  EXPECT_EQ(*parse_signal("HUP"), SIGHUP);
  EXPECT_EQ(*parse_signal("9"), 9);
  EXPECT_EQ(*parse_signal("SIGRTMIN+2"), SIGRTMIN + 2);
  EXPECT_FALSE(parse_signal("SIGNOPE"));
  EXPECT_FALSE(parse_signal("0"));
  EXPECT_FALSE(parse_signal("SIGRTMIN+99"));
}

TEST(ServiceDefaults, SimpleServiceGetsSystemdsDefaults) {
  ServiceConfig c = config_of("[Service]\nExecStart=/usr/bin/d\n");
  EXPECT_EQ(c.type, ServiceType::simple);
  EXPECT_EQ(c.notify_access, NotifyAccess::none);
  EXPECT_EQ(c.kill_mode, KillMode::control_group);
  EXPECT_EQ(c.kill_signal, SIGTERM);
  EXPECT_TRUE(c.send_sigkill);
  EXPECT_EQ(c.timeout_start_usec, 90'000'000u);
  EXPECT_EQ(c.timeout_stop_usec, 90'000'000u);
  EXPECT_EQ(c.watchdog_usec, 0u);
  EXPECT_EQ(c.umask, 0022u);
  EXPECT_EQ(c.working_directory.path, "/");
  EXPECT_EQ(c.limit_nofile.soft, 1024u);
  EXPECT_EQ(c.limit_nofile.hard, 524288u);
  EXPECT_EQ(c.standard_input.kind, "null");
  EXPECT_EQ(c.standard_output.kind, "journal");
  EXPECT_EQ(c.standard_error.kind, "inherit");
  EXPECT_EQ(c.reload_signal, SIGHUP);
  EXPECT_TRUE(c.guess_main_pid);
  EXPECT_TRUE(c.findings.empty()) << messages(c);
  EXPECT_TRUE(c.not_simulated.empty());
}

TEST(ServiceDefaults, NotifyTypesAndWatchdogDefaultToNotifyAccessMain) {
  EXPECT_EQ(config_of("[Service]\nType=notify\nExecStart=/d\n").notify_access, NotifyAccess::main);
  EXPECT_EQ(config_of("[Service]\nType=notify-reload\nExecStart=/d\n").notify_access,
            NotifyAccess::main);
  EXPECT_EQ(config_of("[Service]\nWatchdogSec=10\nExecStart=/d\n").notify_access,
            NotifyAccess::main);
  EXPECT_EQ(config_of("[Service]\nType=notify\nNotifyAccess=all\nExecStart=/d\n").notify_access,
            NotifyAccess::all);
}

TEST(ServiceDefaults, OneshotHasNoStartTimeoutUnlessSet) {
  EXPECT_EQ(config_of("[Service]\nType=oneshot\nExecStart=/d\n").timeout_start_usec, kInfinity);
  EXPECT_EQ(
      config_of("[Service]\nType=oneshot\nTimeoutStartSec=5\nExecStart=/d\n").timeout_start_usec,
      5'000'000u);
}

TEST(ServiceType, IdleRunsAsSimple) {
  ServiceConfig c = config_of("[Service]\nType=idle\nExecStart=/d\n");
  EXPECT_EQ(c.type, ServiceType::simple);
  EXPECT_TRUE(c.type_was_idle);
}

TEST(ServiceType, DbusIsRefused) {
  Result<ServiceConfig> c =
      resolve_service(unit_of("[Service]\nType=dbus\nBusName=a.b\nExecStart=/d\n"), {});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message().find("Type=dbus is not simulated"), std::string::npos);
}

TEST(ServiceType, BusNameWithoutTypeIsDbusAndRefused) {
  EXPECT_FALSE(resolve_service(unit_of("[Service]\nBusName=a.b\nExecStart=/d\n"), {}));
  EXPECT_TRUE(resolve_service(unit_of("[Service]\nType=simple\nBusName=a.b\nExecStart=/d\n"), {}));
}

TEST(ServiceType, UnknownTypeIsIgnoredWithAFinding) {
  ServiceConfig c = config_of("[Service]\nType=sometimes\nExecStart=/d\n");
  EXPECT_EQ(c.type, ServiceType::simple);
  EXPECT_EQ(messages(c), "t.service:2: invalid service type 'sometimes' in Type=, ignored\n");
}

TEST(ServiceExec, MissingExecStartIsFatal) {
  ServiceConfig c = config_of("[Service]\nUser=nobody\n");
  EXPECT_TRUE(has_fatal(c.findings));
  EXPECT_EQ(messages(c), "t.service: the unit has no ExecStart=\n");
}

TEST(ServiceExec, SeveralExecStartOnlyForOneshot) {
  EXPECT_TRUE(has_fatal(config_of("[Service]\nExecStart=/a\nExecStart=/b\n").findings));
  ServiceConfig c = config_of("[Service]\nType=oneshot\nExecStart=/a\nExecStart=/b\n");
  EXPECT_FALSE(has_fatal(c.findings));
  EXPECT_EQ(c.exec_start.size(), 2u);
}

TEST(ServiceExec, EmptyAssignmentResetsTheList) {
  ServiceConfig c = config_of(
      "[Service]\nExecStartPre=/a\nExecStartPre=\nExecStartPre=-/b\nExecStart=/d\n"
      "ExecStartPost=/c\nExecReload=/bin/kill -HUP $MAINPID\nExecStop=/e\n");
  ASSERT_EQ(c.exec_start_pre.size(), 1u);
  EXPECT_EQ(c.exec_start_pre[0].path, "/b");
  EXPECT_TRUE(c.exec_start_pre[0].ignore_failure);
  EXPECT_EQ(c.exec_start_post.size(), 1u);
  EXPECT_EQ(c.exec_reload[0].argv, (Strings{"/bin/kill", "-HUP", "$MAINPID"}));
  EXPECT_EQ(c.exec_stop.size(), 1u);
}

TEST(ServiceExec, RelativeProgramOrBadQuotingIsFatal) {
  ServiceConfig c = config_of("[Service]\nExecStart=./daemon\n");
  ASSERT_TRUE(has_fatal(c.findings));
  EXPECT_EQ(c.findings[0].message,
            "ExecStart=: program './daemon' is neither an absolute path nor a bare name");
  EXPECT_TRUE(has_fatal(config_of("[Service]\nExecStart=/d 'open\n").findings));
}

TEST(ServiceExec, SpecifiersAreResolvedBeforeQuoting) {
  ServiceConfig c =
      config_of("[Service]\nExecStart=/usr/bin/d --pid %t/%p.pid '%I'\n", "web@a\\x20b.service");
  EXPECT_EQ(c.exec_start[0].argv, (Strings{"/usr/bin/d", "--pid", "/run/web.pid", "a b"}));
  EXPECT_TRUE(has_fatal(config_of("[Service]\nExecStart=/d %z\n").findings));
}

TEST(ServiceTimeouts, TimeoutSecSetsBothAndLaterKeysWin) {
  ServiceConfig c = config_of(
      "[Service]\nTimeoutStartSec=5\nTimeoutSec=7\nTimeoutStopSec=0\n"
      "WatchdogSec=2s\nExecStart=/d\n");
  EXPECT_EQ(c.timeout_start_usec, 7'000'000u);
  EXPECT_EQ(c.timeout_stop_usec, kInfinity);
  EXPECT_EQ(c.watchdog_usec, 2'000'000u);
  ServiceConfig bad = config_of("[Service]\nTimeoutStopSec=soon\nExecStart=/d\n");
  EXPECT_EQ(bad.timeout_stop_usec, 90'000'000u);
  EXPECT_EQ(bad.findings.size(), 1u);
}

TEST(ServiceKill, ReadsKillSettings) {
  ServiceConfig c = config_of(
      "[Service]\nKillMode=mixed\nKillSignal=SIGINT\nSendSIGKILL=no\n"
      "ReloadSignal=USR1\nGuessMainPID=false\nExecStart=/d\n");
  EXPECT_EQ(c.kill_mode, KillMode::mixed);
  EXPECT_EQ(c.kill_signal, SIGINT);
  EXPECT_FALSE(c.send_sigkill);
  EXPECT_EQ(c.reload_signal, SIGUSR1);
  EXPECT_FALSE(c.guess_main_pid);
  EXPECT_EQ(config_of("[Service]\nKillMode=gentle\nExecStart=/d\n").findings.size(), 1u);
}

TEST(ServiceExitStatus, NumbersAndSignalsAndReset) {
  ServiceConfig c = config_of(
      "[Service]\nSuccessExitStatus=1 2\nSuccessExitStatus=\n"
      "SuccessExitStatus=143 SIGKILL 256\nExecStart=/d\n");
  EXPECT_EQ(c.success_exit_status, (std::vector<int>{143}));
  EXPECT_EQ(c.success_signals, (std::vector<int>{SIGKILL}));
  EXPECT_EQ(c.findings.size(), 1u);  // 256
}

// MountAPIVFS= is not simulated (listed as such) but read: with
// RootDirectory= it decides where NOTIFY_SOCKET is.
TEST(ServiceCredentials, MountApiVfsIsReadAndStillListedAsNotSimulated) {
  ServiceConfig c = config_of("[Service]\nRootDirectory=/srv/root\nMountAPIVFS=no\nExecStart=/d\n");
  EXPECT_EQ(c.mount_api_vfs, std::optional<bool>(false));
  EXPECT_EQ(c.not_simulated, (Strings{"MountAPIVFS"}));
  EXPECT_EQ(config_of("[Service]\nMountAPIVFS=yes\nExecStart=/d\n").mount_api_vfs,
            std::optional<bool>(true));
  EXPECT_EQ(config_of("[Service]\nExecStart=/d\n").mount_api_vfs, std::nullopt);
}

TEST(ServiceCredentials, UserGroupsAndDirectories) {
  ServiceConfig c = config_of(
      "[Service]\nUser=www-data\nGroup=www-data\nSupplementaryGroups=adm\nSupplementaryGroups=a b\n"
      "WorkingDirectory=-~\nRootDirectory=/srv/root\nUMask=0077\nRuntimeDirectory=%p sub/dir\n"
      "RuntimeDirectory=../escape\nExecStart=/d\n",
      "cache.service");
  EXPECT_EQ(c.user, "www-data");
  EXPECT_EQ(c.group, "www-data");
  EXPECT_EQ(c.supplementary_groups, (Strings{"adm", "a", "b"}));
  EXPECT_EQ(c.working_directory.path, "~");
  EXPECT_TRUE(c.working_directory.optional);
  EXPECT_EQ(c.root_directory, "/srv/root");
  EXPECT_EQ(c.umask, 0077u);
  EXPECT_EQ(c.runtime_directory, (Strings{"cache", "sub/dir"}));
  EXPECT_EQ(c.findings.size(), 1u) << messages(c);
  EXPECT_EQ(config_of("[Service]\nWorkingDirectory=rel\nUMask=999\nExecStart=/d\n").findings.size(),
            2u);
}

TEST(ServiceEnvironment, AssignmentsFilesPassAndUnset) {
  ServiceConfig c = config_of(
      "[Service]\nEnvironment=A=1 \"B=two words\"\nEnvironment=\nEnvironment=C=%n 1bad=x\n"
      "EnvironmentFile=-/etc/default/d\nEnvironmentFile=/etc/d.env\nPassEnvironment=TERM LANG\n"
      "UnsetEnvironment=LANG X=1\nExecStart=/d\n");
  ASSERT_EQ(c.environment.size(), 1u);
  EXPECT_EQ(c.environment[0].first, "C");
  EXPECT_EQ(c.environment[0].second, "t.service");
  ASSERT_EQ(c.environment_files.size(), 2u);
  EXPECT_TRUE(c.environment_files[0].optional);
  EXPECT_EQ(c.environment_files[0].path, "/etc/default/d");
  EXPECT_FALSE(c.environment_files[1].optional);
  EXPECT_EQ(c.pass_environment, (Strings{"TERM", "LANG"}));
  EXPECT_EQ(c.unset_environment, (Strings{"LANG", "X=1"}));
  EXPECT_EQ(c.findings.size(), 1u) << messages(c);  // 1bad=x
}

TEST(ServiceStdio, ReadsStreamsAndFiles) {
  ServiceConfig c = config_of(
      "[Service]\nStandardInput=tty-force\nStandardOutput=append:/var/log/%p.log\n"
      "StandardError=syslog\nPIDFile=/var/run/d.pid\nLimitNOFILE=4096:8192\nLimitCORE=infinity\n"
      "ExecStart=/d\n",
      "x.service");
  EXPECT_EQ(c.standard_input.kind, "tty-force");
  EXPECT_EQ(c.standard_output.kind, "append");
  EXPECT_EQ(c.standard_output.path, "/var/log/x.log");
  EXPECT_EQ(c.standard_error.kind, "journal");
  EXPECT_EQ(*c.pid_file, "/run/d.pid");
  EXPECT_EQ(c.limit_nofile.soft, 4096u);
  EXPECT_EQ(c.limit_nofile.hard, 8192u);
  EXPECT_EQ(c.limit_core->soft, kInfinity);
  ServiceConfig bad = config_of(
      "[Service]\nStandardInput=append:/x\nStandardOutput=file:rel\nLimitNOFILE=9:1\n"
      "PIDFile=run/x.pid\nExecStart=/d\n");
  EXPECT_EQ(bad.findings.size(), 4u) << messages(bad);
}

TEST(NotSimulated, ListsEveryOtherServiceKeyOnceAndFlagsUnknownOnes) {
  ServiceConfig c = config_of(
      "[Unit]\nDescription=x\n[Service]\nRestart=always\nRestartSec=0\nPrivateTmp=yes\n"
      "Restart=no\nExecStart=/d\nExecStrat=/d\n");
  EXPECT_EQ(c.not_simulated, (Strings{"Restart", "RestartSec", "PrivateTmp"}));
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_EQ(c.findings[0].message, "unknown key ExecStrat= in [Service], ignored");
  EXPECT_FALSE(has_fatal(c.findings));
}

// ---- real Debian 12 units --------------------------------------------------

TEST(RealUnits, DbusServiceIsNotify) {
  Result<ServiceConfig> c = resolve_service(read_unit(kUnitData / "dbus.service", {}), {});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->type, ServiceType::notify);
  EXPECT_EQ(c->notify_access, NotifyAccess::main);
  EXPECT_EQ(c->exec_start[0].argv.size(), 7u);
  EXPECT_EQ(c->exec_reload.size(), 1u);
  EXPECT_EQ(c->not_simulated, (Strings{"OOMScoreAdjust"}));
  EXPECT_TRUE(c->findings.empty());
}

TEST(RealUnits, GettyTemplateRunsIdleAsSimpleWithATerminal) {
  Result<ServiceConfig> c = resolve_service(read_unit(kUnitData / "getty@.service", "tty2"), {});
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->type_was_idle);
  EXPECT_EQ(c->standard_input.kind, "tty");
  EXPECT_TRUE(c->exec_start[0].ignore_failure);
  EXPECT_EQ(c->unset_environment.size(), 14u);
  EXPECT_EQ(c->not_simulated,
            (Strings{"Restart", "RestartSec", "UtmpIdentifier", "TTYPath", "TTYReset", "TTYVHangup",
                     "TTYVTDisallocate", "IgnoreSIGPIPE", "SendSIGHUP"}));
  EXPECT_TRUE(c->findings.empty()) << messages(*c);
}

TEST(RealUnits, E2scrubTemplateResolvesTheInstancePath) {
  Result<ServiceConfig> c =
      resolve_service(read_unit(kUnitData / "e2scrub@.service", "dev-sda1"), {});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->type, ServiceType::oneshot);
  EXPECT_EQ(c->exec_start[0].argv, (Strings{"/sbin/e2scrub", "-t", "dev/sda1"}));
  EXPECT_EQ(c->user, "root");
  EXPECT_EQ(c->timeout_start_usec, kInfinity);
}

TEST(RealUnits, FstrimIsOneshotWithSandboxingNotSimulated) {
  Result<ServiceConfig> c = resolve_service(read_unit(kUnitData / "fstrim.service", {}), {});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->type, ServiceType::oneshot);
  EXPECT_EQ(c->not_simulated.size(), 8u);
}

TEST(RealUnits, LogindHasBusNameAndIsRefusedAsDbus) {
  Result<ServiceConfig> c =
      resolve_service(read_unit(kUnitData / "systemd-logind.service", {}), {});
  EXPECT_FALSE(c);
}

}  // namespace
}  // namespace dc::unit

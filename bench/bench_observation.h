// A realistic, hand-made Observation for the rule and report benchmarks: the
// facts a full check of a well-behaved double-forking daemon produces (one
// daemon, a pidfile known by option and locked, every probe run, five race
// trials), with the sizes a real run has (a shell-sized environment, a dozen
// descriptors, the reaped launch processes), built from the same pieces as
// the unit tests' samples (tests/support/sample_facts.h).
#pragma once

#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <string>

#include "model/observation.h"
#include "sample_facts.h"

namespace dc::bench {

using sample::exited;
using sample::killed;

inline Observation realistic_observation() {
  Observation o;
  const std::string tmp = "/tmp/daemoncheck-Ab12Cd";
  o.launch = sample::planted_launch(tmp, 4101, 3.2);
  LaunchFacts& l = o.launch;
  l.argv = {"/usr/local/sbin/exampled", "--pidfile", tmp + "/exampled.pid", "--config",
            "/etc/exampled/exampled.conf"};
  l.canary_value = "dc-canary-5f3a9c1e0b7d2468";
  l.reaped = {exited(4103, 0, 3.9), exited(4102, 0, 3.2)};
  l.ready_ms = 4.1;

  DaemonFacts d;
  d.pid = 4104;
  d.comm = "exampled";
  d.why = "named by the pidfile";
  d.ppid = 4100;
  d.pgrp = 4103;
  d.sid = 4103;
  d.tpgid = -1;
  d.tty_nr = 0;
  d.cwd = "/";
  d.root = "/";
  d.umask = 022;
  d.fds = sample::stdio_on_dev_null();
  d.fds.push_back({3, tmp + "/exampled.pid", 2049, 1377, 0, S_IFREG | 0644, true});
  d.fds.push_back({4, "socket:[88301]", 8, 88301, 0, S_IFSOCK | 0777, true});
  d.fds.push_back({5, "socket:[88302]", 8, 88302, 0, S_IFSOCK | 0777, true});
  d.fds.push_back({6, "anon_inode:[eventpoll]", 15, 1052, 0, 0600, true});
  d.fds.push_back({7, "/var/log/exampled/exampled.log", 2049, 40411, 0, S_IFREG | 0640, true});
  d.fds.push_back({8, "anon_inode:[signalfd]", 15, 1052, 0, 0600, true});
  d.fds.push_back({9, "pipe:[88310]", 14, 88310, 0, S_IFIFO | 0600, true});
  d.fds.push_back({10, "pipe:[88310]", 14, 88310, 0, S_IFIFO | 0600, true});
  d.fds.push_back({11, "anon_inode:[timerfd]", 15, 1052, 0, 0600, true});
  d.sig_blk = 0;
  d.sig_ign = uint64_t{1} << (SIGPIPE - 1);
  d.sig_cgt = (uint64_t{1} << (SIGTERM - 1)) | (uint64_t{1} << (SIGHUP - 1)) |
              (uint64_t{1} << (SIGINT - 1)) | (uint64_t{1} << (SIGCHLD - 1));
  d.environ = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8",
               "HOME=/", "TZ=UTC"};
  d.environ_key_value = true;
  d.core_known = true;
  d.core_soft = 0;
  d.core_hard = 0;
  d.descendants = {4105, 4106};
  o.daemons.push_back(d);

  PidfileState s = sample::locked_pidfile(4104, 1377);
  o.pidfile = PidfileFacts{tmp + "/exampled.pid", "option", s};
  l.pidfile_at_exit = s;

  o.probes.hangup.ran = true;
  o.probes.hangup.ms = 2.3;
  SecondInstanceProbe& sec = o.probes.second;
  sec.ran = true;
  sec.launched_exit = exited(4120, 1, 18.5);
  sec.first_alive = true;
  sec.pidfile_known = true;
  sec.pidfile_unchanged = true;
  sec.ms = 6.1;
  SignalProbe& hup = o.probes.sighup;
  hup.ran = true;
  hup.signal = SIGHUP;
  hup.ms = 1.2;
  SignalProbe& term = o.probes.sigterm;
  term.ran = true;
  term.signal = SIGTERM;
  term.died = {exited(4104, 0, 31.0)};
  term.all_exited = true;
  term.last_exit_ms = 0.9;
  term.pidfile_known = true;
  term.pidfile_removed = true;
  term.ms = 1.4;
  RaceProbe& race = o.probes.race;
  race.ran = true;
  for (int i = 0; i < 5; ++i) {
    RaceTrial t;
    t.daemon_survived = true;
    t.launched_exit = exited(4200 + 10 * i, 0, 40.0 + 8 * i);
    t.ms = 7.5;
    race.trials.push_back(t);
  }
  o.race_trials = 5;
  o.phase_ms = {{"launch", 1.1},  {"settle", 3.0},          {"observe", 0.8},
                {"hangup", 2.3},  {"second_instance", 6.1}, {"sighup", 1.2},
                {"sigterm", 1.4}, {"race_trials", 38.0},    {"cleanup", 0.4}};
  return o;
}

// The same run with the mistakes a learner's first daemon makes, so the
// failure paths (longer messages, more evidence) are measured too.
inline Observation failing_observation() {
  Observation o = realistic_observation();
  DaemonFacts& d = o.daemons[0];
  d.sid = o.launch.launch_sid;
  d.pgrp = o.launch.job_pgid;
  d.tty_nr = static_cast<int>(makedev(136, 7));
  d.cwd = o.launch.tmp_dir;
  d.umask = o.launch.umask;
  d.fds[0].target = d.fds[1].target = d.fds[2].target = "/dev/pts/7";
  d.fds[0].rdev = d.fds[1].rdev = d.fds[2].rdev = o.launch.pty_rdev;
  d.fds[0].mode = d.fds[1].mode = d.fds[2].mode = S_IFCHR | 0620;
  const PlantedFd& file = o.launch.planted_fds[0];
  const PlantedFd& pipe = o.launch.planted_fds[1];
  d.fds.push_back({12, file.path, file.dev, file.ino, 0, S_IFREG | 0600, true});
  d.fds.push_back({13, pipe.path, pipe.dev, pipe.ino, 0, S_IFIFO | 0600, true});
  d.sig_blk = uint64_t{1} << (SIGUSR2 - 1);
  d.sig_ign |= uint64_t{1} << (SIGRTMIN + 3 - 1);
  d.environ.push_back(o.launch.canary_name + "=" + o.launch.canary_value);
  d.core_soft.reset();
  d.core_hard.reset();
  o.probes.hangup.reachable = {d.pid};
  o.probes.hangup.died = {killed(d.pid, SIGHUP, 12.0)};
  o.probes.second.left_behind = {4121, 4122};
  o.probes.second.left_behind_comm = {"exampled", "exampled"};
  o.probes.second.launched_exit = exited(4120, 0, 18.0);
  for (auto& t : o.probes.race.trials) {
    t.daemon_survived = false;
    t.deaths = {killed(t.launched_exit->pid + 1, SIGHUP, t.launched_exit->at_ms + 1)};
  }
  return o;
}

}  // namespace dc::bench

// Scorecards for the renderer tests, made the way a run makes them: a
// hand-built Observation, judged, turned into JSON by scorecard_json(). One
// is a messy run (failures, a waiver used and one unused, and the kind of
// strings a hostile daemon can put in /proc: markup, escape sequences,
// invalid UTF-8); the other is that run with every rule passing.
#pragma once

#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <nlohmann/json.hpp>
#include <string>

#include "model/observation.h"
#include "report/scorecard.h"
#include "rules/catalog.h"
#include "rules/judge.h"
#include "sample_facts.h"

namespace dc::sample {

// What a daemon can name itself or its files: markup, quotes, Markdown and
// table syntax, a terminal escape, a CDATA end, invalid UTF-8.
inline const std::string kHostile =
    "<script>alert(\"x\")</script> & ' | `tick` *b* ]]> \x1b[31mred\xff";

inline Observation messy_observation() {
  Observation o;
  o.launch = planted_launch("/tmp/daemoncheck-x", 100, 2.5);
  o.launch.argv = {"/usr/sbin/mydaemon", "--pidfile", "/tmp/daemoncheck-x/d.pid", "a b"};
  o.launch.reaped = {killed(102, SIGHUP, 61)};
  o.launch.ready_ms = 35;
  const ExitInfo hup = o.launch.reaped.front();

  DaemonFacts d;
  d.pid = 102;
  d.comm = kHostile;
  d.why = "re-parented to the checker";
  d.ppid = 99;
  d.pgrp = 101;
  d.sid = 100;  // still in the launch session
  d.tty_nr = 34823;
  d.cwd = "/tmp/daemoncheck-x/" + kHostile;
  d.root = "/";
  d.umask = 047;
  d.fds = stdio_on("/dev/pts/7", makedev(136, 7), 0620);
  d.fds.push_back({3, o.launch.planted_fds[0].path, 2049, 11, 0, S_IFREG | 0644, true});
  d.sig_blk = 1ull << (SIGUSR2 - 1);
  d.environ = {"PATH=/usr/bin", "DAEMONCHECK_CANARY=v"};
  d.core_known = true;
  d.core_soft = 0;
  o.daemons.push_back(d);

  o.probes.hangup.ran = true;
  o.probes.hangup.reachable = {102};
  o.probes.hangup.died = {hup};
  o.probes.hangup.ms = 0.4;
  o.probes.second.skipped = "the daemon did not survive the earlier probes";
  o.probes.sighup.skipped = o.probes.second.skipped;
  o.probes.sigterm.skipped = o.probes.second.skipped;
  o.probes.race.skipped = "--race-trials 0";
  o.phase_ms = {{"launch", 1.5}, {"settle", 33}, {"observe", 20}, {"hangup", 0.4}, {"cleanup", 1}};
  return o;
}

inline RunMeta messy_meta() {
  RunMeta m;
  m.command = {"/usr/sbin/mydaemon", "--pidfile", "{tmp}/d.pid", "a b"};
  m.started_at = "2026-11-25T04:04:29.237Z";
  m.duration_ms = 283.25;
  return m;
}

// The messy run: cwd-root's failure waived, stdio-open's waiver unused.
inline nlohmann::json messy_scorecard() {
  std::vector<Waiver> waivers = {{"cwd-root", "the harness <starts> it | there", false},
                                 {"stdio-open", "never fails here", false}};
  return scorecard_json(messy_observation(), judge(messy_observation(), waivers, false),
                        messy_meta());
}

// A service check (--unit): the unit file with a drop-in and keys not
// simulated, an ExecStartPre= and the ExecStart= command, two notify
// messages (one from a child, ignored). Profile systemd, whose rules the
// catalogue can judge here; the renderers read the `unit` object alone.
inline nlohmann::json service_scorecard() {
  Observation o = messy_observation();
  o.profile = ProfileId::Systemd;
  ServiceFacts s;
  s.unit.file = "/etc/systemd/system/my.service";
  s.unit.name = "my.service";
  s.unit.dropins = {"/etc/systemd/system/my.service.d/override.conf"};
  s.unit.type = "notify";
  s.unit.not_simulated = {"ProtectSystem=", "CPUQuota="};
  ExecRun pre;
  pre.kind = "ExecStartPre";
  pre.argv = {"/usr/sbin/mydaemon", "--check-config"};
  pre.pid = 10;
  pre.started_ms = 1;
  pre.exit_status = 0;
  pre.ended_ms = 4;
  ExecRun start;
  start.kind = "ExecStart";
  start.argv = {"/usr/sbin/mydaemon", "--foreground"};
  start.pid = 11;
  start.started_ms = 5;
  s.execs = {pre, start};
  ServiceNotify ready;
  ready.at_ms = 20;
  ready.sender = 11;
  ready.text = "READY=1";
  ready.accepted = true;
  ServiceNotify child;
  child.at_ms = 18;
  child.sender = 12;
  child.text = "STATUS=" + kHostile;
  child.rejected_why = "reception only permitted for main PID 11";
  s.notify = {ready, child};
  o.service = s;
  return scorecard_json(o, judge(o, {}, false), messy_meta());
}

// The service check above, whose SIGHUP probe ended the service: the stop
// ran on relaunch 1, which started the program again (pid 31, READY=1 at
// 50 ms) and which ExecStop= (pid 32, 60 ms) stopped.
inline nlohmann::json relaunched_service_scorecard() {
  Observation o = messy_observation();
  o.profile = ProfileId::Systemd;
  ServiceFacts s;
  s.unit.type = "notify";
  ExecRun start;
  start.kind = "ExecStart";
  start.argv = {"/usr/sbin/mydaemon", "--foreground"};
  start.pid = 11;
  start.started_ms = 5;
  ExecRun stop;
  stop.kind = "ExecStop";
  stop.argv = {"/usr/sbin/mydaemonctl", "stop"};
  stop.pid = 32;
  stop.started_ms = 60;
  stop.exit_status = 0;
  stop.ended_ms = 61;
  s.execs = {start, stop};
  ServiceNotify ready;
  ready.at_ms = 20;
  ready.sender = 11;
  ready.text = "READY=1";
  ready.accepted = true;
  s.notify = {ready};
  ServiceRelaunch r;
  r.why = "the SIGHUP probe ended the main process, which was killed by SIGHUP";
  r.before = "the stop";
  r.start.result = "success";
  r.start.main_pid = 31;
  ExecRun again = start;
  again.pid = 31;
  again.started_ms = 40;
  r.execs = {again};
  ServiceNotify ready_again = ready;
  ready_again.at_ms = 50;
  ready_again.sender = 31;
  r.notify = {ready_again};
  s.relaunches = {r};
  s.stop.relaunch = 1;
  o.service = s;
  return scorecard_json(o, judge(o, {}, false), messy_meta());
}

// The same document with every rule passing and the verdict pass.
inline nlohmann::json passing_scorecard() {
  nlohmann::json sc = messy_scorecard();
  for (auto& r : sc["rules"]) {
    r["status"] = "pass";
    r.erase("waiver");
  }
  sc["waivers"] = nlohmann::json::array();
  sc["summary"] = {
      {"counts",
       {{"pass", sc["rules"].size()}, {"fail", 0}, {"skip", 0}, {"error", 0}, {"waived", 0}}},
      {"verdict", "pass"},
      {"exit_status", 0}};
  return sc;
}

// `sc` with notes on the check and terminal output, both holding hostile
// strings: every format must show them, inert.
inline nlohmann::json with_notes_and_terminal(nlohmann::json sc) {
  sc["notes"] = {"observing 1 daemon(s) took 1200 ms", "note " + kHostile};
  sc["launch"]["terminal_output"] = "starting\r\n" + kHostile + "\r\nlast \x07line\r\n";
  return sc;
}

// Whether s is valid UTF-8 (what every report must be).
inline bool valid_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80             ? 1
               : (c & 0xE0) == 0xC0 ? 2
               : (c & 0xF0) == 0xE0 ? 3
               : (c & 0xF8) == 0xF0 ? 4
                                    : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

inline int count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t p = haystack.find(needle); p != std::string::npos;
       p = haystack.find(needle, p + needle.size()))
    ++n;
  return n;
}

}  // namespace dc::sample

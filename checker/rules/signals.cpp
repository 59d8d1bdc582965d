// daemon(7) steps 2 and 3: signal dispositions and the signal mask are
// inherited across fork and exec, and a daemon resets both.
#include <algorithm>

#include "rules/catalog.h"
#include "rules/facts.h"

namespace dc {
namespace {

std::vector<std::string> still_set(uint64_t mask, const std::vector<int>& planted) {
  std::vector<std::string> out;
  for (int s : planted)
    if (s >= 1 && s <= 64 && (mask >> (s - 1)) & 1U) out.push_back(signal_name(s));
  return out;
}

std::vector<std::string> names(const std::vector<int>& sigs) {
  std::vector<std::string> out;
  out.reserve(sigs.size());
  for (int s : sigs) out.push_back(signal_name(s));
  return out;
}

Verdict signal_mask_reset(const Observation& o, const DaemonFacts& d) {
  if (o.attach) return skip("attached: nothing was planted");
  auto left = still_set(d.sig_blk, o.launch.blocked_signals);
  nlohmann::json ev{{"pid", d.pid},
                    {"planted_blocked", names(o.launch.blocked_signals)},
                    {"blocked", signal_names(d.sig_blk)}};
  if (!left.empty()) {
    return fail(join(left) +
                    " is still blocked, as the launching shell left it: the daemon "
                    "will never see it; clear the mask with sigprocmask(SIG_SETMASK, "
                    "&empty, NULL) (daemon(7) step 3)",
                ev);
  }
  return pass("no inherited blocked signal is still blocked", ev);
}

Verdict signal_dispositions_reset(const Observation& o, const DaemonFacts& d) {
  if (o.attach) return skip("attached: nothing was planted");
  auto left = still_set(d.sig_ign, o.launch.ignored_signals);
  nlohmann::json ev{{"pid", d.pid},
                    {"planted_ignored", names(o.launch.ignored_signals)},
                    {"ignored", signal_names(d.sig_ign)}};
  if (!left.empty()) {
    return fail(join(left) +
                    " is still ignored, as the launching shell left it: reset every "
                    "signal to SIG_DFL before installing your own handlers (daemon(7) "
                    "step 2)",
                ev);
  }
  return pass("no inherited ignored signal is still ignored", ev);
}

}  // namespace

void add_signal_rules(std::vector<RuleDef>& out) {
  out.push_back(RuleDef{
      .id = "signal-mask-reset",
      .title = "The inherited signal mask is cleared",
      .severity = Severity::Recommended,
      .seed_step = "daemon(7) 3",
      .profiles = kSysv | kControl,
      .per_daemon = signal_mask_reset,
      .doc = {
          .checks = "No signal the launcher blocked is still blocked in the daemon.",
          .why = "The signal mask survives fork() and exec(). A daemon started from a program "
                 "that blocked SIGTERM or SIGHUP never receives them: it cannot be stopped or "
                 "reloaded.",
          .how = "The SigBlk mask of /proc/PID/status, against the signals the launcher blocked "
                 "(SIGUSR2).",
          .fix_c = "sigset_t none;\n"
                   "sigemptyset(&none);\n"
                   "if (sigprocmask(SIG_SETMASK, &none, NULL) < 0) err(1, \"sigprocmask\");",
          .fix_python = "with daemon.DaemonContext(detach_process=True):\n"
                        "    # DaemonContext leaves the mask as it was inherited\n"
                        "    signal.pthread_sigmask(signal.SIG_SETMASK, [])\n"
                        "    main()",
          .fix_shell = "daemonctl start --pidfile $PIDFILE -- $DAEMON   # clears the signal mask\n"
                       "# A shell has no command that unblocks a signal: dash clears the mask for "
                       "a\n"
                       "# foreground external command but not for exec, & or $(...); bash never "
                       "does."}});
  out.push_back(RuleDef{
      .id = "signal-dispositions-reset",
      .title = "Inherited ignored signals are reset",
      .severity = Severity::Recommended,
      .seed_step = "daemon(7) 2",
      .profiles = kSysv | kControl,
      .per_daemon = signal_dispositions_reset,
      .doc = {
          .checks = "No signal the launcher set to SIG_IGN is still ignored in the daemon.",
          .why = "An ignored disposition survives exec(). `nohup` ignores SIGHUP, some shells "
                 "ignore SIGINT or SIGQUIT for background jobs: the daemon then silently loses "
                 "signals it was meant to act on.",
          .how = "The SigIgn mask of /proc/PID/status, against the signals the launcher ignored "
                 "(SIGRTMIN+3).",
          .fix_c = "for (int s = 1; s < NSIG; s++)  /* before installing your own handlers */\n"
                   "  if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);  /* 32, 33: glibc's, "
                   "EINVAL */",
          .fix_python = "# before DaemonContext, whose signal_map ignores SIGTSTP, SIGTTIN and "
                        "SIGTTOU;\n"
                        "# CPython ignores SIGPIPE and SIGXFSZ on purpose (errors instead of "
                        "death): keep them\n"
                        "for s in signal.valid_signals():\n"
                        "    if s not in (signal.SIGPIPE, signal.SIGXFSZ) and signal.getsignal(s) "
                        "== signal.SIG_IGN:\n"
                        "        signal.signal(s, signal.SIG_DFL)\n"
                        "with daemon.DaemonContext(detach_process=True):\n"
                        "    main()",
          .fix_shell = "daemonctl start --pidfile $PIDFILE -- $DAEMON   # resets every "
                       "disposition to SIG_DFL\n"
                       "# A shell cannot: a signal ignored when a non-interactive shell started "
                       "stays ignored\n"
                       "# for it and for every command it runs, and `trap - SIGNAL` does not "
                       "change that\n"
                       "# (dash and bash alike). Use such a tool, or reset the signals in the "
                       "program."}});
}

}  // namespace dc

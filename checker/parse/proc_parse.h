// Pure parsers for the text the kernel shows under /proc. They take the text,
// never a path, so that each is unit-tested and fuzzed without processes.
// Malformed input yields an Error that names the file and what was wrong.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace dc::observe {

// /proc/PID/stat. comm may hold spaces and parentheses: it ends at the last ')'.
struct ProcStat {
  pid_t pid = 0;
  std::string comm;
  char state = '?';
  pid_t ppid = 0;
  pid_t pgrp = 0;
  pid_t session = 0;
  int tty_nr = 0;
  pid_t tpgid = 0;
  unsigned long long starttime = 0;  // field 22, clock ticks after boot
  unsigned long long env_start = 0;  // field 50 (0 when hidden)
  unsigned long long env_end = 0;    // field 51
};
Result<ProcStat> parse_stat(std::string_view text);

struct IdQuad {
  unsigned real = 0, effective = 0, saved = 0, fs = 0;
};

// /proc/PID/status: the lines the rules need.
struct ProcStatus {
  std::optional<unsigned> umask;  // "Umask:" (absent on old kernels)
  IdQuad uid, gid;
  std::vector<unsigned> groups;
  uint64_t sig_blk = 0, sig_ign = 0, sig_cgt = 0;
  uint64_t sig_pnd = 0, shd_pnd = 0;  // pending: for the thread, for the process
  std::vector<pid_t> ns_pids;         // "NSpid:", outermost namespace first
};
Result<ProcStatus> parse_status(std::string_view text);

// A look at a process just before a signal is sent to it, or just after.
struct SignalLook {
  bool seen = false;         // its /proc could be read, every thread's too
  ProcStatus status;         // its main thread's: SigIgn, SigPnd, ShdPnd
  uint64_t blocked_any = 0;  // SigBlk of all its threads, or'ed together
  bool asleep = false;       // every thread waiting (none runnable)
  uint64_t cpu_ns = 0;       // CPU time of all its threads (schedstat; 0 when unknown)
};
// True when the kernel provably discarded `sig` as it was sent between the
// two looks, so that nothing of it is left for the process to act on: at both
// looks the disposition is SIG_IGN, no thread blocks it, it is not pending,
// every thread sleeps, and no thread ran in between (the same CPU time, read
// first before and last after). A process that did not run cannot have
// changed its disposition or mask meanwhile, so they were so when the
// signal came; an ignored signal that its target does not block is dropped
// when it is generated (kernel/signal.c, sig_ignored()), never queued, and
// wakes nobody. A signal that was queued instead (blocked, traced, or read by
// sigwaitinfo) is pending after, or woke a thread that then ran.
bool signal_discarded(const SignalLook& before, const SignalLook& after, int sig);

// One line of /proc/locks, e.g. "1: POSIX  ADVISORY  WRITE 1234 08:01:5678 0 EOF".
// Lines of waiters ("1: -> FLOCK ...") are marked blocked.
struct LockLine {
  long id = 0;
  bool blocked = false;
  std::string kind;    // POSIX, FLOCK, OFDLCK, LEASE, DELEG, ...
  std::string mode;    // ADVISORY, MANDATORY, ...
  std::string access;  // READ, WRITE, ...
  // The taker, as /proc/locks names it: -1 for OFD locks; for flock the
  // process that took it, even after it exited (its number may be reused).
  long pid = 0;
  unsigned major = 0, minor = 0;  // hexadecimal in the text
  unsigned long long inode = 0;
  std::string start, end;  // "0", "EOF", ...
  std::string raw;         // the line as read, for evidence
};
// Malformed lines are skipped and counted in `malformed`.
struct LockTable {
  std::vector<LockLine> locks;
  int malformed = 0;
};
LockTable parse_locks(std::string_view text);

// /proc/PID/fdinfo/FD: the "lock:\t" lines, each in /proc/locks' format (the
// locks taken through that open file and the process's POSIX locks on it);
// the other lines (pos:, flags:, mnt_id:, ino:, ...) are ignored.
LockTable parse_fdinfo_locks(std::string_view text);

// /proc/PID/environ: NUL-separated entries. key_value is true when every
// non-empty entry is KEY=VALUE with a non-empty key; false when the block was
// rewritten (setproctitle) and no longer reads as an environment, including a
// block of nothing but NULs (an empty environment has no bytes at all).
struct EnvironBlock {
  std::vector<std::string> entries;  // non-empty entries, in order
  bool key_value = true;
};
EnvironBlock parse_environ(std::string_view text);

// "Max core file size" line of /proc/PID/limits. nullopt means unlimited.
struct CoreLimit {
  std::optional<unsigned long long> soft, hard;
};
Result<CoreLimit> parse_limits_core(std::string_view text);

// /proc/PID/maps.
struct MapRegion {
  unsigned long long start = 0, end = 0;
  std::string perms;  // "r-xp"
  unsigned long long offset = 0;
  std::string path;  // may be empty, "[stack]", "[heap]", a file
};
Result<std::vector<MapRegion>> parse_maps(std::string_view text);

// A pidfile's content: decimal digits, optionally one trailing newline, value
// in [1, pid_max]. Anything else (spaces, signs, garbage, overflow) is an Error
// that quotes at most the first 40 bytes.
Result<pid_t> parse_pidfile(std::string_view content);

}  // namespace dc::observe

// Tests of the /proc text parsers. The samples marked "real" were read on
// Linux 6.18 (x86_64, glibc 2.36) while the named state was set up; the rest
// are hand-made variations and malformed input.
#include "parse/proc_parse.h"

#include "common/signals.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <string>
#include <vector>

namespace dc::observe {
namespace {

using namespace std::literals;  // ""s keeps the NULs inside a literal

// Every error is one printable line that starts with the file it is about.
template <class T>
void expect_error_about(const Result<T>& result, std::string_view file) {
  ASSERT_FALSE(result.ok());
  const std::string& message = result.error().message();
  EXPECT_TRUE(message.starts_with(std::string(file) + ": ")) << message;
  EXPECT_TRUE(std::all_of(message.begin(), message.end(), [](char c) {
    return c >= 0x20 && c < 0x7f;
  })) << message;
}

// ---- /proc/PID/stat ---------------------------------------------------------

// Real: sleep in a fresh pid namespace, seen from the parent namespace.
constexpr std::string_view kRealStat =
    "4379 (sleep) S 4377 4375 2288 0 -1 4194560 353 0 2 0 0 0 0 0 20 0 1 0 57365 2990080 419 "
    "18446744073709551615 94037549199360 94037549217289 140737413099840 0 0 0 0 2054 0 1 0 0 17 1 "
    "0 0 0 0 0 94037549231376 94037549232640 94037743255552 140737413102042 140737413102050 "
    "140737413102050 140737413103593 0\n";

TEST(ParseStat, ReadsRealLine) {
  Result<ProcStat> stat = parse_stat(kRealStat);
  ASSERT_TRUE(stat.ok()) << stat.error().message();
  EXPECT_EQ(stat->pid, 4379);
  EXPECT_EQ(stat->comm, "sleep");
  EXPECT_EQ(stat->state, 'S');
  EXPECT_EQ(stat->ppid, 4377);
  EXPECT_EQ(stat->pgrp, 4375);
  EXPECT_EQ(stat->session, 2288);
  EXPECT_EQ(stat->tty_nr, 0);
  EXPECT_EQ(stat->tpgid, -1);
  EXPECT_EQ(stat->starttime, 57365u);
  EXPECT_EQ(stat->env_start, 140737413102050u);
  EXPECT_EQ(stat->env_end, 140737413103593u);
}

TEST(ParseStat, CommWithParenthesesAndSpaces) {
  // Real: prctl(PR_SET_NAME, "a) (b\nc)"). stat prints comm unescaped.
  Result<ProcStat> stat = parse_stat(
      "3873 (a) (b\nc)) R 3871 3871 2288 0 -1 4194304 2903 6596 20 2 1 2 3 1 20 0 1 0 41161\n");
  ASSERT_TRUE(stat.ok()) << stat.error().message();
  EXPECT_EQ(stat->comm, "a) (b\nc)");
  EXPECT_EQ(stat->state, 'R');
  EXPECT_EQ(stat->ppid, 3871);
}

TEST(ParseStat, EmptyComm) {
  Result<ProcStat> stat = parse_stat("7 () S 1 7 7 0 -1");
  ASSERT_TRUE(stat.ok()) << stat.error().message();
  EXPECT_EQ(stat->comm, "");
}

TEST(ParseStat, ShortLineLeavesLaterFieldsZero) {
  Result<ProcStat> upto_tpgid = parse_stat("12 (d) S 1 12 12 34816 12\n");
  ASSERT_TRUE(upto_tpgid.ok()) << upto_tpgid.error().message();
  EXPECT_EQ(upto_tpgid->tty_nr, 34816);
  EXPECT_EQ(upto_tpgid->tpgid, 12);
  EXPECT_EQ(upto_tpgid->starttime, 0u);

  // Kernels before 3.5 stop at field 44, before env_start and env_end.
  std::string upto_44 = "12 (d) S 1 12 12 0 -1";
  for (int field = 9; field <= 44; ++field) upto_44 += field == 22 ? " 777" : " 0";
  Result<ProcStat> old_kernel = parse_stat(upto_44);
  ASSERT_TRUE(old_kernel.ok()) << old_kernel.error().message();
  EXPECT_EQ(old_kernel->starttime, 777u);
  EXPECT_EQ(old_kernel->env_start, 0u);
  EXPECT_EQ(old_kernel->env_end, 0u);
}

TEST(ParseStat, RejectsMalformedLines) {
  for (std::string_view text : {
           ""sv,
           "1 init S 1 1 1 0 -1"sv,              // no parentheses
           "1 (init S 1 1 1 0 -1"sv,             // no ')'
           "1 )init( S 1 1 1 0 -1"sv,            // ')' before '('
           "(init) S 1 1 1 0 -1"sv,              // no pid
           "x (init) S 1 1 1 0 -1"sv,            // pid not a number
           "0 (init) S 1 1 1 0 -1"sv,            // no process 0
           "1(init) S 1 1 1 0 -1"sv,             // no space before comm
           "1 (init)S 1 1 1 0 -1"sv,             // no space after comm
           "1 (init) S 1 1 1 0"sv,               // ends before tpgid
           "1 (init) Sl 1 1 1 0 -1"sv,           // state is one letter
           "1 (init) S 1 1 1 0 -1 x 0"sv,        // field 9 not a number
           "1 (init) S 1  1 1 0 -1"sv,           // empty field
           "1 (init) S 99999999999 1 1 0 -1"sv,  // ppid overflows pid_t
           "1 (init) S -"sv,
       }) {
    SCOPED_TRACE(text);
    expect_error_about(parse_stat(text), "/proc/PID/stat");
  }
}

TEST(ParseStat, ErrorNamesTheField) {
  Result<ProcStat> stat = parse_stat("1 (init) S 1 1 1 0 -1 4194560 abc");
  ASSERT_FALSE(stat.ok());
  EXPECT_NE(stat.error().message().find("field 10"), std::string::npos) << stat.error().message();
}

// ---- /proc/PID/status -------------------------------------------------------

// Real, abridged: setpriv --groups 4,24,27 --reuid 1000 --regid 1000 in a
// fresh pid namespace, with SIGUSR2 and SIGRTMIN+3 ignored and umask 027.
const std::string kRealStatus =
    "Name:\tsleep\n"
    "Umask:\t0027\n"
    "State:\tS (sleeping)\n"
    "Tgid:\t4379\n"
    "Pid:\t4379\n"
    "PPid:\t4377\n"
    "Uid:\t1000\t1000\t1000\t1000\n"
    "Gid:\t1000\t1000\t1000\t1000\n"
    "FDSize:\t256\n"
    "Groups:\t4 24 27 \n"
    "NStgid:\t4379\t1\n"
    "NSpid:\t4379\t1\n"
    "NSpgid:\t4375\t0\n"
    "VmPeak:\t    2920 kB\n"
    "untag_mask:\t0xffffffffffffffff\n"
    "SigQ:\t0/96365\n"
    "SigPnd:\t0000000000000000\n"
    "ShdPnd:\t0000000000000000\n"
    "SigBlk:\t0000000000000000\n"
    "SigIgn:\t0000001000000806\n"
    "SigCgt:\t0000000000000000\n"
    "CapBnd:\t000001fffeffffff\n"
    "Speculation_Store_Bypass:\tvulnerable\n"
    "Cpus_allowed_list:\t0-1\n";

std::string replace_line(std::string text, std::string_view key, std::string_view line) {
  size_t start = text.find(std::string(key) + ":");
  size_t end = text.find('\n', start);
  return text.replace(start, end + 1 - start, line);
}

TEST(ParseStatus, ReadsRealStatus) {
  Result<ProcStatus> status = parse_status(kRealStatus);
  ASSERT_TRUE(status.ok()) << status.error().message();
  EXPECT_EQ(status->umask, 027u);
  EXPECT_EQ(status->uid.real, 1000u);
  EXPECT_EQ(status->uid.fs, 1000u);
  EXPECT_EQ(status->gid.saved, 1000u);
  EXPECT_EQ(status->groups, (std::vector<unsigned>{4, 24, 27}));
  EXPECT_EQ(status->ns_pids, (std::vector<pid_t>{4379, 1}));
  EXPECT_EQ(status->sig_blk, 0u);
  EXPECT_EQ(status->sig_ign, 0x1000000806u);
  EXPECT_EQ(status->sig_cgt, 0u);
}

TEST(ParseStatus, DistinguishesTheFourIds) {
  Result<ProcStatus> status =
      parse_status(replace_line(kRealStatus, "Uid", "Uid:\t1\t2\t3\t4294967294\n"));
  ASSERT_TRUE(status.ok()) << status.error().message();
  EXPECT_EQ(status->uid.real, 1u);
  EXPECT_EQ(status->uid.effective, 2u);
  EXPECT_EQ(status->uid.saved, 3u);
  EXPECT_EQ(status->uid.fs, 4294967294u);
}

TEST(ParseStatus, NoSupplementaryGroups) {
  // Real: root with no supplementary groups prints a lone space.
  Result<ProcStatus> status = parse_status(replace_line(kRealStatus, "Groups", "Groups:\t \n"));
  ASSERT_TRUE(status.ok()) << status.error().message();
  EXPECT_TRUE(status->groups.empty());
}

TEST(ParseStatus, UmaskAndNSpidAbsentOnOldKernels) {
  Result<ProcStatus> status =
      parse_status(replace_line(replace_line(kRealStatus, "Umask", ""), "NSpid", ""));
  ASSERT_TRUE(status.ok()) << status.error().message();
  EXPECT_FALSE(status->umask.has_value());
  EXPECT_TRUE(status->ns_pids.empty());
}

TEST(ParseStatus, RejectsMissingRequiredLine) {
  for (std::string_view key : {"Uid", "Gid", "SigBlk", "SigIgn", "SigCgt"}) {
    SCOPED_TRACE(key);
    Result<ProcStatus> status = parse_status(replace_line(kRealStatus, key, ""));
    expect_error_about(status, "/proc/PID/status");
    EXPECT_NE(status.error().message().find(std::string(key) + ":"), std::string::npos);
  }
  expect_error_about(parse_status(""), "/proc/PID/status");
}

TEST(ParseStatus, RejectsMalformedNumbers) {
  for (auto [key, line] : std::vector<std::pair<std::string_view, std::string_view>>{
           {"Umask", "Umask:\t0089\n"},
           {"Umask", "Umask:\t01000\n"},
           {"Umask", "Umask:\t\n"},
           {"Uid", "Uid:\t0\t0\t0\n"},
           {"Uid", "Uid:\t0\t0\t0\t0\t0\n"},
           {"Uid", "Uid:\t0\t0\tx\t0\n"},
           {"Gid", "Gid:\t-1\t0\t0\t0\n"},
           {"Gid", "Gid:\t4294967296\t0\t0\t0\n"},
           {"Groups", "Groups:\t4 x 27\n"},
           {"NSpid", "NSpid:\n"},
           {"NSpid", "NSpid:\t4379\t0\n"},
           {"SigBlk", "SigBlk:\t000000000000000\n"},  // 15 digits
           {"SigIgn", "SigIgn:\t00000000000000000\n"},
           {"SigCgt", "SigCgt:\t000000000000000g\n"},
           {"SigCgt", "SigCgt:\t0000000000000000 0\n"},
       }) {
    SCOPED_TRACE(line);
    expect_error_about(parse_status(replace_line(kRealStatus, key, line)), "/proc/PID/status");
  }
}

// ---- /proc/locks ------------------------------------------------------------

// Real: flock(1) holding /tmp/pp/flk with a second flock(1) waiting on it, a
// lease, an fcntl byte-range read lock, an OFD read lock and a whole-file
// lockf(), all on device fe:00.
constexpr std::string_view kRealLocks =
    "1: FLOCK  ADVISORY  WRITE 3159 fe:00:10952960 0 EOF\n"
    "1: -> FLOCK  ADVISORY  WRITE 3205 fe:00:10952960 0 EOF\n"
    "2: LEASE  ACTIVE    READ 3162 fe:00:10952963 0 EOF\n"
    "3: POSIX  ADVISORY  READ 3162 fe:00:10952960 100 109\n"
    "4: OFDLCK ADVISORY  READ -1 fe:00:10952962 0 EOF\n"
    "5: POSIX  ADVISORY  WRITE 3162 fe:00:10952961 0 EOF\n";

TEST(ParseLocks, ReadsRealLinesOfEveryKind) {
  LockTable table = parse_locks(kRealLocks);
  EXPECT_EQ(table.malformed, 0);
  ASSERT_EQ(table.locks.size(), 6u);

  const LockLine& holder = table.locks[0];
  EXPECT_EQ(holder.id, 1);
  EXPECT_FALSE(holder.blocked);
  EXPECT_EQ(holder.kind, "FLOCK");
  EXPECT_EQ(holder.mode, "ADVISORY");
  EXPECT_EQ(holder.access, "WRITE");
  EXPECT_EQ(holder.pid, 3159);
  EXPECT_EQ(holder.major, 0xfeu);
  EXPECT_EQ(holder.minor, 0u);
  EXPECT_EQ(holder.inode, 10952960u);
  EXPECT_EQ(holder.start, "0");
  EXPECT_EQ(holder.end, "EOF");
  EXPECT_EQ(holder.raw, "1: FLOCK  ADVISORY  WRITE 3159 fe:00:10952960 0 EOF");

  // A waiter shares the id of the lock it waits for.
  EXPECT_EQ(table.locks[1].id, 1);
  EXPECT_TRUE(table.locks[1].blocked);
  EXPECT_EQ(table.locks[1].pid, 3205);

  EXPECT_EQ(table.locks[2].kind, "LEASE");
  EXPECT_EQ(table.locks[2].mode, "ACTIVE");

  EXPECT_EQ(table.locks[3].start, "100");
  EXPECT_EQ(table.locks[3].end, "109");

  // OFD locks belong to an open file description, not a process.
  EXPECT_EQ(table.locks[4].kind, "OFDLCK");
  EXPECT_EQ(table.locks[4].pid, -1);
  EXPECT_EQ(table.locks[4].inode, 10952962u);
}

TEST(ParseLocks, DeviceIsHexadecimalAndInodeDecimal) {
  LockTable table = parse_locks(
      "1: POSIX  ADVISORY  WRITE 1234 08:1f:5678 0 EOF\n"
      "2: DELEG  ACTIVE    READ 0 103:a0:100 0 EOF\n");
  EXPECT_EQ(table.malformed, 0);
  ASSERT_EQ(table.locks.size(), 2u);
  EXPECT_EQ(table.locks[0].major, 8u);
  EXPECT_EQ(table.locks[0].minor, 31u);
  EXPECT_EQ(table.locks[0].inode, 5678u);
  EXPECT_EQ(table.locks[1].kind, "DELEG");
  EXPECT_EQ(table.locks[1].major, 0x103u);
  EXPECT_EQ(table.locks[1].minor, 0xa0u);
}

TEST(ParseLocks, DeeperWaitersAreIndented) {
  // The kernel indents a waiter one more space per level of the blocking tree.
  LockTable table = parse_locks("7:  -> POSIX  ADVISORY  WRITE 99 00:2a:131 0 EOF\n");
  ASSERT_EQ(table.locks.size(), 1u);
  EXPECT_TRUE(table.locks[0].blocked);
  EXPECT_EQ(table.locks[0].kind, "POSIX");
}

TEST(ParseFdinfoLocks, ReadsOnlyTheLockLines) {
  LockTable table = parse_fdinfo_locks(
      "pos:\t0\nflags:\t02100002\nmnt_id:\t27\nino:\t10962832\n"
      "lock:\t1: POSIX  ADVISORY  WRITE 23304 fe:00:10962832 0 EOF\n"
      "lock:\t2: FLOCK  ADVISORY  WRITE 0 fe:00:10962832 0 EOF\n"
      "lock:\tnonsense\n");
  ASSERT_EQ(table.locks.size(), 2u);
  EXPECT_EQ(table.malformed, 1);
  EXPECT_EQ(table.locks[0].kind, "POSIX");
  EXPECT_EQ(table.locks[0].pid, 23304);
  EXPECT_EQ(table.locks[0].inode, 10962832u);
  EXPECT_EQ(table.locks[1].pid, 0);  // a taker that has exited, seen from a namespace
  EXPECT_EQ(table.locks[1].raw, "2: FLOCK  ADVISORY  WRITE 0 fe:00:10962832 0 EOF");
  EXPECT_TRUE(parse_fdinfo_locks("pos:\t0\nflags:\t0100000\n").locks.empty());
}

TEST(ParseLocks, SkipsAndCountsMalformedLines) {
  LockTable table = parse_locks(
      "1: FLOCK  ADVISORY  WRITE 3159 fe:00:10952960 0 EOF\n"
      "garbage\n"
      "\n"
      "2 FLOCK  ADVISORY  WRITE 1 fe:00:1 0 EOF\n"         // id without ':'
      "3: FLOCK  ADVISORY  WRITE 1 fe:00:1 0\n"            // no end
      "4: FLOCK  ADVISORY  WRITE 1 fe:00:1 0 EOF extra\n"  // one word too many
      "5: FLOCK  ADVISORY  WRITE x fe:00:1 0 EOF\n"        // pid
      "6: FLOCK  ADVISORY  WRITE 1 fe:00:1a 0 EOF\n"       // the inode is decimal
      "7: FLOCK  ADVISORY  WRITE 1 fe00:1 0 EOF\n"         // no minor
      "8: POSIX  ADVISORY  WRITE 1 <none>:0 0 EOF\n"       // old kernels: no inode
      "9: FLOCK  ADVISORY  WRITE 1 fe:00:1 x EOF\n"        // start
      "10: -> -> FLOCK  ADVISORY  WRITE 1 fe:00:1 0 EOF\n"
      "-1: FLOCK  ADVISORY  WRITE 1 fe:00:1 0 EOF\n"
      "11: POSIX  ADVISORY  WRITE 3162 fe:00:10952961 0 EOF");
  EXPECT_EQ(table.malformed, 12);
  ASSERT_EQ(table.locks.size(), 2u);
  EXPECT_EQ(table.locks[1].id, 11);
}

TEST(ParseLocks, EmptyTableWhenNothingIsLocked) {
  LockTable table = parse_locks("");
  EXPECT_TRUE(table.locks.empty());
  EXPECT_EQ(table.malformed, 0);
}

// ---- /proc/PID/environ ------------------------------------------------------

TEST(ParseEnviron, SplitsOnNulAndKeepsOrder) {
  // Real: env -i HOME=/root PATH=/usr/bin LANG=C.UTF-8 DC_CANARY=1 python3
  EnvironBlock block = parse_environ("HOME=/root\0PATH=/usr/bin\0LANG=C.UTF-8\0DC_CANARY=1\0"s);
  EXPECT_TRUE(block.key_value);
  EXPECT_EQ(block.entries, (std::vector<std::string>{"HOME=/root", "PATH=/usr/bin", "LANG=C.UTF-8",
                                                     "DC_CANARY=1"}));
}

TEST(ParseEnviron, EmptyEntriesAreDropped) {
  EnvironBlock block = parse_environ("\0A=1\0\0B=\0C=x=y"s);
  EXPECT_TRUE(block.key_value);
  EXPECT_EQ(block.entries, (std::vector<std::string>{"A=1", "B=", "C=x=y"}));
}

TEST(ParseEnviron, EmptyEnvironmentReadsAsKeyValue) {
  // Real: env -i leaves /proc/PID/environ with no bytes at all.
  EnvironBlock block = parse_environ("");
  EXPECT_TRUE(block.key_value);
  EXPECT_TRUE(block.entries.empty());
}

TEST(ParseEnviron, SetproctitleRewrittenBlockIsNotKeyValue) {
  // Real: the tail of an nginx-style title written over the environment,
  // padded with NULs.
  EnvironBlock block =
      parse_environ("ster process /usr/sbin/nginx -g daemon off;\0\0\0\0\0\0\0\0\0\0\0\0"s);
  EXPECT_FALSE(block.key_value);
  EXPECT_EQ(block.entries,
            (std::vector<std::string>{"ster process /usr/sbin/nginx -g daemon off;"}));

  EXPECT_FALSE(parse_environ("nginx: master process /usr/sbin/nginx       ").key_value);
  EXPECT_FALSE(parse_environ("A=1\0redis-server *:6379\0"s).key_value);
}

TEST(ParseEnviron, WipedBlockOfNulsIsNotKeyValue) {
  // Real: the 50-byte environment above, overwritten with NULs in place.
  EnvironBlock block = parse_environ(std::string(50, '\0'));
  EXPECT_FALSE(block.key_value);
  EXPECT_TRUE(block.entries.empty());
}

TEST(ParseEnviron, EmptyKeyIsNotKeyValue) {
  EXPECT_FALSE(parse_environ("A=1\0=value\0"s).key_value);
}

// ---- /proc/PID/limits -------------------------------------------------------

const std::string kRealLimits =
    "Limit                     Soft Limit           Hard Limit           Units     \n"
    "Max cpu time              unlimited            unlimited            seconds   \n"
    "Max stack size            8388608              unlimited            bytes     \n"
    "Max core file size        0                    unlimited            bytes     \n"
    "Max resident set          unlimited            unlimited            bytes     \n";

TEST(ParseLimitsCore, ReadsRealLimits) {
  Result<CoreLimit> limit = parse_limits_core(kRealLimits);
  ASSERT_TRUE(limit.ok()) << limit.error().message();
  EXPECT_EQ(limit->soft, 0u);
  EXPECT_EQ(limit->hard, std::nullopt);
}

TEST(ParseLimitsCore, NumbersAndUnlimitedInEitherColumn) {
  Result<CoreLimit> limit = parse_limits_core(
      "Max core file size        unlimited            unlimited            bytes     \n");
  ASSERT_TRUE(limit.ok()) << limit.error().message();
  EXPECT_EQ(limit->soft, std::nullopt);
  EXPECT_EQ(limit->hard, std::nullopt);

  limit = parse_limits_core("Max core file size  1024  18446744073709551614  bytes\n");
  ASSERT_TRUE(limit.ok()) << limit.error().message();
  EXPECT_EQ(limit->soft, 1024u);
  EXPECT_EQ(limit->hard, 18446744073709551614u);
}

TEST(ParseLimitsCore, RejectsMissingOrMalformedLine) {
  for (std::string_view text : {
           ""sv,
           "Max cpu time              unlimited            unlimited            seconds\n"sv,
           "Max core file size\n"sv,
           "Max core file size        0\n"sv,
           "Max core file size        zero                 unlimited            bytes\n"sv,
           "Max core file size        -1                   unlimited            bytes\n"sv,
           "Max core file size        0                    infinite             bytes\n"sv,
           "Max core file size        0                    unlimited            bytes  x\n"sv,
           "Max core file size        0                    99999999999999999999 bytes\n"sv,
       }) {
    SCOPED_TRACE(text);
    expect_error_about(parse_limits_core(text), "/proc/PID/limits");
  }
}

// ---- /proc/PID/maps ---------------------------------------------------------

// Real: python3 with a deleted file whose name has spaces and parentheses,
// a memfd, an anonymous region (the kernel leaves a trailing space) and the
// special regions.
constexpr std::string_view kRealMaps =
    "55e2bb0c9000-55e2bb0ca000 r-xp 00001000 fe:00 18624                      "
    "/root/.pyenv/versions/3.11.7/bin/python3.11\n"
    "55e2ebab4000-55e2ebc43000 rw-p 00000000 00:00 0                          [heap]\n"
    "7f2d62547000-7f2d6267a000 rw-p 00000000 00:00 0 \n"
    "7f2d631dd000-7f2d631de000 rw-s 00000000 00:01 1025                       /memfd:buf "
    "(deleted)\n"
    "7f2d631de000-7f2d631e0000 r--s 00000000 fe:00 10952750                   "
    "/tmp/pp/my lib (v2).so (deleted)\n"
    "7ffdd055e000-7ffdd057f000 rw-p 00000000 00:00 0                          [stack]\n"
    "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";

TEST(ParseMaps, ReadsRealMaps) {
  Result<std::vector<MapRegion>> maps = parse_maps(kRealMaps);
  ASSERT_TRUE(maps.ok()) << maps.error().message();
  ASSERT_EQ(maps->size(), 7u);

  const MapRegion& text = (*maps)[0];
  EXPECT_EQ(text.start, 0x55e2bb0c9000u);
  EXPECT_EQ(text.end, 0x55e2bb0ca000u);
  EXPECT_EQ(text.perms, "r-xp");
  EXPECT_EQ(text.offset, 0x1000u);
  EXPECT_EQ(text.path, "/root/.pyenv/versions/3.11.7/bin/python3.11");

  EXPECT_EQ((*maps)[1].path, "[heap]");
  EXPECT_EQ((*maps)[2].path, "");
  EXPECT_EQ((*maps)[3].path, "/memfd:buf (deleted)");
  EXPECT_EQ((*maps)[4].path, "/tmp/pp/my lib (v2).so (deleted)");
  EXPECT_EQ((*maps)[4].perms, "r--s");
  EXPECT_EQ((*maps)[6].start, 0xffffffffff600000u);
  EXPECT_EQ((*maps)[6].path, "[vsyscall]");
}

TEST(ParseMaps, KernelThreadHasNoRegions) {
  Result<std::vector<MapRegion>> maps = parse_maps("");
  ASSERT_TRUE(maps.ok()) << maps.error().message();
  EXPECT_TRUE(maps->empty());
}

TEST(ParseMaps, RejectsMalformedLine) {
  for (std::string_view line : {
           "\n"sv,
           "55e2ebab4000 rw-p 00000000 00:00 0\n"sv,               // no end address
           "55e2ebab4000-55e2ebc4300g rw-p 00000000 00:00 0\n"sv,  // not hex
           "55e2ebc43000-55e2ebab4000 rw-p 00000000 00:00 0\n"sv,  // end before start
           "55e2ebab4000-55e2ebc43000 rw-p 00000000 00:00\n"sv,    // no inode
           "55e2ebab4000-55e2ebc43000 rwp 00000000 00:00 0\n"sv,
           "55e2ebab4000-55e2ebc43000 rw-q 00000000 00:00 0\n"sv,
           "55e2ebab4000-55e2ebc43000 rw-p 0000000z 00:00 0\n"sv,
           "55e2ebab4000-55e2ebc43000 rw-p 00000000 0000 0\n"sv,
           "55e2ebab4000-55e2ebc43000 rw-p 00000000 00:00 1a\n"sv,  // the inode is decimal
           "10000000000000000-10000000000000001 rw-p 00000000 00:00 0\n"sv,
       }) {
    SCOPED_TRACE(line);
    Result<std::vector<MapRegion>> maps = parse_maps(std::string(kRealMaps) + std::string(line));
    expect_error_about(maps, "/proc/PID/maps");
    EXPECT_NE(maps.error().message().find("line 8"), std::string::npos) << maps.error().message();
  }
}

// ---- pidfiles ---------------------------------------------------------------

TEST(ParsePidfile, DigitsWithAtMostOneNewline) {
  EXPECT_EQ(*parse_pidfile("1234"), 1234);
  EXPECT_EQ(*parse_pidfile("1234\n"), 1234);
  EXPECT_EQ(*parse_pidfile("1"), 1);
  EXPECT_EQ(*parse_pidfile("4194304\n"), 4194304);  // PID_MAX_LIMIT
}

TEST(ParsePidfile, LeadingZerosAreStillDecimal) {
  EXPECT_EQ(*parse_pidfile("0042\n"), 42);
}

TEST(ParsePidfile, RejectsAnythingElse) {
  for (std::string_view content : {
           ""sv, "\n"sv, "+12"sv, "-12"sv, " 12"sv, "12 "sv, "12\n\n"sv, "\n12"sv, "12\r\n"sv,
           "0"sv, "0\n"sv, "4194305"sv, "2147483648"sv, "99999999999999999999999"sv, "0x10"sv,
           "12abc"sv, "1 2"sv, "١٢"sv,  // Arabic-Indic digits
       }) {
    SCOPED_TRACE(content);
    expect_error_about(parse_pidfile(content), "pidfile");
  }
}

TEST(ParsePidfile, QuotesAtMostFortyBytesOfHugeGarbage) {
  std::string garbage(1 << 20, 'x');
  Result<pid_t> pid = parse_pidfile(garbage);
  expect_error_about(pid, "pidfile");
  EXPECT_NE(pid.error().message().find('"' + std::string(40, 'x') + "\"..."), std::string::npos);
  EXPECT_LT(pid.error().message().size(), 160u);

  std::string digits(1 << 20, '7');
  expect_error_about(parse_pidfile(digits), "pidfile");
  EXPECT_LT(parse_pidfile(digits).error().message().size(), 160u);
}

TEST(ParsePidfile, EscapesControlBytesInTheMessage) {
  Result<pid_t> pid = parse_pidfile("12\n\x1b[2J\xff\"\\");
  expect_error_about(pid, "pidfile");
  EXPECT_NE(pid.error().message().find(R"("12\n\x1b[2J\xff\"\\")"), std::string::npos)
      << pid.error().message();
}

// ---- signals ----------------------------------------------------------------

TEST(SignalName, StandardSignalsUseLinuxNames) {
  // glibc's own abbreviations as the reference; it calls 29 SIGPOLL where
  // signal(7) and kill -l say SIGIO.
  for (int signo = 1; signo <= 31; ++signo) {
    SCOPED_TRACE(signo);
    if (signo == SIGIO) continue;
    EXPECT_EQ(signal_name(signo), "SIG"s + sigabbrev_np(signo));
  }
  EXPECT_EQ(signal_name(29), "SIGIO");
  EXPECT_EQ(signal_name(12), "SIGUSR2");
  EXPECT_EQ(signal_name(16), "SIGSTKFLT");
}

TEST(SignalName, RealtimeSignalsCountFromSigrtmin) {
  EXPECT_EQ(signal_name(SIGRTMIN), "SIGRTMIN");
  EXPECT_EQ(signal_name(SIGRTMIN + 3), "SIGRTMIN+3");
  EXPECT_EQ(signal_name(SIGRTMAX - 1), "SIGRTMIN+" + std::to_string(SIGRTMAX - 1 - SIGRTMIN));
  EXPECT_EQ(signal_name(SIGRTMAX), "SIGRTMAX");
}

TEST(SignalName, GlibcThreadSignalsHaveNoName) {
  if (SIGRTMIN != 34) GTEST_SKIP() << "SIGRTMIN is " << SIGRTMIN << ", not glibc's 34";
  EXPECT_EQ(signal_name(32), "SIG32");
  EXPECT_EQ(signal_name(33), "SIG33");
  EXPECT_EQ(signal_name(37), "SIGRTMIN+3");
  EXPECT_EQ(signal_name(64), "SIGRTMAX");
}

TEST(SignalName, OutOfRangeNumbers) {
  EXPECT_EQ(signal_name(0), "SIG0");
  EXPECT_EQ(signal_name(65), "SIG65");
  EXPECT_EQ(signal_name(-1), "SIG-1");
}

TEST(SignalsInMask, BitNMinusOneIsSignalN) {
  EXPECT_TRUE(signals_in_mask(0).empty());
  EXPECT_EQ(signals_in_mask(0x800), (std::vector<int>{SIGUSR2}));
  // Real SigIgn above: SIGINT and SIGQUIT (a background job of sh),
  // SIGUSR2 and SIGRTMIN+3.
  EXPECT_EQ(signals_in_mask(0x0000001000000806), (std::vector<int>{2, 3, 12, 37}));
  EXPECT_EQ(signals_in_mask(uint64_t{1} << 63), (std::vector<int>{64}));
  EXPECT_EQ(signals_in_mask(~uint64_t{0}).size(), 64u);
}

// --- signal_discarded --------------------------------------------------------

SignalLook dropping_look(uint64_t cpu_ns) {
  SignalLook l;
  l.seen = true;
  l.asleep = true;
  l.cpu_ns = cpu_ns;
  l.status.sig_ign = uint64_t{1} << (SIGTERM - 1);
  return l;
}

TEST(SignalDiscarded, IgnoredUnblockedAndNotRunInBetween) {
  EXPECT_TRUE(signal_discarded(dropping_look(500), dropping_look(500), SIGTERM));
}

// Each way the signal could have reached the process leaves the question to
// the stop timeout.
TEST(SignalDiscarded, AnyDoubtLeavesItToTheBound) {
  const uint64_t term = uint64_t{1} << (SIGTERM - 1);
  auto before = dropping_look(500);
  SignalLook after = dropping_look(501);  // a thread ran in between
  EXPECT_FALSE(signal_discarded(before, after, SIGTERM));
  after = dropping_look(500);
  after.status.shd_pnd = term;  // queued for the process (blocked, or traced)
  EXPECT_FALSE(signal_discarded(before, after, SIGTERM));
  after = dropping_look(500);
  after.status.sig_pnd = term;
  EXPECT_FALSE(signal_discarded(before, after, SIGTERM));
  after = dropping_look(500);
  after.blocked_any = term;  // some thread blocks it: queued, not dropped
  EXPECT_FALSE(signal_discarded(before, after, SIGTERM));
  after = dropping_look(500);
  after.status.sig_ign = 0;  // caught or default: the process may act on it
  EXPECT_FALSE(signal_discarded(before, after, SIGTERM));
  after = dropping_look(500);
  after.asleep = false;  // runnable: it may be acting on something
  EXPECT_FALSE(signal_discarded(before, after, SIGTERM));
  after = dropping_look(500);
  after.seen = false;  // a thread's status could not be read
  EXPECT_FALSE(signal_discarded(before, after, SIGTERM));
  // No CPU time known (no schedstat): "did not run" cannot be told.
  EXPECT_FALSE(signal_discarded(dropping_look(0), dropping_look(0), SIGTERM));
  // The same looks say nothing about another signal.
  EXPECT_FALSE(signal_discarded(before, dropping_look(500), SIGHUP));
  EXPECT_FALSE(signal_discarded(before, dropping_look(500), 0));
}

}  // namespace
}  // namespace dc::observe

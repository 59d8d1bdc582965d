// The checker's lowest OS layer (checker/sys) and the Error both the checker
// and the reference library report failures with.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/result.h"
#include "common/text.h"
#include "sys/fd.h"
#include "sys/fileio.h"
#include "sys/path.h"
#include "sys/proc.h"

namespace {

using dc::Error;

bool is_open(int fd) {
  return ::fcntl(fd, F_GETFD) >= 0;
}

TEST(SysPath, FolderOfIsDirnames) {
  EXPECT_EQ(dc::sys::folder_of("/x"), "/");  // one copy once said "" here
  EXPECT_EQ(dc::sys::folder_of("x"), ".");
  EXPECT_EQ(dc::sys::folder_of("a/b/c"), "a/b");
  EXPECT_EQ(dc::sys::folder_of("/run/d.pid"), "/run");
  EXPECT_EQ(dc::sys::base_of("/run/d.pid"), "d.pid");
  EXPECT_EQ(dc::sys::base_of("d.pid"), "d.pid");
}

// What a program printed keeps its printable UTF-8 (env's quotes in a UTF-8
// locale); what could fool a reader or break the line is escaped whatever
// its encoding: a control, a bidirectional override, a line separator, an
// overlong or cut sequence.
TEST(Text, EscapeBytesKeepsPrintableUtf8OnlyWhenAsked) {
  const std::string said = "env: \u2018/tmp/x\u2019: No such file or directory";
  EXPECT_EQ(dc::escape_bytes(said, '`', true), said);
  EXPECT_EQ(dc::escape_bytes(said, '`'),
            "env: \\xe2\\x80\\x98/tmp/x\\xe2\\x80\\x99: No such file or directory");
  EXPECT_EQ(dc::escape_bytes("f\u00f6\U0001F600", '`', true), "f\u00f6\U0001F600");
  EXPECT_EQ(dc::escape_bytes("a\u202eb", '`', true), "a\\xe2\\x80\\xaeb");
  EXPECT_EQ(dc::escape_bytes("a\u2028b", '`', true), "a\\xe2\\x80\\xa8b");
  EXPECT_EQ(dc::escape_bytes("\x1b[2J\u0085", '`', true), "\\x1b[2J\\xc2\\x85");
  EXPECT_EQ(dc::escape_bytes("\xc0\xaf \xe2\x80", '`', true), "\\xc0\\xaf \\xe2\\x80");
  EXPECT_EQ(dc::escape_bytes("\xed\xa0\x80`", '`', true), "\\xed\\xa0\\x80\\`");
}

TEST(Error, MessageLeavesOutEmptyParts) {
  EXPECT_EQ((Error{"lock pidfile", "/run/d.pid", 0, "already running as pid 42"}.message()),
            "lock pidfile /run/d.pid: already running as pid 42");
  EXPECT_EQ((Error{"open", "/x", ENOENT, {}}.message()), "open /x: No such file or directory");
  EXPECT_EQ((Error{"", "/x", EACCES, "not executable"}.message()),
            "/x: not executable (Permission denied)");
  EXPECT_EQ((Error{.step = "the session holder did not start the target"}.message()),
            "the session holder did not start the target");
  EXPECT_EQ((Error{.detail = "the command is empty"}.message()), "the command is empty");
  EXPECT_EQ((Error{.subject = "w.txt:3", .detail = "no reason"}.message()), "w.txt:3: no reason");
  EXPECT_EQ(dc::os_error("pipe", "", EMFILE).message(), "pipe: Too many open files");
}

TEST(SysFileio, ReadsAWholeFileUpToItsBound) {
  auto whole = dc::sys::read_file("/proc/self/stat");
  ASSERT_TRUE(whole) << whole.error().message();
  EXPECT_EQ(whole->substr(0, whole->find(' ')), std::to_string(::getpid()));
  EXPECT_TRUE(whole->ends_with('\n'));
  auto head = dc::sys::read_file("/proc/self/stat", 5);
  ASSERT_TRUE(head);
  EXPECT_EQ(*head, whole->substr(0, 5));
}

TEST(SysFileio, SaysWhichFileAndWhy) {
  auto missing = dc::sys::read_file("/nonexistent/file");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().err, ENOENT);
  EXPECT_EQ(missing.error().message(), "open /nonexistent/file: No such file or directory");
  auto dir = dc::sys::read_file("/");
  ASSERT_FALSE(dir);
  EXPECT_EQ(dir.error().message(), "read /: Is a directory");
  // An untrusted path is never followed through a symbolic link.
  auto link = dc::sys::read_file("/proc/self/exe", 16, dc::sys::kUntrusted);
  ASSERT_FALSE(link);
  EXPECT_EQ(link.error().err, ELOOP);
}

TEST(SysFileio, WriteAllWritesEverything) {
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  dc::UniqueFd r(p[0]), w(p[1]);
  const std::string data(10000, 'x');
  ASSERT_TRUE(dc::sys::write_all(w.get(), data));
  w.reset();
  auto back = dc::sys::read_fd(r.get(), 1 << 20, "pipe");
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, data);
  EXPECT_FALSE(dc::sys::write_all(r.get(), "x"));  // the read end refuses
}

TEST(SysProc, ListsNumberedEntries) {
  dc::UniqueFd probe(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  auto fds = dc::sys::numbered_entries("/proc/self/fd");
  ASSERT_TRUE(fds) << fds.error().message();
  EXPECT_NE(std::find(fds->begin(), fds->end(), probe.get()), fds->end());
  auto pids = dc::sys::numbered_entries("/proc");
  ASSERT_TRUE(pids);
  EXPECT_NE(std::find(pids->begin(), pids->end(), ::getpid()), pids->end());
  EXPECT_EQ(dc::sys::threads_of(::getpid()).size(), 1u);
  EXPECT_TRUE(dc::sys::threads_of(-1).empty());
  EXPECT_EQ(dc::sys::proc_path(42, "stat"), "/proc/42/stat");
  auto none = dc::sys::numbered_entries("/nonexistent");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message(), "list /nonexistent: No such file or directory");
}

// An open /proc/self/fd holding more descriptors than one getdents64 batch
// returns: every one listed once, ascending, the directory's own included.
TEST(SysProc, ListsAnOpenDirectoryInBatches) {
  rlimit lim{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &lim), 0);
  if (lim.rlim_max < 4096) GTEST_SKIP() << "RLIMIT_NOFILE's hard limit is below 4096";
  const rlimit was = lim;
  lim.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lim), 0);
  std::vector<dc::UniqueFd> held;
  for (int i = 0; i < 4000; ++i) held.emplace_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(held.back().valid());
  dc::UniqueFd dir(::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(dir.valid());
  const std::vector<int> fds = dc::sys::numbered_entries_in(dir.get());
  EXPECT_TRUE(std::is_sorted(fds.begin(), fds.end()));
  EXPECT_EQ(std::adjacent_find(fds.begin(), fds.end()), fds.end());
  for (const auto& h : held) EXPECT_TRUE(std::binary_search(fds.begin(), fds.end(), h.get()));
  EXPECT_TRUE(std::binary_search(fds.begin(), fds.end(), dir.get()));
  EXPECT_TRUE(dc::sys::numbered_entries_in(-1).empty());
  held.clear();
  dir.reset();
  ::setrlimit(RLIMIT_NOFILE, &was);
}

TEST(SysFd, HandlesCloseWhatTheyOwn) {
  int fd = -1, listed = -1;
  {
    dc::UniqueFd owned(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    fd = owned.get();
    ASSERT_TRUE(is_open(fd));
    dc::UniqueDir dir = dc::UniqueDir::open("/proc/self/fd");
    ASSERT_TRUE(dir);
    listed = dir.fd();
    dc::UniqueDir moved = std::move(dir);
    EXPECT_FALSE(dir);  // NOLINT(bugprone-use-after-move): moved-from is empty
    EXPECT_TRUE(moved.next() != nullptr);
  }
  EXPECT_FALSE(is_open(fd));
  EXPECT_FALSE(is_open(listed));
  // adopt() takes the descriptor: closed with the listing, or at once when
  // it is not a directory.
  int dir_fd = ::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  { auto d = dc::UniqueDir::adopt(dc::UniqueFd(dir_fd)); }
  EXPECT_FALSE(is_open(dir_fd));
  int file_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  EXPECT_FALSE(dc::UniqueDir::adopt(dc::UniqueFd(file_fd)));
  EXPECT_FALSE(is_open(file_fd));
}

}  // namespace

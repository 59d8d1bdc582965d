// "There can be only one": the pidfile, its lock, stale takeover, refusal.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "daemonize/pidfile.h"
#include "support.h"

namespace {

using daemonize::Pidfile;
using reftest::read_file;
using reftest::TempDir;

ino_t inode_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

TEST(Pidfile, IsCreatedWithMode0644AndHoldsThePid) {
  TempDir dir;
  const mode_t old = ::umask(0);
  auto pidfile = Pidfile::acquire(dir / "d.pid");
  ::umask(old);
  ASSERT_TRUE(pidfile) << pidfile.error().message();
  ASSERT_TRUE(pidfile->write_pid(::getpid()));
  struct stat st {};
  ASSERT_EQ(0, ::stat((dir / "d.pid").c_str(), &st));
  EXPECT_EQ(0644u, st.st_mode & 07777);
  EXPECT_EQ(std::to_string(::getpid()) + "\n", read_file(dir / "d.pid"));
}

TEST(Pidfile, RefusesASymbolicLink) {
  TempDir dir;
  std::filesystem::create_symlink(dir / "target", dir / "d.pid");
  auto pidfile = Pidfile::acquire(dir / "d.pid");
  ASSERT_FALSE(pidfile);
  EXPECT_EQ(ELOOP, pidfile.error().err);
  EXPECT_FALSE(std::filesystem::exists(dir / "target"));
}

TEST(Pidfile, SecondInstanceIsRefusedAndLeavesTheFileUntouched) {
  TempDir dir;
  auto first = Pidfile::acquire(dir / "d.pid");
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->write_pid(::getpid()));
  const ino_t inode = inode_of(dir / "d.pid");

  // An OFD lock conflicts with any other open file description, even in the
  // same process: no fork is needed to play the second instance.
  auto second = Pidfile::acquire(dir / "d.pid");
  ASSERT_FALSE(second);
  EXPECT_TRUE(daemonize::is_already_running(second.error()));
  EXPECT_NE(std::string::npos,
            second.error().message().find("already running as pid " + std::to_string(::getpid())));
  EXPECT_EQ(std::to_string(::getpid()) + "\n", read_file(dir / "d.pid"));
  EXPECT_EQ(inode, inode_of(dir / "d.pid"));
}

TEST(Pidfile, StaleFileIsTakenOver) {
  TempDir dir;
  {
    auto crashed = Pidfile::acquire(dir / "d.pid");
    ASSERT_TRUE(crashed);
    ASSERT_TRUE(crashed->write_pid(999999));  // not ours: it will not be removed
  }
  EXPECT_EQ("999999\n", read_file(dir / "d.pid"));
  auto taken = Pidfile::acquire(dir / "d.pid");
  ASSERT_TRUE(taken) << taken.error().message();
  EXPECT_EQ("", read_file(dir / "d.pid"));  // the stale pid is gone at once
}

TEST(Pidfile, LockIsInheritedThroughFork) {
  TempDir dir;
  auto pidfile = Pidfile::acquire(dir / "d.pid");
  ASSERT_TRUE(pidfile);
  // The child closes nothing and outlives our descriptor: the lock stays.
  int to_child[2];
  ASSERT_EQ(0, ::pipe2(to_child, O_CLOEXEC));
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(to_child[1]);
    char byte;
    (void)!::read(to_child[0], &byte, 1);
    ::_exit(0);
  }
  ::close(to_child[0]);
  const int ours = pidfile->fd();
  ::close(::dup(ours));  // closing a descriptor would drop a POSIX lock, not this one
  EXPECT_TRUE(daemonize::inspect_pidfile(dir / "d.pid")->locked);
  ::close(to_child[1]);
  EXPECT_TRUE(reftest::wait_for_exit(child));
  ::waitpid(child, nullptr, 0);
}

TEST(Pidfile, RemovedByItsOwnerOnly) {
  TempDir dir;
  auto pidfile = Pidfile::acquire(dir / "d.pid");
  ASSERT_TRUE(pidfile);
  ASSERT_TRUE(pidfile->write_pid(::getpid()));
  // A forked child (not the pid in the file) must not remove it.
  EXPECT_EQ(0, reftest::in_child([&] { return pidfile->remove() ? 0 : 1; }));
  EXPECT_TRUE(std::filesystem::exists(dir / "d.pid"));
  EXPECT_TRUE(pidfile->remove());
  EXPECT_FALSE(std::filesystem::exists(dir / "d.pid"));
  EXPECT_FALSE(daemonize::inspect_pidfile(dir / "d.pid")->exists);
}

TEST(Pidfile, DestructorOfTheOwnerRemovesIt) {
  TempDir dir;
  {
    auto pidfile = Pidfile::acquire(dir / "d.pid");
    ASSERT_TRUE(pidfile);
    ASSERT_TRUE(pidfile->write_pid(::getpid()));
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "d.pid"));
}

TEST(Pidfile, RemoveStaleRefusesALockedFile) {
  TempDir dir;
  auto pidfile = Pidfile::acquire(dir / "d.pid");
  ASSERT_TRUE(pidfile);
  EXPECT_FALSE(Pidfile::remove_stale(dir / "d.pid"));
  EXPECT_TRUE(std::filesystem::exists(dir / "d.pid"));
  pidfile = Pidfile();  // released, not removed: stale
  EXPECT_TRUE(Pidfile::remove_stale(dir / "d.pid"));
  EXPECT_FALSE(std::filesystem::exists(dir / "d.pid"));
}

TEST(InspectPidfile, TellsAbsentUnlockedAndLocked) {
  TempDir dir;
  EXPECT_FALSE(daemonize::inspect_pidfile(dir / "d.pid")->exists);
  reftest::write_file(dir / "d.pid", "4242\n");
  auto stale = daemonize::inspect_pidfile(dir / "d.pid");
  EXPECT_TRUE(stale->exists);
  EXPECT_FALSE(stale->locked);
  EXPECT_EQ(4242, stale->pid);

  auto pidfile = Pidfile::acquire(dir / "d.pid");
  ASSERT_TRUE(pidfile->write_pid(::getpid()));
  auto running = daemonize::inspect_pidfile(dir / "d.pid");
  EXPECT_TRUE(running->locked);
  EXPECT_EQ(::getpid(), running->pid);
  auto holds = daemonize::process_holds_lock(::getpid(), running->dev, running->ino);
  EXPECT_TRUE(holds && *holds);
}

TEST(ParsePid, AcceptsDecimalWithOptionalNewlineOnly) {
  EXPECT_EQ(42, daemonize::parse_pid("42\n"));
  EXPECT_EQ(42, daemonize::parse_pid("42"));
  for (const char* bad : {"", "\n", "0", "-1", "+3", " 42", "42 ", "42\n\n", "4x", "99999999999"}) {
    EXPECT_FALSE(daemonize::parse_pid(bad)) << '"' << bad << '"';
  }
}

}  // namespace

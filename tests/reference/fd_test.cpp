// daemon(7) step 1, tutorial step 7: inherited descriptors are closed, the
// preserved ones and stdio are not.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "daemonize/fd.h"
#include "support.h"

namespace {

using reftest::in_child;

bool is_open(int fd) {
  return ::fcntl(fd, F_GETFD) >= 0;
}

// Opens descriptors 3..`count`+2 (or whatever is free) and returns them.
std::vector<int> open_some(int count) {
  std::vector<int> fds;
  for (int i = 0; i < count; ++i) fds.push_back(::open("/dev/null", O_RDONLY));
  fds.push_back(::fcntl(fds.front(), F_DUPFD, 200));  // a high one, far from the rest
  return fds;
}

TEST(CloseInheritedFds, ClosesEverythingButStdioAndPreserved) {
  EXPECT_EQ(0, in_child([] {
              const std::vector<int> fds = open_some(5);
              const std::vector<int> keep = {fds[1], fds[3]};
              EXPECT_TRUE(daemonize::close_inherited_fds(keep));
              for (int fd : {0, 1, 2, fds[1], fds[3]}) EXPECT_TRUE(is_open(fd)) << fd;
              for (int fd : {fds[0], fds[2], fds[4], fds[5]}) EXPECT_FALSE(is_open(fd)) << fd;
              return 0;
            }));
}

TEST(CloseListedFds, FallbackKeepsTheSameDescriptors) {
  EXPECT_EQ(0, in_child([] {
              const std::vector<int> fds = open_some(5);
              const std::vector<int> keep = {fds[0], fds[5]};
              EXPECT_TRUE(daemonize::close_listed_fds(keep));
              for (int fd : {0, 1, 2, fds[0], fds[5]}) EXPECT_TRUE(is_open(fd)) << fd;
              for (int fd : {fds[1], fds[2], fds[3], fds[4]}) EXPECT_FALSE(is_open(fd)) << fd;
              return 0;
            }));
}

TEST(UniqueFd, ClosesWhenItGoesOutOfScope) {
  int raw = -1;
  {
    daemonize::UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    raw = fd.get();
    EXPECT_TRUE(is_open(raw));
  }
  EXPECT_FALSE(is_open(raw));
}

TEST(UniqueFd, MoveTransfersOwnership) {
  daemonize::UniqueFd a(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  const int raw = a.get();
  daemonize::UniqueFd b(std::move(a));
  EXPECT_FALSE(a);
  EXPECT_EQ(raw, b.get());
  EXPECT_TRUE(is_open(raw));
}

}  // namespace

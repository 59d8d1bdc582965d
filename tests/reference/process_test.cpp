// Detach detection, core dumps, credentials.
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemonize/process.h"
#include "support.h"

namespace {

using daemonize::Launcher;
using daemonize::should_detach;

TEST(ShouldDetach, FromAShellYes) {
  EXPECT_TRUE(should_detach(Launcher{4242, false, false, {}}));
}

TEST(ShouldDetach, NotWhenStartedByInitInetdOrSystemd) {
  EXPECT_FALSE(should_detach(Launcher{1, false, false, {}}));            // init
  EXPECT_FALSE(should_detach(Launcher{4242, true, false, {}}));          // inetd
  EXPECT_FALSE(should_detach(Launcher{4242, false, true, {}}));          // INVOCATION_ID
  EXPECT_FALSE(should_detach(Launcher{4242, false, false, "@notify"}));  // NOTIFY_SOCKET
}

TEST(ObserveLauncher, SeesASocketOnStdin) {
  EXPECT_EQ(0, reftest::in_child([] {
              int pair[2];
              ::socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
              ::dup2(pair[0], 0);
              EXPECT_TRUE(daemonize::observe_launcher().stdin_is_socket);
              return 0;
            }));
}

TEST(PreventCoreDumps, SetsSoftAndHardLimitsToZero) {
  EXPECT_EQ(0, reftest::in_child([] {
              EXPECT_TRUE(daemonize::prevent_core_dumps());
              rlimit limit{};
              ::getrlimit(RLIMIT_CORE, &limit);
              EXPECT_EQ(0u, limit.rlim_cur);
              EXPECT_EQ(0u, limit.rlim_max);
              return 0;
            }));
}

TEST(ResolveCredentials, DefaultsToTheRealIdsAndKeepsGroups) {
  auto credentials = daemonize::resolve_credentials(std::nullopt, std::nullopt, false);
  ASSERT_TRUE(credentials);
  EXPECT_EQ(::getuid(), credentials->uid);
  EXPECT_EQ(::getgid(), credentials->gid);
  EXPECT_FALSE(credentials->set_groups);
}

TEST(ResolveCredentials, AUserBringsItsPrimaryGroup) {
  const passwd* nobody = ::getpwnam("nobody");
  if (nobody == nullptr || ::getuid() == nobody->pw_uid) GTEST_SKIP() << "needs a user nobody";
  auto credentials = daemonize::resolve_credentials(nobody->pw_uid, std::nullopt, true);
  ASSERT_TRUE(credentials) << credentials.error().message();
  EXPECT_EQ(nobody->pw_gid, credentials->gid);
  EXPECT_TRUE(credentials->set_groups);
  EXPECT_NE(credentials->groups.end(),
            std::find(credentials->groups.begin(), credentials->groups.end(), nobody->pw_gid));
}

TEST(DropPrivileges, ChangesRealEffectiveAndSavedIdsForGood) {
  const passwd* nobody = ::getpwnam("nobody");
  if (::geteuid() != 0 || nobody == nullptr) GTEST_SKIP() << "needs root and a user nobody";
  EXPECT_EQ(0, reftest::in_child([&] {
              auto credentials =
                  daemonize::resolve_credentials(nobody->pw_uid, std::nullopt, false);
              EXPECT_TRUE(daemonize::drop_privileges(*credentials));
              uid_t r, e, s;
              ::getresuid(&r, &e, &s);
              EXPECT_EQ(nobody->pw_uid, r);
              EXPECT_EQ(nobody->pw_uid, e);
              EXPECT_EQ(nobody->pw_uid, s);
              EXPECT_EQ(0, ::getgroups(0, nullptr));  // root's groups are gone
              EXPECT_NE(0, ::setuid(0));              // and root cannot be taken back
              return 0;
            }));
}

TEST(ParentOf, ReadsTheParentFromProcAndZeroForAProcessThatIsGone) {
  EXPECT_EQ(::getppid(), daemonize::parent_of(::getpid()));
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  EXPECT_EQ(0, daemonize::parent_of(child));
}

}  // namespace

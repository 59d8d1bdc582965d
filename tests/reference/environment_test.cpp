// daemon(7) step 4, tutorial step 1: the environment scrub, in environ and in
// the initial block that /proc/PID/environ shows.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "daemonize/environment.h"
#include "support.h"

namespace {

using namespace std::string_literals;

using daemonize::env_entry_allowed;
using reftest::environ_of;
using reftest::in_child;

const std::vector<std::string> kAllow = daemonize::default_env_allow();

TEST(EnvAllowList, KeepsExactNamesAndPrefixPatterns) {
  EXPECT_TRUE(env_entry_allowed("PATH=/bin", kAllow));
  EXPECT_TRUE(env_entry_allowed("LC_ALL=C", kAllow));
  EXPECT_TRUE(env_entry_allowed("TZ=", kAllow));
  EXPECT_FALSE(env_entry_allowed("PATHX=/bin", kAllow));
  EXPECT_FALSE(env_entry_allowed("LD_PRELOAD=/x.so", kAllow));
  EXPECT_FALSE(env_entry_allowed("PATH", kAllow));  // not NAME=VALUE
  EXPECT_FALSE(env_entry_allowed("=PATH", kAllow));
}

TEST(SelectEnvironment, SetEntriesReplaceSameNamedOnes) {
  const char* env[] = {"PATH=/bin", "HOME=/root", "LANG=C", nullptr};
  const std::vector<std::string> set = {"LANG=fr_FR.UTF-8", "MODE=fast"};
  EXPECT_EQ((std::vector<std::string>{"PATH=/bin", "LANG=fr_FR.UTF-8", "MODE=fast"}),
            daemonize::select_environment(const_cast<char**>(env), kAllow, set));
}

TEST(WriteEnvironmentBlock, PacksEntriesAndZeroesTheRest) {
  std::string block = "SECRET=xyz\0PATH=/bin\0"s;
  daemonize::write_environment_block(block, std::vector<std::string>{"PATH=/bin"});
  EXPECT_EQ("PATH=/bin\0\0\0\0\0\0\0\0\0\0\0\0"s, block);
}

TEST(WriteEnvironmentBlock, DropsWhatDoesNotFit) {
  std::string block(8, 'x');
  daemonize::write_environment_block(block, std::vector<std::string>{"A=1", "LONGER=22"});
  EXPECT_EQ("A=1\0\0\0\0\0"s, block);
}

TEST(InitialEnvironmentBlock, IsWhatProcShows) {
  auto block = daemonize::initial_environment_block();
  ASSERT_TRUE(block) << block.error().message();
  const std::string shown = reftest::read_file("/proc/self/environ");
  EXPECT_EQ(shown, std::string(block->data(), block->size()));
}

// ctest runs this test with DAEMONIZE_TEST_CANARY in its environment.
TEST(ScrubEnvironment, RemovesTheCanaryFromEnvironAndFromTheInitialBlock) {
  if (std::getenv("DAEMONIZE_TEST_CANARY") == nullptr) GTEST_SKIP() << "run through ctest";
  EXPECT_EQ(0, in_child([] {
              const auto before = environ_of(::getpid());
              const auto has = [](const std::vector<std::string>& env, const std::string& prefix) {
                return std::any_of(env.begin(), env.end(),
                                   [&](const auto& e) { return e.starts_with(prefix); });
              };
              EXPECT_TRUE(has(before, "DAEMONIZE_TEST_CANARY="));

              const std::vector<std::string> set = {"MODE=daemon"};
              EXPECT_TRUE(daemonize::scrub_environment(kAllow, set));

              EXPECT_EQ(nullptr, std::getenv("DAEMONIZE_TEST_CANARY"));
              EXPECT_STREQ("daemon", std::getenv("MODE"));
              const auto after = environ_of(::getpid());
              EXPECT_FALSE(has(after, "DAEMONIZE_TEST_CANARY="));
              for (const std::string& entry : after) {
                EXPECT_TRUE(env_entry_allowed(entry, kAllow) || entry == "MODE=daemon") << entry;
              }
              EXPECT_EQ(has(before, "PATH="), has(after, "PATH="));
              // No trace of the removed value anywhere in the block.
              EXPECT_EQ(std::string::npos,
                        reftest::read_file("/proc/self/environ").find("canary-"));
              return 0;
            }));
}

}  // namespace

// daemon(7) steps 2 and 3, and python-daemon's signal map.
#include <gtest/gtest.h>
#include <poll.h>

#include <csignal>

#include "daemonize/signals.h"
#include "support.h"

namespace {

using daemonize::SignalAction;
using reftest::in_child;

bool ignored(int signo) {
  struct sigaction sa {};
  ::sigaction(signo, nullptr, &sa);
  return sa.sa_handler == SIG_IGN;
}

TEST(SignalMask, ResetUnblocksWhatTheLauncherBlocked) {
  EXPECT_EQ(0, in_child([] {
              sigset_t blocked;
              sigemptyset(&blocked);
              sigaddset(&blocked, SIGUSR2);
              sigaddset(&blocked, SIGTERM);
              ::sigprocmask(SIG_BLOCK, &blocked, nullptr);
              EXPECT_TRUE(daemonize::reset_signal_mask());
              sigset_t now;
              ::sigprocmask(SIG_SETMASK, nullptr, &now);
              for (int signo = 1; signo < NSIG; ++signo)
                EXPECT_FALSE(sigismember(&now, signo)) << signo;
              return 0;
            }));
}

TEST(SignalDispositions, ResetRestoresDefaultForInheritedIgnore) {
  EXPECT_EQ(0, in_child([] {
              ::signal(SIGRTMIN + 3, SIG_IGN);
              ::signal(SIGHUP, SIG_IGN);
              EXPECT_TRUE(daemonize::reset_signal_dispositions());
              EXPECT_FALSE(ignored(SIGRTMIN + 3));
              EXPECT_FALSE(ignored(SIGHUP));
              return 0;
            }));
}

TEST(SignalMap, DefaultNotifiesTermAndIgnoresJobControl) {
  const daemonize::SignalMap map = daemonize::default_signal_map();
  EXPECT_EQ(SignalAction::notify, map.at(SIGTERM));
  for (int signo : {SIGTSTP, SIGTTIN, SIGTTOU}) EXPECT_EQ(SignalAction::ignore, map.at(signo));
  EXPECT_EQ(4u, map.size());
}

TEST(SignalEvents, DeliversMappedSignalsAsReadableEvents) {
  EXPECT_EQ(0, in_child([] {
              auto events = daemonize::SignalEvents::install(
                  {{SIGUSR1, SignalAction::notify}, {SIGTTOU, SignalAction::ignore}});
              EXPECT_TRUE(events);
              EXPECT_FALSE(events->next());
              ::raise(SIGUSR1);
              pollfd readable{events->fd(), POLLIN, 0};
              EXPECT_EQ(1, ::poll(&readable, 1, 5000));
              EXPECT_EQ(SIGUSR1, events->next());
              EXPECT_FALSE(events->next());
              EXPECT_TRUE(ignored(SIGTTOU));
              return 0;
            }));
}

TEST(SignalEvents, AnUnmappedSignalKeepsItsDefaultAction) {
  // The child raises SIGUSR2, which no map mentions: the default kills it.
  EXPECT_EQ(128 + SIGUSR2, in_child([] {
              auto events = daemonize::SignalEvents::install(daemonize::default_signal_map());
              ::raise(SIGUSR2);
              return 0;
            }));
}

}  // namespace

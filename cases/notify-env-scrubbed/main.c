/* notify-env-scrubbed: scrubs its environment before it reads NOTIFY_SOCKET,
 * so its READY=1 never reaches systemd. Otherwise this is
 * ../good-systemd-notify/main.c: diff the two to see the mistake. */
#include <signal.h>
#include <unistd.h>

#include "daemon_steps.h"

int main(int argc, char **argv) {
  (void)argc;
  /* MISTAKE: a clean environment is good hygiene (tutorial step 1), but an
   * allow-list of PATH, LANG, LC_* and TZ also drops NOTIFY_SOCKET, so the
   * READY=1 below goes nowhere and systemd times the start out. Read
   * NOTIFY_SOCKET first, or keep it. */
  ds_sanitize_environment(argv);
  ds_catch(SIGTERM);              /* systemctl stop */
  ds_catch(SIGHUP);               /* systemctl reload */

  /* ... open the listening sockets, read the configuration ... */
  ds_sd_notify("READY=1");        /* Type=notify: now "systemctl start" returns */

  while (ds_next_signal() != SIGTERM) {
    /* SIGHUP: re-read the configuration */
  }
  ds_sd_notify("STOPPING=1");
  return 0;
}

/* foreground-closes-stdio: closes stdin, stdout and stderr "because daemons
 * do". Otherwise this is ../good-systemd-notify/main.c: diff the two to see
 * the mistake. */
#include <signal.h>
#include <unistd.h>

#include "daemon_steps.h"

int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  /* MISTAKE: closes 0, 1 and 2 "because a daemon must not hold a terminal".
   * Under systemd they are the journal, not a terminal, and once closed the
   * next open() or socket() becomes stdin or stdout. */
  close(STDIN_FILENO);
  close(STDOUT_FILENO);
  close(STDERR_FILENO);

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

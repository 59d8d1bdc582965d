/* Daemonizes correctly, then drops to the user USER (default nobody) and its
 * primary group: setgroups, setgid, setuid (real, effective and saved). Run
 * as root; as another user it stays who it is.
 *   hostile_setuid [USER]                                                   */
#include <grp.h>
#include <pwd.h>

#include "hostile_common.h"

int main(int argc, char** argv) {
  const char* user = argc > 1 ? argv[1] : "nobody";
  struct passwd* pw = getpwnam(user);
  if (!pw) {
    fprintf(stderr, "hostile_setuid: no user %s\n", user);
    return 1;
  }
  uid_t uid = pw->pw_uid;
  gid_t gid = pw->pw_gid;
  int ready;
  hostile_daemonize(&ready);
  if (getuid() == 0) {
    if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0)
      _exit(1);
  }
  hostile_ready(ready);
  hostile_wait_for_ever();
}

// The process-wide steps: whether to detach, core dumps, credentials.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "daemonize/error.h"

namespace daemonize {

// What the process can tell about who started it.
struct Launcher {
  pid_t ppid = 0;
  bool stdin_is_socket = false;  // inetd hands the connection over as stdin
  bool invocation_id = false;    // INVOCATION_ID: systemd runs us as a service
  std::string notify_socket;     // NOTIFY_SOCKET: systemd waits for READY=1 there
};
Launcher observe_launcher();

// python-daemon's is_detach_process_context_required(), plus systemd: false
// when detaching is redundant or harmful. Started by init (ppid 1) or by inetd
// (stdin a socket), the process already has no terminal and no one waits for
// it; under systemd (INVOCATION_ID or NOTIFY_SOCKET) a fork would make systemd
// lose track of the main process.
bool should_detach(const Launcher& launcher);

// Sets RLIMIT_CORE to 0, soft and hard: a root daemon's core file holds its
// secrets (keys, passwords) and lands wherever its working directory is.
Result<void> prevent_core_dumps();

// Who the daemon becomes once it no longer needs privilege.
struct Credentials {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups; empty drops them all
  bool set_groups = false;    // false: keep the supplementary groups as they are
};
// uid and gid default to the real ones (python-daemon's default, which gives up
// a set-uid elevation). A uid given without a gid brings its user's primary
// group: a daemon that became "nobody" but kept group root kept a privilege.
// Changing the uid drops the supplementary groups, or with `initgroups` sets
// the user's; both are read now, before any chroot hides the user database.
Result<Credentials> resolve_credentials(std::optional<uid_t> uid, std::optional<gid_t> gid,
                                        bool initgroups);
// setgroups, setresgid, setresuid, in that order: after setuid the process
// could no longer change its groups. Real, effective and saved ids all change,
// so the privilege cannot be taken back.
Result<void> drop_privileges(const Credentials& credentials);

// The parent of process `pid` (field 4 of /proc/PID/stat), or 0 when it is gone.
pid_t parent_of(pid_t pid);

}  // namespace daemonize

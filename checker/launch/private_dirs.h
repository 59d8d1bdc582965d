// Private /run, /tmp, /var/tmp and /etc for the check: whatever a target
// writes there stays inside the check's mount namespace and is gone when the
// check ends, so that checking a daemon never changes the host (a pidfile in
// /run, a socket in /tmp, a config file in /etc).
//
// Two ways, by what the mode promises the target:
//  - kOverlay (the sysv mode, a daemon started by hand): each folder is an
//    overlay whose lower layer is the host's folder, read-only, and whose upper
//    layer is a private tmpfs. The target sees every host file (a program kept
//    in /tmp still runs, /etc/passwd is there) and every write goes to the
//    upper layer.
//  - kFresh (the service, control and container modes, as service.md's launch
//    table says): a fresh, empty tmpfs on /run, /tmp and /var/tmp, as systemd
//    gives a unit; /etc is still an overlay. A $TMPDIR inside one of them
//    is made again there (owner only), so that temp folders still work.
//    An entry of the host's /tmp or /var/tmp that `keep` names (the
//    program, the script, the project folder they live in) is shown there
//    too, as a service without PrivateTmp= sees it: a folder as an overlay
//    whose writes stay private, a file bound read-only, a link as a link.
//    In the overlays of kOverlay, such an entry that is a mount of its own
//    (a project folder bound there) is shown the same way: an overlay's
//    lower layer is the folder's file system, without what is mounted on it.
//
// Call it in the check's own mount namespace (after unshare(CLONE_NEWNS) and
// making / private), before any temp folder is made: the checker's own temp
// folders then live in the private /tmp too, and the kernel frees them with
// the namespace whatever happens to the checker.
#pragma once

#include <string>
#include <vector>

namespace dc {

enum class PrivateStyle { kOverlay, kFresh };

struct PrivateDirs {
  std::vector<std::string> made;  // the folders made private, e.g. "/run"
  std::vector<std::string> kept;  // host entries shown in a fresh folder, e.g. "/tmp/proj"
  std::string note;               // what could not be made private, and why
};

PrivateDirs make_host_dirs_private(PrivateStyle style, const std::vector<std::string>& keep = {});

}  // namespace dc

#include "launch/private_dirs.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "sys/fd.h"

namespace dc {
namespace {

struct Folder {
  const char* path;
  const char* name;  // its layers' names in the staging tmpfs
  bool fresh;        // gets a fresh tmpfs in PrivateStyle::kFresh
};

// /tmp comes last: the staging tmpfs that holds every upper layer is mounted
// on /tmp until /tmp's own overlay (or fresh tmpfs) covers it.
constexpr Folder kFolders[] = {
    {"/run", "run", true},
    {"/var/tmp", "var-tmp", true},
    {"/etc", "etc", false},
    {"/tmp", "tmp", true},
};

std::string why(const char* path, const char* step, int err) {
  return std::string(path) + " (" + step + ": " + std::strerror(err) + ")";
}

// A fresh tmpfs with the host folder's owner and mode (/tmp stays 1777).
bool mount_fresh(const Folder& f, const struct stat& host, std::string* failed) {
  char options[96];
  std::snprintf(options, sizeof options, "mode=%o,uid=%u,gid=%u", host.st_mode & 07777,
                static_cast<unsigned>(host.st_uid), static_cast<unsigned>(host.st_gid));
  if (::mount("tmpfs", f.path, "tmpfs", MS_NOSUID | MS_NODEV, options) == 0) return true;
  *failed = why(f.path, "tmpfs", errno);
  return false;
}

// An overlay of the host folder (read through the descriptor opened before
// anything was mounted) under a private upper layer in the staging tmpfs.
bool mount_overlay(const Folder& f, int host_fd, const struct stat& host, std::string* failed) {
  const std::string base = std::string("/tmp/") + f.name;
  const std::string upper = base + "-upper";
  const std::string work = base + "-work";
  if (::mkdir(upper.c_str(), 0700) != 0 || ::mkdir(work.c_str(), 0700) != 0) {
    *failed = why(f.path, "mkdir", errno);
    return false;
  }
  // The overlay's root takes the upper layer's owner and mode.
  if (::chown(upper.c_str(), host.st_uid, host.st_gid) != 0 ||
      ::chmod(upper.c_str(), host.st_mode & 07777) != 0) {
    *failed = why(f.path, "chmod", errno);
    return false;
  }
  const std::string options = "lowerdir=/proc/self/fd/" + std::to_string(host_fd) +
                              ",upperdir=" + upper + ",workdir=" + work;
  if (::mount("overlay", f.path, "overlay", 0, options.c_str()) == 0) return true;
  *failed = why(f.path, "overlay", errno);
  return false;
}

// The checker's temp folders are made under $TMPDIR. When that lies in a
// folder that was just replaced by a fresh tmpfs (pam_tmpdir's /tmp/user/0,
// say), its path is made again there, owner only, so that the check's temp
// folders, and a script's mktemp, still find it. It exists only in the
// check's mount namespace and goes with it.
void remake_temp_base(const Folder& f) {
  const char* base = std::getenv("TMPDIR");
  if (base == nullptr || base[0] != '/') return;
  const std::string path = base;
  const std::string top = f.path;
  if (!path.starts_with(top + "/")) return;
  size_t at = top.size() + 1;
  while (at < path.size()) {
    size_t end = path.find('/', at);
    if (end == std::string::npos) end = path.size();
    if (end > at) {
      const std::string part = path.substr(0, end);
      if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) return;
    }
    at = end + 1;
  }
}

}  // namespace

PrivateDirs make_host_dirs_private(PrivateStyle style) {
  PrivateDirs out;
  auto note = [&](const std::string& what) {
    out.note += out.note.empty() ? "not private, a target may write the host's: " : "; ";
    out.note += what;
  };
  // Every host folder is opened before anything is mounted over one of them.
  UniqueFd host_fd[std::size(kFolders)];
  struct stat host_st[std::size(kFolders)] = {};
  for (size_t i = 0; i < std::size(kFolders); ++i) {
    host_fd[i] = UniqueFd(::open(kFolders[i].path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!host_fd[i].valid() || ::fstat(host_fd[i].get(), &host_st[i]) != 0) {
      host_fd[i].reset();
      note(why(kFolders[i].path, "open", errno));
    }
  }
  if (::mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") != 0) {
    note(why("/run, /tmp, /var/tmp, /etc", "staging tmpfs", errno));
    return out;
  }
  bool tmp_covered = false;
  for (size_t i = 0; i < std::size(kFolders); ++i) {
    const Folder& f = kFolders[i];
    if (!host_fd[i].valid()) continue;
    std::string failed;
    const bool ok = (style == PrivateStyle::kFresh && f.fresh)
                        ? mount_fresh(f, host_st[i], &failed)
                        : mount_overlay(f, host_fd[i].get(), host_st[i], &failed);
    if (!ok) {
      note(failed);
      continue;
    }
    out.made.emplace_back(f.path);
    if (style == PrivateStyle::kFresh && f.fresh) remake_temp_base(f);
    if (std::strcmp(f.path, "/tmp") == 0) tmp_covered = true;
  }
  // Without /tmp's own layer the staging tmpfs would hide the host's /tmp:
  // take it away (the overlays keep their upper layers).
  if (!tmp_covered) ::umount2("/tmp", MNT_DETACH);
  return out;
}

}  // namespace dc

#include "launch/private_dirs.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

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

// The noexec, nosuid and nodev of the host's mount that fd lies on, as mount
// flags: what stands in for it keeps them (a program in a noexec /tmp does
// not run in the check either).
unsigned long host_mount_flags(int fd) {
  struct statvfs sv {};
  if (::fstatvfs(fd, &sv) != 0) return 0;
  return ((sv.f_flag & ST_NOEXEC) != 0 ? MS_NOEXEC : 0) |
         ((sv.f_flag & ST_NOSUID) != 0 ? MS_NOSUID : 0) |
         ((sv.f_flag & ST_NODEV) != 0 ? MS_NODEV : 0);
}

// A fresh tmpfs with the host folder's owner and mode (/tmp stays 1777).
bool mount_fresh(const Folder& f, int host_fd, const struct stat& host, std::string* failed) {
  char options[96];
  std::snprintf(options, sizeof options, "mode=%o,uid=%u,gid=%u", host.st_mode & 07777,
                static_cast<unsigned>(host.st_uid), static_cast<unsigned>(host.st_gid));
  if (::mount("tmpfs", f.path, "tmpfs", MS_NOSUID | MS_NODEV | host_mount_flags(host_fd),
              options) == 0)
    return true;
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
  if (::mount("overlay", f.path, "overlay", host_mount_flags(host_fd), options.c_str()) == 0)
    return true;
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

// An entry of the host's /tmp or /var/tmp that the command names (a program
// or project folder kept there): a fresh tmpfs shows it too, as the host's
// /tmp does to a service that has no PrivateTmp=; an overlay of the folder
// shows it when it is a mount of its own, which the overlay's lower layer
// (the folder's own file system) hides. A folder is an overlay (its writes
// stay private, as in the sysv mode), a file a read-only bind, a symbolic
// link the same link.
struct Kept {
  std::string path;  // /tmp/NAME
  const Folder* in = nullptr;
  UniqueFd host;  // O_PATH, opened before anything was mounted
  struct stat st {};
  std::string link;      // a symbolic link's target
  UniqueFd upper, work;  // a folder's layers, in the staging tmpfs
};

bool is_mount_root(int fd) {
#ifdef STATX_ATTR_MOUNT_ROOT
  struct statx stx {};
  if (::statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, 0, &stx) != 0) return false;
  return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) != 0 &&
         (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
#else
  (void)fd;
  return false;
#endif
}

// The top-level entries below /tmp or /var/tmp that `paths` name, each once,
// opened on the host: every one for a fresh tmpfs, the mounts for an overlay.
std::vector<Kept> open_kept(const std::vector<std::string>& paths, PrivateStyle style) {
  std::vector<Kept> out;
  for (const auto& p : paths) {
    for (const Folder& f : kFolders) {
      if (std::strcmp(f.path, "/tmp") != 0 && std::strcmp(f.path, "/var/tmp") != 0) continue;
      const std::string top = std::string(f.path) + "/";
      if (!p.starts_with(top)) continue;
      const std::string name = p.substr(top.size(), p.find('/', top.size()) - top.size());
      if (name.empty() || name == "." || name == "..") continue;
      const std::string path = top + name;
      if (std::any_of(out.begin(), out.end(), [&](const Kept& k) { return k.path == path; }))
        continue;
      Kept k;
      k.path = path;
      k.in = &f;
      k.host = UniqueFd(::open(path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
      if (!k.host.valid() || ::fstat(k.host.get(), &k.st) != 0) continue;
      if (style == PrivateStyle::kOverlay && !is_mount_root(k.host.get())) continue;
      if (S_ISLNK(k.st.st_mode)) {
        char target[4096];
        const ssize_t n = ::readlinkat(k.host.get(), "", target, sizeof target);
        if (n <= 0 || static_cast<size_t>(n) >= sizeof target) continue;
        k.link.assign(target, static_cast<size_t>(n));
      } else if (!S_ISDIR(k.st.st_mode) && !S_ISREG(k.st.st_mode)) {
        continue;
      }
      out.push_back(std::move(k));
    }
  }
  return out;
}

// A folder's upper and work layers, made in the staging tmpfs (on /tmp) and
// held by descriptors, since the fresh /tmp will cover them.
bool make_layers(Kept& k, size_t index, std::string* failed) {
  const std::string base = "/tmp/kept-" + std::to_string(index);
  const std::string upper = base + "-upper", work = base + "-work";
  if (::mkdir(upper.c_str(), 0700) != 0 || ::mkdir(work.c_str(), 0700) != 0 ||
      ::chown(upper.c_str(), k.st.st_uid, k.st.st_gid) != 0 ||
      ::chmod(upper.c_str(), k.st.st_mode & 07777) != 0) {
    *failed = why(k.path.c_str(), "mkdir", errno);
    return false;
  }
  k.upper = UniqueFd(::open(upper.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  k.work = UniqueFd(::open(work.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (k.upper.valid() && k.work.valid()) return true;
  *failed = why(k.path.c_str(), "open", errno);
  return false;
}

std::string fd_path(const UniqueFd& fd) {
  return "/proc/self/fd/" + std::to_string(fd.get());
}

// Shows the kept entry in its folder's fresh tmpfs or overlay (where the
// mount's folder or file is already there, empty).
bool show_kept(const Kept& k, std::string* failed) {
  const char* path = k.path.c_str();
  if (!k.link.empty()) {
    if (::symlink(k.link.c_str(), path) == 0) return true;
    *failed = why(path, "symlink", errno);
    return false;
  }
  if (S_ISDIR(k.st.st_mode)) {
    if (!k.upper.valid()) return false;  // make_layers() said why
    const std::string options = "lowerdir=" + fd_path(k.host) + ",upperdir=" + fd_path(k.upper) +
                                ",workdir=" + fd_path(k.work);
    if ((::mkdir(path, 0700) == 0 || errno == EEXIST) &&
        ::mount("overlay", path, "overlay", host_mount_flags(k.host.get()), options.c_str()) == 0)
      return true;
    *failed = why(path, "overlay", errno);
    return false;
  }
  UniqueFd stub(::open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (stub.valid() && ::mount(fd_path(k.host).c_str(), path, nullptr, MS_BIND, nullptr) == 0 &&
      ::mount(nullptr, path, nullptr,
              MS_BIND | MS_REMOUNT | MS_RDONLY | host_mount_flags(k.host.get()), nullptr) == 0)
    return true;
  *failed = why(path, "bind", errno);
  return false;
}

}  // namespace

PrivateDirs make_host_dirs_private(PrivateStyle style, const std::vector<std::string>& keep) {
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
  std::vector<Kept> kept = open_kept(keep, style);
  if (::mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") != 0) {
    note(why("/run, /tmp, /var/tmp, /etc", "staging tmpfs", errno));
    return out;
  }
  std::vector<std::string> kept_failed;
  for (size_t i = 0; i < kept.size(); ++i) {
    std::string failed;
    if (S_ISDIR(kept[i].st.st_mode) && kept[i].link.empty() && !make_layers(kept[i], i, &failed))
      kept_failed.push_back(failed);
  }
  bool tmp_covered = false;
  for (size_t i = 0; i < std::size(kFolders); ++i) {
    const Folder& f = kFolders[i];
    if (!host_fd[i].valid()) continue;
    std::string failed;
    const bool fresh = style == PrivateStyle::kFresh && f.fresh;
    const bool ok = fresh ? mount_fresh(f, host_fd[i].get(), host_st[i], &failed)
                          : mount_overlay(f, host_fd[i].get(), host_st[i], &failed);
    if (!ok) {
      note(failed);
      continue;
    }
    out.made.emplace_back(f.path);
    for (const Kept& k : kept) {
      if (k.in != &f) continue;
      failed.clear();
      if (show_kept(k, &failed)) {
        out.kept.push_back(k.path);
      } else if (!failed.empty()) {
        kept_failed.push_back(failed);
      }
    }
    if (fresh) remake_temp_base(f);
    if (std::strcmp(f.path, "/tmp") == 0) tmp_covered = true;
  }
  for (const auto& failed : kept_failed)
    out.note += (out.note.empty() ? "" : "; ") + std::string("not shown in the check: ") + failed;
  // Without /tmp's own layer the staging tmpfs would hide the host's /tmp:
  // take it away (the overlays keep their upper layers).
  if (!tmp_covered) ::umount2("/tmp", MNT_DETACH);
  return out;
}

}  // namespace dc

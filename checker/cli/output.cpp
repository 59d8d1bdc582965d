// See output.h.
#include "cli/output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <random>

#include "sys/fd.h"
#include "sys/fileio.h"
#include "sys/path.h"

namespace dc {
namespace {

// Whether a file can be made in the folder (an unnamed one where the file
// system allows, else a named one removed at once).
bool can_create_in(int dfd) {
  UniqueFd probe(::openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600));
  if (!probe.valid() && errno == EOPNOTSUPP) {
    std::string name = ".daemoncheck-probe-" + std::to_string(std::random_device{}());
    probe.reset(
        ::openat(dfd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (probe.valid()) ::unlinkat(dfd, name.c_str(), 0);
  }
  return probe.valid();
}

// Writes into the character device or pipe already at `name` (--json
// /dev/null, a FIFO a reader waits on): replacing it with a file, as the
// atomic write would, destroys it. A pipe without a reader is refused, not
// waited for.
Result<std::string> write_in_place(int dfd, const std::string& name, const std::string& path,
                                   const std::string& data) {
  UniqueFd fd(
      ::openat(dfd, name.c_str(), O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd.valid() && errno == ENXIO)
    return Error{.step = "cannot write", .subject = path, .detail = "a pipe with no reader"};
  if (!fd.valid()) return os_error("cannot open", path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return os_error("cannot open", path);
  if (!S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode))
    return Error{.step = "cannot write", .subject = path, .detail = "it changed while opened"};
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0)
    return os_error("cannot write", path);
  if (!sys::write_all(fd.get(), data)) return os_error("cannot write", path);
  return path;
}

// What is at `name` already decides how the report is written: nothing or a
// regular file: atomically (below); a symbolic link: replaced, never written
// through, unless it leads to a device or pipe (/dev/stdout), which replacing
// would destroy; a device or pipe: written into; anything else: refused.
std::optional<Result<std::string>> write_unless_regular(int dfd, const std::string& name,
                                                        const std::string& path,
                                                        const std::string& data) {
  struct stat st {};
  if (::fstatat(dfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || S_ISREG(st.st_mode))
    return std::nullopt;
  if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) return write_in_place(dfd, name, path, data);
  if (S_ISLNK(st.st_mode)) {
    struct stat to {};
    if (::fstatat(dfd, name.c_str(), &to, 0) != 0 || S_ISREG(to.st_mode)) return std::nullopt;
    if (S_ISDIR(to.st_mode)) return std::nullopt;  // the link itself is replaced, as for a file
    return Error{.step = "cannot write",
                 .subject = path,
                 .detail =
                     "a symbolic link to a device or pipe, which would be replaced "
                     "(give - for standard output)"};
  }
  return Error{.step = "cannot write", .subject = path, .detail = "not a regular file"};
}

}  // namespace

Result<ReportFolder> open_report_folder(const std::string& dir, bool create, bool nofollow) {
  const int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0);
  ReportFolder f;
  f.path = dir;
  f.fd.reset(::open(dir.c_str(), flags));
  if (!f.fd.valid() && errno == ENOENT && create) {
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
      return os_error("cannot use report folder", dir);
    f.fd.reset(::open(dir.c_str(), flags));
  }
  if (!f.fd.valid()) {
    if (errno == ELOOP || (nofollow && errno == ENOTDIR)) {
      struct stat st {};
      if (::lstat(dir.c_str(), &st) == 0 && S_ISLNK(st.st_mode))
        return Error{"cannot use report folder", dir, 0,
                     "it is a symbolic link (reports are never written through one)"};
    }
    if (errno == ENOTDIR) return Error{"cannot use report folder", dir, 0, "not a directory"};
    return os_error("cannot use report folder", dir);
  }
  if (!can_create_in(f.fd.get())) return os_error("cannot write in report folder", dir);
  return f;
}

Result<std::string> check_writable_dir(const std::string& dir) {
  auto f = open_report_folder(dir, true, false);
  if (!f) return f.error();
  return dir;
}

Result<std::string> write_atomically(const std::string& path, const std::string& data) {
  const std::string dir = sys::folder_of(path);
  UniqueFd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d.valid()) return os_error("cannot open", dir);
  ReportFolder f{std::move(d), dir};
  return write_atomically_at(f, sys::base_of(path), data);
}

Result<std::string> write_atomically_at(const ReportFolder& folder, const std::string& name,
                                        const std::string& data, Durability durability) {
  const int dfd = folder.fd.get();
  const std::string& dir = folder.path;
  const std::string path = dir == "/" ? "/" + name : dir + "/" + name;
  if (auto written = write_unless_regular(dfd, name, path, data)) return std::move(*written);
  // The data goes into an unnamed file (O_TMPFILE) that gets a name only once
  // it is complete, so a run killed while writing leaves nothing; where the
  // file system has no O_TMPFILE, into a named temporary file. Names get a
  // random suffix: pids repeat across PID namespaces, and O_EXCL refuses to
  // reuse (or follow) anything already there. Every name is relative to the
  // folder's descriptor, opened once: swapping the folder for a symbolic link
  // meanwhile redirects nothing.
  UniqueFd fd(::openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644));
  const bool unnamed = fd.valid();
  std::random_device rd;
  auto fresh_name = [&] {
    char suffix[20];
    std::snprintf(suffix, sizeof suffix, "%08x%08x", rd(), rd());
    return "." + name + ".tmp-" + suffix;
  };
  std::string tmp;
  for (int attempt = 0; !unnamed && attempt < 8 && !fd.valid(); ++attempt) {
    tmp = fresh_name();
    fd.reset(
        ::openat(dfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!fd.valid() && errno != EEXIST) break;
  }
  if (!fd.valid()) return os_error("cannot create a temporary file in", dir);
  auto fail = [&](const char* step) -> Result<std::string> {
    Error e = os_error(step, path);
    if (!tmp.empty()) ::unlinkat(dfd, tmp.c_str(), 0);
    return e;
  };
  if (!sys::write_all(fd.get(), data)) return fail("cannot write");
  // A file that gets its name before its data reaches the disk may read as
  // empty after a crash: the scorecard is synced first; a rendering of it is
  // not (one fsync per check instead of one per report), as it is made again
  // from the scorecard.
  if (durability == Durability::kSynced && ::fsync(fd.get()) != 0) return fail("cannot write");
  if (unnamed) {
    // linkat with AT_EMPTY_PATH would need CAP_DAC_READ_SEARCH; the
    // /proc/self/fd link names the same open file.
    const std::string self = "/proc/self/fd/" + std::to_string(fd.get());
    for (int attempt = 0; attempt < 8 && tmp.empty(); ++attempt) {
      std::string fresh = fresh_name();
      if (::linkat(AT_FDCWD, self.c_str(), dfd, fresh.c_str(), AT_SYMLINK_FOLLOW) == 0) {
        tmp = std::move(fresh);
      } else if (errno != EEXIST) {
        return fail("cannot write");
      }
    }
    if (tmp.empty()) return fail("cannot write");
  }
  // rename() replaces a symbolic link at `path` itself; it never writes
  // through it.
  if (::renameat(dfd, tmp.c_str(), dfd, name.c_str()) != 0) {
    return fail("cannot rename into");
  }
  return path;
}

}  // namespace dc

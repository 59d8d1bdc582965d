// See output.h.
#include "cli/output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "common/unique_fd.h"

namespace dc {
namespace {

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string sys_error(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

}  // namespace

Result<std::string> check_writable_dir(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT || ::mkdir(dir.c_str(), 0755) != 0)
      return Error{sys_error("cannot use report folder " + dir)};
  } else if (!S_ISDIR(st.st_mode)) {
    return Error{"cannot use report folder " + dir + ": not a directory"};
  }
  UniqueFd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d.valid()) return Error{sys_error("cannot open report folder " + dir)};
  UniqueFd probe(::openat(d.get(), ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600));
  if (!probe.valid() && errno == EOPNOTSUPP) {
    std::string name = ".daemoncheck-probe-" + std::to_string(std::random_device{}());
    probe.reset(::openat(d.get(), name.c_str(),
                         O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (probe.valid()) ::unlinkat(d.get(), name.c_str(), 0);
  }
  if (!probe.valid()) return Error{sys_error("cannot write in report folder " + dir)};
  return dir;
}

Result<std::string> write_atomically(const std::string& path, const std::string& data) {
  const std::string dir = dir_of(path);
  UniqueFd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d.valid()) return Error{sys_error("cannot open " + dir)};
  // The data goes into an unnamed file (O_TMPFILE) that gets a name only once
  // it is complete, so a run killed while writing leaves nothing; where the
  // file system has no O_TMPFILE, into a named temporary file. Names get a
  // random suffix: pids repeat across PID namespaces, and O_EXCL refuses to
  // reuse (or follow) anything already there.
  UniqueFd fd(::openat(d.get(), ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644));
  const bool unnamed = fd.valid();
  std::random_device rd;
  auto fresh_name = [&] {
    char suffix[20];
    std::snprintf(suffix, sizeof suffix, "%08x%08x", rd(), rd());
    return "." + base_of(path) + ".tmp-" + suffix;
  };
  std::string tmp;
  for (int attempt = 0; !unnamed && attempt < 8 && !fd.valid(); ++attempt) {
    tmp = fresh_name();
    fd.reset(
        ::openat(d.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!fd.valid() && errno != EEXIST) break;
  }
  if (!fd.valid()) return Error{sys_error("cannot create a temporary file in " + dir)};
  auto fail = [&](const std::string& what) -> Result<std::string> {
    Error e{sys_error(what)};
    if (!tmp.empty()) ::unlinkat(d.get(), tmp.c_str(), 0);
    return e;
  };
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("cannot write " + path);
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return fail("cannot write " + path);
  if (unnamed) {
    const std::string self = "/proc/self/fd/" + std::to_string(fd.get());
    for (int attempt = 0; attempt < 8 && tmp.empty(); ++attempt) {
      std::string name = fresh_name();
      if (::linkat(AT_FDCWD, self.c_str(), d.get(), name.c_str(), AT_SYMLINK_FOLLOW) == 0) {
        tmp = std::move(name);
      } else if (errno != EEXIST) {
        return fail("cannot write " + path);
      }
    }
    if (tmp.empty()) return fail("cannot write " + path);
  }
  // rename() replaces a symbolic link at `path` itself; it never writes
  // through it.
  if (::renameat(d.get(), tmp.c_str(), d.get(), base_of(path).c_str()) != 0) {
    return fail("cannot rename into " + path);
  }
  return path;
}

}  // namespace dc

// Descriptors and directory handles, each owned by one object that closes it
// when it goes out of scope, so that no early return leaks one.
#pragma once

#include <dirent.h>

#include <string>
#include <utility>

#include "daemonize/unique_fd.h"

namespace dc {

// The reference library's type: the checker and the daemonizer it teaches
// hold descriptors the same way.
using daemonize::UniqueFd;

// Owns one DIR* (and the descriptor under it) and closes it with closedir().
class UniqueDir {
 public:
  UniqueDir() = default;
  explicit UniqueDir(DIR* d) : d_(d) {}
  UniqueDir(UniqueDir&& o) noexcept : d_(std::exchange(o.d_, nullptr)) {}
  UniqueDir& operator=(UniqueDir&& o) noexcept {
    if (this != &o) reset(std::exchange(o.d_, nullptr));
    return *this;
  }
  UniqueDir(const UniqueDir&) = delete;
  UniqueDir& operator=(const UniqueDir&) = delete;
  ~UniqueDir() { reset(); }

  // opendir(path); empty (errno set) when it cannot be opened.
  static UniqueDir open(const std::string& path) { return UniqueDir(::opendir(path.c_str())); }
  // A listing of the directory fd is open on; takes fd, closing it when the
  // listing cannot be made. The listing shares fd's offset: pass a dup() to
  // keep using the original.
  static UniqueDir adopt(UniqueFd fd) {
    if (!fd.valid()) return UniqueDir();
    DIR* d = ::fdopendir(fd.get());
    if (d) fd.release();
    return UniqueDir(d);
  }

  explicit operator bool() const { return d_ != nullptr; }
  DIR* get() const { return d_; }
  int fd() const { return ::dirfd(d_); }
  // The next entry, "." and ".." included; nullptr at the end.
  dirent* next() { return ::readdir(d_); }
  void reset(DIR* d = nullptr) {
    if (d_) ::closedir(d_);
    d_ = d;
  }

 private:
  DIR* d_ = nullptr;
};

}  // namespace dc

// Error and Result: every step that can fail says which step, on what, and why.
// Errors are values (systemd's "return -errno", in C++): nothing in the library
// throws, and no failed system call is ever hidden. Header-only, so that the
// checker (daemoncheck) reports its own failures in the same four parts.
#pragma once

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace daemonize {

struct Error {
  // Each part has a default, so that an Error names only the parts it has:
  // Error{.subject = path, .detail = "not a directory"}.
  std::string step = {};     // what was being done: "lock pidfile", "chdir", ...
  std::string subject = {};  // the path or value involved: "/run/foo.pid", "uid 65534"
  int err = 0;               // errno, 0 when the failure is not a system call's
  std::string detail = {};   // words errno cannot say: "already running as pid 42"

  // One line, ready for stderr: "lock pidfile /run/foo.pid: already running
  // as pid 42". Parts left empty are left out with their separators: an Error
  // with only a step reads as that step ("the command is empty").
  std::string message() const {
    std::string what = step;
    if (!subject.empty()) what += (what.empty() ? "" : " ") + subject;
    std::string why = detail;
    if (err != 0)
      why += detail.empty() ? std::strerror(err) : " (" + std::string(std::strerror(err)) + ")";
    if (what.empty()) return why;
    return why.empty() ? what : what + ": " + why;
  }
};

// An Error from the errno a failed call just left.
inline Error os_error(std::string step, std::string subject, int err = errno) {
  return Error{std::move(step), std::move(subject), err, {}};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design
  bool ok() const { return !error_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

}  // namespace daemonize

// Result<T>: a value or an Error that says which step failed, on what, and why.
// Errors are values here: nothing that can fail throws across a module boundary.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace dc {

struct Error {
  std::string message;  // one line, ready for stderr or a scorecard field
};

template <class T>
class Result {
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

}  // namespace dc

// A fresh folder under $TMPDIR (or /tmp), removed with everything in it when
// the object goes: also when an assertion ends the test early.
#pragma once

#include <string>

namespace dc::test {

class TempDir {
 public:
  // `prefix` names the folder: /tmp/PREFIX-XXXXXX. Throws when none can be made.
  explicit TempDir(const std::string& prefix = "dc-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace dc::test

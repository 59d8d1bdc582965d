// A fresh folder under $TMPDIR (or /tmp), removed with everything in it when
// the object goes: also when an assertion ends the test early.
#pragma once

#include <string>

namespace dc::test {

class TempDir {
 public:
  // kTmpdir: $TMPDIR (or /tmp). kOutsideCheck: the build tree's scratch
  // folder, outside the folders a check makes private (/tmp, /run, /var/tmp
  // are overlays inside it whose writes the host never sees), for a test that
  // watches a check's own temp folders appear and go on the host.
  enum Where { kTmpdir, kOutsideCheck };
  // `prefix` names the folder: PREFIX-XXXXXX. Throws when none can be made.
  explicit TempDir(const std::string& prefix = "dc-test", Where where = kTmpdir);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace dc::test

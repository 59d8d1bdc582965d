// See temp_dir.h.
#include "temp_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace dc::test {

TempDir::TempDir(const std::string& prefix, Where where) {
  const char* tmp = std::getenv("TMPDIR");
  const std::string base = where == kOutsideCheck        ? std::string(DC_TEST_SCRATCH)
                           : tmp != nullptr && *tmp ? std::string(tmp)
                                                    : std::string("/tmp");
  std::string pattern = base + "/" + prefix + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern);
  // Readable by the daemons under test, which may drop privileges.
  ::chmod(pattern.c_str(), 0755);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace dc::test

// Writing reports: atomically (a temporary file in the same folder, then
// rename), never through a symbolic link, never half-written.
#pragma once

#include <string>

#include "common/result.h"

namespace dc {

// Writes data to path. The temporary file is removed on every failure.
Result<std::string> write_atomically(const std::string& path, const std::string& data);

// Makes sure dir exists (creating one level) and a file can be created in it.
Result<std::string> check_writable_dir(const std::string& dir);

}  // namespace dc

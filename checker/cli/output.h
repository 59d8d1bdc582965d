// Writing reports: atomically (a temporary file in the same folder, then
// rename), never through a symbolic link, never half-written.
#pragma once

#include <string>

#include "common/result.h"
#include "sys/fd.h"

namespace dc {

// A folder reports go to, opened once (at start) and written relative to its
// descriptor from then on, so that a target that swaps the folder for a
// symbolic link mid-run cannot redirect a report.
struct ReportFolder {
  UniqueFd fd;
  std::string path;  // for messages and the returned file name
};

// Opens dir (creating one level when `create`), with O_NOFOLLOW when
// `nofollow` (a --report-dir that is a symbolic link is refused), and makes
// sure a file can be created in it.
Result<ReportFolder> open_report_folder(const std::string& dir, bool create, bool nofollow);

// How a file written atomically survives a crash of the machine.
enum class Durability {
  kSynced,    // fsync before the rename: after a crash, the old file or the new
  kRenderOf,  // a rendering of a synced scorecard: no fsync (`daemoncheck render`
              // makes it again); readers still see the old file or the whole new one
};

// Writes data to NAME in the folder; returns the folder's path/NAME. The
// temporary file is removed on every failure.
Result<std::string> write_atomically_at(const ReportFolder& folder, const std::string& name,
                                        const std::string& data,
                                        Durability durability = Durability::kSynced);

// Writes data to path (its folder looked up now). The temporary file is
// removed on every failure.
Result<std::string> write_atomically(const std::string& path, const std::string& data);

// Makes sure dir exists (creating one level) and a file can be created in it.
Result<std::string> check_writable_dir(const std::string& dir);

}  // namespace dc

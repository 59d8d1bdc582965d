// What the systemd unit reader's tests share: the copies of Debian's units in
// data/units (DC_UNIT_DATA) and a temporary folder to write units into.
#pragma once

#include <filesystem>
#include <fstream>
#include <string_view>

#include "temp_dir.h"

namespace dc::unit {

inline const std::filesystem::path kUnitData = DC_UNIT_DATA;

class UnitDir : public test::TempDir {
 public:
  UnitDir() : TempDir("dc-unit") {}
  // Writes `text` to `relative` under the folder, making its folders.
  std::filesystem::path write(const std::filesystem::path& relative, std::string_view text) const {
    const std::filesystem::path file = std::filesystem::path(path()) / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }
};

}  // namespace dc::unit

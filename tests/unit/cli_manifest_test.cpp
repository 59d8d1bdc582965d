// case.json manifests (cli/manifest.h): with --unit the unit file gives the
// command, so "command" is [] exactly then.
#include <gtest/gtest.h>

#include <fstream>

#include "cli/manifest.h"
#include "temp_dir.h"

namespace dc {
namespace {

// Reads `json` as a manifest; returns the error, empty when it was read.
std::string read_error(const std::string& json, std::vector<manifest::Target>& out) {
  test::TempDir dir("manifest-test");
  std::ofstream(dir / "case.json") << json;
  std::string err;
  manifest::read(dir / "case.json", {.tokens = {{"BUILD", "/b"}}, .strict = true}, out, err);
  return err;
}

TEST(Manifest, AUnitCaseHasNoCommand) {
  std::vector<manifest::Target> out;
  EXPECT_EQ("", read_error(R"({"name": "u", "command": [],
      "options": ["--unit", "{BUILD}/cases/u/u.service"], "expect": {}})",
                           out));
  ASSERT_EQ(1u, out.size());
  EXPECT_TRUE(out[0].command.empty());
  EXPECT_EQ((std::vector<std::string>{"--unit", "/b/cases/u/u.service"}), out[0].options);
}

TEST(Manifest, AUnitCaseWithACommandIsRefused) {
  std::vector<manifest::Target> out;
  EXPECT_NE(std::string::npos,
            read_error(R"({"command": ["/bin/true"], "options": ["--unit", "u.service"]})", out)
                .find("the unit gives the command"));
}

TEST(Manifest, WithoutAUnitTheCommandMustNotBeEmpty) {
  std::vector<manifest::Target> out;
  EXPECT_NE(std::string::npos,
            read_error(R"({"command": [], "options": []})", out).find("empty \"command\""));
  EXPECT_NE(std::string::npos, read_error(R"({"options": []})", out).find("no \"command\""));
}

}  // namespace
}  // namespace dc

// Tests of the unit file reader: systemd.syntax(7) on text, real Debian 12
// units (data/units, copied from /lib/systemd/system of systemd 252), and
// drop-ins and templates in a temporary folder.
#include "unit/unit_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "unit_test_data.h"

namespace dc::unit {
namespace {

namespace fs = std::filesystem;
using namespace std::literals;

struct Parsed {
  std::vector<Assignment> assignments;
  std::vector<Finding> findings;
};

Parsed parse(std::string_view text) {
  Parsed p;
  parse_unit_text(text, "t.service", p.assignments, p.findings);
  return p;
}

TEST(UnitSyntax, ReadsSectionsKeysAndStripsWhitespace) {
  Parsed p = parse("[Unit]\nDescription = a b \n\n[Service]\n  ExecStart=/bin/true  \n");
  ASSERT_EQ(p.assignments.size(), 2u);
  EXPECT_EQ(p.assignments[0].section, "Unit");
  EXPECT_EQ(p.assignments[0].key, "Description");
  EXPECT_EQ(p.assignments[0].value, "a b");
  EXPECT_EQ(p.assignments[1].section, "Service");
  EXPECT_EQ(p.assignments[1].value, "/bin/true");
  EXPECT_EQ(p.assignments[1].line, 5);
  EXPECT_TRUE(p.findings.empty());
}

TEST(UnitSyntax, SkipsHashAndSemicolonComments) {
  Parsed p = parse("# a\n; b\n[Service]\n  # c\nUser=x # not a comment\n");
  ASSERT_EQ(p.assignments.size(), 1u);
  EXPECT_EQ(p.assignments[0].value, "x # not a comment");
}

TEST(UnitSyntax, JoinsContinuationLinesWithASpaceAndDropsCommentsInside) {
  Parsed p = parse("[Service]\nExecStart=/bin/echo a\\\n# inside\n  b \\\n; also\nc\nUser=u\n");
  ASSERT_EQ(p.assignments.size(), 2u);
  EXPECT_EQ(p.assignments[0].value, "/bin/echo a   b  c");
  EXPECT_EQ(p.assignments[0].line, 2);
  EXPECT_EQ(p.assignments[1].line, 7);
}

TEST(UnitSyntax, DoubleBackslashDoesNotContinue) {
  Parsed p = parse("[Service]\nA=x\\\\\nB=y\n");
  ASSERT_EQ(p.assignments.size(), 2u);
  EXPECT_EQ(p.assignments[0].value, "x\\\\");
}

TEST(UnitSyntax, ContinuationAtEndOfFileIsKept) {
  Parsed p = parse("[Service]\nA=x\\");
  ASSERT_EQ(p.assignments.size(), 1u);
  EXPECT_EQ(p.assignments[0].value, "x");
}

TEST(UnitSyntax, CarriageReturnsEndLines) {
  Parsed p = parse("[Service]\r\nA=1\r\nB=2\rC=3");
  ASSERT_EQ(p.assignments.size(), 3u);
  EXPECT_EQ(p.assignments[1].value, "2");
  EXPECT_EQ(p.assignments[2].line, 4);
}

TEST(UnitSyntax, ByteOrderMarkIsSkipped) {
  Parsed p = parse("\xef\xbb\xbf[Service]\nA=1\n");
  ASSERT_EQ(p.assignments.size(), 1u);
  EXPECT_TRUE(p.findings.empty());
}

TEST(UnitSyntax, KeepsRepeatedKeysInOrder) {
  Parsed p = parse("[Service]\nEnvironment=A=1\nEnvironment=\nEnvironment=B=2\n");
  ASSERT_EQ(p.assignments.size(), 3u);
  EXPECT_EQ(p.assignments[1].value, "");
}

TEST(UnitSyntax, UnknownSectionIsIgnoredWithAFinding) {
  Parsed p = parse("[Service]\nA=1\n[Bogus]\nB=2\n[X-Mine]\nC=3\n");
  ASSERT_EQ(p.assignments.size(), 2u);
  EXPECT_EQ(p.assignments[1].section, "X-Mine");
  ASSERT_EQ(p.findings.size(), 1u);
  EXPECT_EQ(p.findings[0].severity, Severity::ignored);
  EXPECT_EQ(p.findings[0].line, 3);
  EXPECT_NE(p.findings[0].message.find("unknown section [Bogus]"), std::string::npos);
}

TEST(UnitSyntax, AssignmentOutsideSectionAndMissingEqualsAreFindings) {
  Parsed p = parse("A=1\n[Service]\nnot an assignment\n=x\n");
  EXPECT_TRUE(p.assignments.empty());
  ASSERT_EQ(p.findings.size(), 3u);
  EXPECT_EQ(p.findings[0].line, 1);
  EXPECT_NE(p.findings[1].message.find("missing '='"), std::string::npos);
  EXPECT_FALSE(has_fatal(p.findings));
}

TEST(UnitSyntax, BrokenSectionHeaderIsFatal) {
  Parsed p = parse("[Service\nA=1\n");
  ASSERT_FALSE(p.findings.empty());
  EXPECT_EQ(p.findings[0].severity, Severity::fatal);
  EXPECT_EQ(describe(p.findings[0]), "t.service:1: invalid section header '[Service'");
}

TEST(UnitSyntax, TenMegabyteLineIsFatalNotACrash) {
  std::string text = "[Service]\nExecStart=/bin/" + std::string(10 * 1024 * 1024, 'a') + "\n";
  Parsed p = parse(text);
  EXPECT_TRUE(p.assignments.empty());
  ASSERT_EQ(p.findings.size(), 1u);
  EXPECT_EQ(p.findings[0].severity, Severity::fatal);
  EXPECT_EQ(p.findings[0].line, 2);
}

TEST(UnitSyntax, LongContinuedLineIsFatalToo) {
  std::string part = std::string(600 * 1024, 'a') + "\\\n";
  Parsed p = parse("[Service]\nA=" + part + part + "b\n");
  EXPECT_TRUE(has_fatal(p.findings));
}

TEST(UnitSyntax, BinaryGarbageGivesFindingsNotACrash) {
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage += static_cast<char>((i * 7919) % 256);
  Parsed p = parse("[Service]\n" + garbage);
  EXPECT_FALSE(p.findings.empty());
  for (const Finding& f : p.findings) {
    std::string line = describe(f);
    EXPECT_TRUE(std::all_of(line.begin(), line.end(), [](char c) { return c >= 0x20 && c < 0x7f; }))
        << line;
  }
  EXPECT_LE(p.findings.size(), 51u);
}

TEST(UnitSyntax, InvalidUtf8LineIsIgnored) {
  Parsed p = parse("[Service]\nUser=\xff\xfe\nGroup=g\n");
  ASSERT_EQ(p.assignments.size(), 1u);
  ASSERT_EQ(p.findings.size(), 1u);
  EXPECT_EQ(p.findings[0].line, 2);
  EXPECT_NE(p.findings[0].message.find("UTF-8"), std::string::npos);
}

TEST(UnitSyntax, NulEndsALineAsSystemdReadsIt) {
  Parsed p = parse("[Service]\nA=1\0B=2\n"s);
  ASSERT_EQ(p.assignments.size(), 2u);
  EXPECT_EQ(p.assignments[1].key, "B");
}

TEST(UnitName, SplitsPrefixInstanceSuffix) {
  auto name = split_unit_name("getty@tty1.service");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->prefix, "getty");
  EXPECT_EQ(*name->instance, "tty1");
  EXPECT_EQ(name->suffix, "service");
  EXPECT_FALSE(name->is_template());
  EXPECT_TRUE(split_unit_name("getty@.service")->is_template());
  EXPECT_FALSE(split_unit_name("cron.service")->instance);
  EXPECT_FALSE(split_unit_name("noext"));
  EXPECT_FALSE(split_unit_name("@x.service"));
}

TEST(UnitFileLookup, ListStartsAfterTheLastEmptyAssignment) {
  UnitFile unit;
  parse_unit_text("[Service]\nX=1\nX=2\nX=\nX=3\nX=4\n", "t", unit.assignments, unit.findings);
  std::vector<const Assignment*> list = unit.list("Service", "X");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]->value, "3");
  EXPECT_EQ(unit.last("Service", "X")->value, "4");
  EXPECT_EQ(unit.all("Service", "X").size(), 5u);
  EXPECT_EQ(unit.last("Service", "Y"), nullptr);
}

// ---- files: real units, drop-ins, templates --------------------------------

TEST(ReadUnit, ReadsRealDebianUnitsWithoutFindings) {
  for (const char* name : {"dbus.service", "fstrim.service", "systemd-logind.service"}) {
    UnitFile unit = read_unit(kUnitData / name, std::nullopt);
    EXPECT_TRUE(unit.findings.empty()) << name << ": " << describe(unit.findings.front());
    EXPECT_NE(unit.last("Service", "ExecStart"), nullptr) << name;
  }
  UnitFile logind = read_unit(kUnitData / "systemd-logind.service", std::nullopt);
  EXPECT_EQ(logind.all("Unit", "Documentation").size(), 4u);
  EXPECT_EQ(logind.all("Service", "DeviceAllow").size(), 7u);
}

TEST(ReadUnit, TemplateTakesTheInstance) {
  UnitFile unit = read_unit(kUnitData / "getty@.service", "tty3");
  EXPECT_TRUE(unit.findings.empty());
  EXPECT_EQ(unit.name.full, "getty@tty3.service");
  EXPECT_EQ(*unit.name.instance, "tty3");
  EXPECT_EQ(unit.last("Service", "ExecStart")->value,
            "-/sbin/agetty -o '-p -- \\\\u' --noclear - $TERM");
}

TEST(ReadUnit, TemplateWithoutInstanceIsFatal) {
  UnitFile unit = read_unit(kUnitData / "getty@.service", std::nullopt);
  ASSERT_TRUE(has_fatal(unit.findings));
  EXPECT_NE(unit.findings[0].message.find("--instance"), std::string::npos);
}

TEST(ReadUnit, InstanceForAPlainUnitIsFatal) {
  EXPECT_TRUE(has_fatal(read_unit(kUnitData / "dbus.service", "x").findings));
}

TEST(ReadUnit, InstanceWithCharactersOfNoUnitNameIsFatal) {
  UnitFile unit = read_unit(kUnitData / "getty@.service", "a/b");
  ASSERT_TRUE(has_fatal(unit.findings));
  EXPECT_NE(unit.findings[0].message.find("systemd-escape"), std::string::npos);
}

TEST(ReadUnit, MissingFileIsAFatalFinding) {
  UnitFile unit = read_unit("/nonexistent/x.service", std::nullopt);
  ASSERT_EQ(unit.findings.size(), 1u);
  EXPECT_EQ(describe(unit.findings[0]), "/nonexistent/x.service: cannot be read");
}

TEST(ReadUnit, NotAServiceIsFatal) {
  UnitDir dir;
  EXPECT_TRUE(has_fatal(read_unit(dir.write("x.socket", "[Socket]\n"), std::nullopt).findings));
}

TEST(ReadUnit, DropInsApplyInLexicalOrderAfterTheUnit) {
  UnitDir dir;
  fs::path unit_path = dir.write("d.service", "[Service]\nUser=a\nExecStart=/bin/true\n");
  dir.write("d.service.d/20-b.conf", "[Service]\nUser=c\n");
  dir.write("d.service.d/10-a.conf", "[Service]\nUser=b\n");
  dir.write("d.service.d/30-not-conf.txt", "[Service]\nUser=z\n");
  UnitFile unit = read_unit(unit_path, std::nullopt);
  EXPECT_TRUE(unit.findings.empty());
  ASSERT_EQ(unit.dropins.size(), 2u);
  EXPECT_EQ(unit.dropins[0].filename(), "10-a.conf");
  std::vector<const Assignment*> users = unit.all("Service", "User");
  ASSERT_EQ(users.size(), 3u);
  EXPECT_EQ(users[1]->value, "b");
  EXPECT_EQ(users[1]->file, (fs::path(dir.path()) / "d.service.d/10-a.conf").string());
  EXPECT_EQ(unit.last("Service", "User")->value, "c");
}

TEST(ReadUnit, InstanceDropInHidesTheTemplatesOfTheSameName) {
  UnitDir dir;
  fs::path unit_path = dir.write("t@.service", "[Service]\nExecStart=/bin/echo %i\n");
  dir.write("t@.service.d/a.conf", "[Service]\nUser=template\n");
  dir.write("t@.service.d/b.conf", "[Service]\nGroup=template\n");
  dir.write("t@one.service.d/a.conf", "[Service]\nUser=instance\n");
  UnitFile unit = read_unit(unit_path, "one");
  ASSERT_EQ(unit.dropins.size(), 2u);
  EXPECT_EQ(unit.all("Service", "User").size(), 1u);
  EXPECT_EQ(unit.last("Service", "User")->value, "instance");
  EXPECT_EQ(unit.last("Service", "Group")->value, "template");
}

TEST(ReadUnit, BrokenDropInIsAFindingAboutThatFile) {
  UnitDir dir;
  fs::path unit_path = dir.write("e.service", "[Service]\nExecStart=/bin/true\n");
  fs::path dropin = dir.write("e.service.d/x.conf", "[Service\n");
  UnitFile unit = read_unit(unit_path, std::nullopt);
  ASSERT_EQ(unit.findings.size(), 1u);
  EXPECT_EQ(unit.findings[0].file, dropin.string());
  EXPECT_EQ(unit.findings[0].line, 1);
}

}  // namespace
}  // namespace dc::unit

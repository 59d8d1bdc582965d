// Tests of the unit specifiers as the system manager resolves them.
#include "unit/specifiers.h"

#include <gtest/gtest.h>

namespace dc::unit {
namespace {

UnitName name_of(std::string_view full) {
  return *split_unit_name(full);
}

std::string resolve(std::string_view text, std::string_view unit) {
  SpecifierHost host;
  host.hostname = "box.example.org";
  host.machine_id = "0123456789abcdef0123456789abcdef";
  Result<std::string> r = resolve_specifiers(text, name_of(unit), host);
  return r ? *r : "error: " + r.error().message();
}

TEST(Specifiers, NamesOfAnInstance) {
  const char* unit = "dev-disk@dev-sda\\x2d1.service";
  EXPECT_EQ(resolve("%n", unit), unit);
  EXPECT_EQ(resolve("%N", unit), "dev-disk@dev-sda\\x2d1");
  EXPECT_EQ(resolve("%p", unit), "dev-disk");
  EXPECT_EQ(resolve("%P", unit), "dev/disk");
  EXPECT_EQ(resolve("%i", unit), "dev-sda\\x2d1");
  EXPECT_EQ(resolve("%I", unit), "dev/sda-1");
  EXPECT_EQ(resolve("%f", unit), "/dev/sda-1");
  EXPECT_EQ(resolve("%j", unit), "disk");
}

TEST(Specifiers, PlainUnitHasAnEmptyInstance) {
  EXPECT_EQ(resolve("[%i]", "cron.service"), "[]");
  EXPECT_EQ(resolve("%N", "cron.service"), "cron");
  EXPECT_EQ(resolve("%f", "cron.service"), "/cron");
}

TEST(Specifiers, SystemManagerDirectoriesAndUser) {
  EXPECT_EQ(resolve("%t/%S/%C/%L/%E/%T/%V", "a.service"),
            "/run//var/lib//var/cache//var/log//etc//tmp//var/tmp");
  EXPECT_EQ(resolve("%h %u %U %g %G %s", "a.service"), "/root root 0 root 0 /bin/sh");
  EXPECT_EQ(resolve("%H %l %m", "a.service"),
            "box.example.org box 0123456789abcdef0123456789abcdef");
  EXPECT_EQ(resolve("100%%", "a.service"), "100%");
  EXPECT_EQ(resolve("%t/%N.pid", "foo@bar.service"), "/run/foo@bar.pid");
}

TEST(Specifiers, UnknownOrTrailingPercentIsAnError) {
  EXPECT_EQ(resolve("%z", "a.service"), "error: unknown specifier '%z'");
  EXPECT_EQ(resolve("50%", "a.service"),
            "error: a lone '%' ends the value (write %% for a percent sign)");
}

TEST(Specifiers, UnescapesUnitNames) {
  EXPECT_EQ(unescape_unit_name("a-b\\x2dc\\x"), "a/b-c\\x");
  EXPECT_EQ(unescape_unit_path("-"), "/");
}

}  // namespace
}  // namespace dc::unit

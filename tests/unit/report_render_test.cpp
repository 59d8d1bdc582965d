// The JSON report a run writes beside its scorecard is the scorecard's own
// text (checker/main.cpp writes it without reading the scorecard back): that
// holds only while rendering what is read back gives the same bytes.
#include "report/render.h"

#include <gtest/gtest.h>

#include "report_sample.h"

namespace dc {
namespace {

void expect_json_report_is_the_text(const nlohmann::json& sc) {
  const std::string text = scorecard_text(sc);
  EXPECT_EQ(render(Format::Json, nlohmann::json::parse(text)), text);
}

TEST(RenderJson, IsTheScorecardTextOfAMessyRun) {
  // Invalid UTF-8 (replaced in the text), markup, escapes, fractional times.
  expect_json_report_is_the_text(sample::messy_scorecard());
}

TEST(RenderJson, IsTheScorecardTextOfAPassingAndAServiceRun) {
  expect_json_report_is_the_text(sample::passing_scorecard());
  expect_json_report_is_the_text(sample::service_scorecard());
}

TEST(RenderJson, KeepsNumbersAsWritten) {
  nlohmann::json sc = sample::passing_scorecard();
  sc["numbers"] = {0.1,
                   1e-7,
                   123456.789,
                   -2.5,
                   1e300,
                   0.0,
                   -0.0,
                   18446744073709551615ull,
                   -9223372036854775807ll - 1,
                   1.0 / 3};
  expect_json_report_is_the_text(sc);
}

}  // namespace
}  // namespace dc

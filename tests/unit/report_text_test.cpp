// The summary on stdout: one line per rule with mark, severity and message;
// unused waivers; the verdict and the report path last; colour on request.
#include "report/text.h"

#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "report_sample.h"

namespace dc {
namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST(TextReport, OneLinePerRuleWithMarkSeverityAndMessage) {
  const auto sc = sample::messy_scorecard();
  const std::string text = render_text(sc);
  for (const auto& r : sc["rules"]) {
    bool found = false;
    for (const auto& l : lines(text)) {
      std::istringstream words(l);
      std::string mark, status_word, severity, id;
      words >> mark >> status_word >> severity >> id;
      if (id == r["id"].get<std::string>()) {
        found = true;
        EXPECT_NE(l.find(r["severity"].get<std::string>()), std::string::npos) << l;
        const std::string status = r["status"];
        const char* want = status == "pass"     ? "✓"
                           : status == "fail"   ? "✗"
                           : status == "skip"   ? "-"
                           : status == "waived" ? "~"
                                                : "!";
        EXPECT_EQ(mark, want) << l;
        EXPECT_NE(l.find(r["message"].get<std::string>().substr(0, 20)), std::string::npos) << l;
      }
    }
    EXPECT_TRUE(found) << r["id"];
  }
}

TEST(TextReport, VerdictAndReportPathComeLast) {
  TextStyle style;
  style.report_path = "reports/x.json";
  style.also_written = {{"junit", "out.xml"}};
  const auto l = lines(render_text(sample::messy_scorecard(), style));
  ASSERT_GE(l.size(), 3u);
  EXPECT_TRUE(l[l.size() - 2].starts_with("verdict: fail (")) << l[l.size() - 2];
  EXPECT_EQ(l.back(), "report: reports/x.json");
  EXPECT_EQ(l[l.size() - 3], "junit: out.xml");
}

TEST(TextReport, ReportsUnusedWaiversAndShowsUsedOnes) {
  const std::string text = render_text(sample::messy_scorecard());
  EXPECT_NE(text.find("unused waiver: stdio-open (\"never fails here\"): the rule passed"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("[waived: the harness <starts> it | there]"), std::string::npos);
}

TEST(TextReport, ColourOnlyWhenAsked) {
  const auto sc = sample::messy_scorecard();
  EXPECT_EQ(render_text(sc).find('\x1b'), std::string::npos);
  TextStyle colour;
  colour.color = true;
  const std::string text = render_text(sc, colour);
  EXPECT_NE(text.find("\x1b[31m✗ fail"), std::string::npos);
  EXPECT_NE(text.find("\x1b[1;31mverdict: fail\x1b[0m"), std::string::npos);
}

TEST(TextReport, TheDaemonCannotDriveTheTerminal) {
  // kHostile holds ESC [31m: it must not reach the terminal as an escape.
  const std::string text = render_text(sample::messy_scorecard());
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_TRUE(sample::valid_utf8(text));
}

TEST(TextReport, ToleratesAnEmptyOrForeignDocument) {
  EXPECT_NO_THROW(render_text(nlohmann::json::object()));
  EXPECT_NO_THROW(
      render_text(nlohmann::json::parse(R"({"rules": 5, "summary": [], "tool": "x"})")));
  EXPECT_NE(render_text(nlohmann::json::object()).find("verdict: fail"), std::string::npos);
}

}  // namespace
}  // namespace dc

namespace dc {
namespace {

// A failed start shows what the target last wrote on its terminal.
TEST(TextReport, AFailedStartShowsTheTerminalsLastLines) {
  nlohmann::json sc = sample::passing_scorecard();
  sc["launch"]["terminal_output"] = "starting\r\n\r\nsh: 0: cannot open start.sh\r\n";
  const std::string quiet = render_text(sc);
  EXPECT_EQ(quiet.find("cannot open"), std::string::npos) << "only a failed start shows it";
  for (auto& r : sc["rules"])
    if (r["id"] == "parent-exits") r["status"] = "fail";
  const std::string text = render_text(sc);
  EXPECT_NE(text.find("  | starting\n  | sh: 0: cannot open start.sh\n"), std::string::npos)
      << text;
}

TEST(TextReport, ShowsTheNotesBeforeTheVerdict) {
  const std::string text = render_text(sample::with_notes_and_terminal(sample::messy_scorecard()));
  const size_t note = text.find("note: observing 1 daemon(s) took 1200 ms\n");
  ASSERT_NE(note, std::string::npos) << text;
  EXPECT_LT(note, text.find("verdict: "));
  EXPECT_NE(text.find("note: note <script>"), std::string::npos);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_TRUE(sample::valid_utf8(text));
}

TEST(TextReport, AServiceCheckNamesItsUnitAndListsWhatIsNotSimulatedOnce) {
  const std::string text = render_text(sample::service_scorecard());
  EXPECT_NE(text.find("— /etc/systemd/system/my.service\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  drop-in /etc/systemd/system/my.service.d/override.conf\n"),
            std::string::npos);
  EXPECT_EQ(sample::count(text, "ProtectSystem="), 1) << text;
  EXPECT_NE(text.find("not simulated: ProtectSystem=, CPUQuota= (unit.not_simulated)"),
            std::string::npos);
  // Without a unit nothing of it is said.
  EXPECT_EQ(render_text(sample::messy_scorecard()).find("not simulated"), std::string::npos);
}

// --profile systemd: the summary says the unit was made up from the command
// line, and names the command, not a file.
TEST(TextReport, AMadeUpUnitIsSaidToBeMadeUp) {
  nlohmann::json sc = sample::service_scorecard();
  sc["target"]["profile"] = "systemd";
  sc["unit"]["made_up"] = true;
  sc["unit"]["file"] = nullptr;
  sc["unit"]["type"] = "notify";
  const std::string text = render_text(sc);
  EXPECT_NE(text.find("  unit made up from the command line: Type=notify, ExecStart= the command "
                      "(unit.made_up)\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("/etc/systemd/system/my.service\n"), std::string::npos) << text;
  EXPECT_EQ(render_text(sample::service_scorecard()).find("made up"), std::string::npos);
}

}  // namespace
}  // namespace dc

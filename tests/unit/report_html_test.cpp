// The HTML page: self-contained, every rule in the table grouped by step,
// evidence in <details>, the process tree and the timeline, all escaped.
// (tests/report opens real pages in headless Chromium.)
#include "report/html.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "profiles/profile.h"
#include "report/escape.h"
#include "report_sample.h"
#include "rules/catalog.h"

namespace dc {
namespace {

using sample::count;

TEST(HtmlReport, EveryRuleHasARowWithItsEvidence) {
  const auto sc = sample::messy_scorecard();
  const std::string html = render_html(sc);
  EXPECT_EQ(count(html, "<tr class=\"rule "), static_cast<int>(sc["rules"].size()));
  EXPECT_EQ(count(html, "<details>"), static_cast<int>(sc["rules"].size()));
  for (const auto& r : sc["rules"])
    EXPECT_EQ(count(html, "data-rule=\"" + r["id"].get<std::string>() + "\""), 1) << r["id"];
}

TEST(HtmlReport, GroupsFollowTheTutorialsSteps) {
  const std::string html = render_html(sample::messy_scorecard());
  size_t last = 0;
  for (const char* group :
       {"Step 1 ", "Step 2 ", "Steps 2, 3 and daemon(7) 15", "Step 3 ", "Step 3a ", "Step 3b ",
        "Step 4 ", "Step 5 ", "Step 6 ", "Step 7 ", "Step 8 ", "daemon(7) · step 2",
        "daemon(7) · step 3", "daemon(7) · step 15", "There can be only one", "Signals"}) {
    size_t at = html.find("<tr class=\"step\"><th colspan=\"4\">" + std::string(group));
    ASSERT_NE(at, std::string::npos) << group;
    EXPECT_GT(at, last) << group;
    last = at;
  }
}

TEST(HtmlReport, BannerShowsTheVerdictAndWhatGatedIt) {
  const std::string fail = render_html(sample::messy_scorecard());
  EXPECT_NE(fail.find("<section class=\"verdict fail\""), std::string::npos);
  EXPECT_NE(fail.find("✗ FAIL"), std::string::npos);
  EXPECT_NE(fail.find("<a href=\"#rule-new-session\">new-session</a>"), std::string::npos);
  const std::string pass = render_html(sample::passing_scorecard());
  EXPECT_NE(pass.find("<section class=\"verdict pass\""), std::string::npos);
  EXPECT_NE(pass.find("✓ PASS"), std::string::npos);
}

TEST(HtmlReport, ShowsTheProcessTreeWithSessionsAndGroups) {
  const std::string html = render_html(sample::messy_scorecard());
  const size_t tree = html.find("<section id=\"tree\">");
  ASSERT_NE(tree, std::string::npos);
  const std::string t = html.substr(tree, html.find("</section>", tree) - tree);
  for (const char* want : {"pid 99", "session holder", "pid 100", "leads /dev/pts/7", "launched",
                           "pid 101", "pgrp 101", "exited 0 at 2.5 ms", "daemon", "pid 102",
                           "sid 100 = launch session", "controlling tty 34823", "killed by SIGHUP"})
    EXPECT_NE(t.find(want), std::string::npos) << want;
}

TEST(HtmlReport, ShowsTheTimeline) {
  const std::string html = render_html(sample::messy_scorecard());
  for (const char* want :
       {"<section id=\"timeline\">", "<b>launch</b> begins", "<b>startup</b> begins",
        "<b>hang-up probe</b> begins", "the launched process (pid 101) exited 0", "startup settled",
        "pid 102 (the daemon ("})
    EXPECT_NE(html.find(want), std::string::npos) << want;
  // Events in time order: 0 ms launch before 2.5 ms exit before 35 ms ready.
  EXPECT_LT(html.find(">0.0 ms<"), html.find(">2.5 ms<"));
  EXPECT_LT(html.find(">2.5 ms<"), html.find(">35.0 ms<"));
}

TEST(HtmlReport, EscapesEverythingTheDaemonControls) {
  const std::string html = render_html(sample::messy_scorecard());
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(html.find('\x1b'), std::string::npos);
  EXPECT_TRUE(sample::valid_utf8(html));
  EXPECT_EQ(count(html, "<script>"), 1);  // ours, at the end
}

TEST(HtmlReport, LoadsNothingFromTheNetwork) {
  const std::string html = render_html(sample::messy_scorecard());
  EXPECT_FALSE(std::regex_search(html, std::regex(R"((src|href)\s*=\s*["']?(https?:)?//)")));
  EXPECT_FALSE(std::regex_search(html, std::regex(R"(url\(|@import|<link|<img)")));
  EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos);
}

TEST(HtmlReport, AnAttachedRunHasNoLaunchInItsTree) {
  nlohmann::json sc = sample::messy_scorecard();
  sc["target"]["argv"] = nlohmann::json::array();
  for (const char* k : {"holder_pid", "launched_pid", "checker_pid"}) sc["launch"][k] = 0;
  const std::string html = render_html(sc);
  EXPECT_EQ(html.find("n-holder"), std::string::npos);
  EXPECT_EQ(html.find("n-launched"), std::string::npos);
  EXPECT_NE(html.find("n-daemon"), std::string::npos);
}

TEST(HtmlReport, AForegroundServiceIsTheLaunchedProcessItself) {
  nlohmann::json sc = sample::messy_scorecard();
  sc["daemons"][0]["pid"] = 101;  // the launched pid: the systemd profile
  const std::string html = render_html(sc);
  EXPECT_NE(html.find("launched · the daemon"), std::string::npos);
  EXPECT_EQ(html.find("<li class=\"adopted\">"), std::string::npos);
  EXPECT_EQ(html.find("no daemon survived startup"), std::string::npos);
}

TEST(HtmlReport, NoDaemonIsSaid) {
  nlohmann::json sc = sample::messy_scorecard();
  sc["daemons"] = nlohmann::json::array();
  EXPECT_NE(render_html(sc).find("no daemon survived startup"), std::string::npos);
}

// The timeline's phases follow the scorecard's profile descriptor: its order
// and its titles, whatever order timings_ms lists them in; a phase no profile
// knows comes last under its own key.
TEST(HtmlReport, TimelinePhasesFollowTheProfile) {
  for (const Profile* prof : all_profiles()) {
    nlohmann::json sc = sample::messy_scorecard();
    sc["target"]["profile"] = std::string(prof->name);
    sc["timings_ms"] = nlohmann::json::object();
    sc["timings_ms"]["zz_unknown_phase"] = 1.0;
    for (const Phase& ph : prof->phases) sc["timings_ms"][std::string(ph.key)] = 2.0;
    const std::string html = render_html(sc);
    size_t last = 0;
    for (const Phase& ph : prof->phases) {
      const size_t at = html.find("<b>" + std::string(ph.title) + "</b> begins");
      ASSERT_NE(at, std::string::npos) << prof->name << " " << ph.key;
      EXPECT_GT(at, last) << prof->name << " " << ph.key;
      last = at;
    }
    EXPECT_GT(html.find("<b>zz_unknown_phase</b> begins"), last) << prof->name;
  }
}

TEST(HtmlReport, ToleratesAnEmptyDocument) {
  EXPECT_NO_THROW(render_html(nlohmann::json::object()));
  EXPECT_NO_THROW(
      render_html(nlohmann::json::parse(R"({"launch": [], "daemons": {}, "timings_ms": 3})")));
}

TEST(HtmlReport, ShowsTheNotesAndTheTerminal) {
  const std::string html = render_html(sample::with_notes_and_terminal(sample::messy_scorecard()));
  const size_t notes = html.find("<section id=\"notes\">");
  ASSERT_NE(notes, std::string::npos);
  EXPECT_NE(html.find("<li>observing 1 daemon(s) took 1200 ms</li>", notes), std::string::npos);
  EXPECT_NE(html.find("<li>note &lt;script&gt;", notes), std::string::npos);
  const size_t term = html.find("<section id=\"terminal\">");
  ASSERT_NE(term, std::string::npos);
  EXPECT_NE(html.find("<pre class=\"terminal\">starting\n&lt;script&gt;alert", term),
            std::string::npos);
  EXPECT_EQ(html.find('\x1b'), std::string::npos);
  EXPECT_EQ(html.find('\x07'), std::string::npos);
  EXPECT_EQ(html.find('\r'), std::string::npos);
  EXPECT_TRUE(sample::valid_utf8(html));
  const std::string plain = render_html(sample::messy_scorecard());
  EXPECT_EQ(plain.find("<section id=\"notes\">"), std::string::npos);
  EXPECT_EQ(plain.find("<section id=\"terminal\">"), std::string::npos);
}

// The tree marks a daemon's session and terminal as the rules judged them.
TEST(HtmlReport, SessionChipsFollowTheRuleResults) {
  nlohmann::json sc = sample::messy_scorecard();
  const std::string before = render_html(sc);
  EXPECT_NE(before.find("<span class=\"chip bad\">sid 100 = launch session</span>"),
            std::string::npos);
  EXPECT_NE(before.find("<span class=\"chip bad\">controlling tty 34823</span>"),
            std::string::npos);
  for (auto& r : sc["rules"])
    if (r["id"] == "new-session" || r["id"] == "no-controlling-tty") r["status"] = "skip";
  const std::string after = render_html(sc);
  EXPECT_NE(after.find("<span class=\"chip \">sid 100 = launch session</span>"), std::string::npos);
  EXPECT_NE(after.find("<span class=\"chip \">controlling tty 34823</span>"), std::string::npos);
}

TEST(HtmlReport, StepTitlesComeFromTheCatalogue) {
  const std::string html = render_html(sample::messy_scorecard());
  for (const auto& s : seed_steps()) {
    bool used = false;
    for (const auto& r : catalog()) used = used || (r.seed_step == s.step && (r.profiles & kSysv));
    if (used) {
      EXPECT_NE(html.find("<th colspan=\"4\">" + html_escape(s.title)), std::string::npos)
          << s.step;
    }
  }
}

// The style sheet is report/html/style.css, embedded whole.
TEST(HtmlReport, EmbedsTheStyleSheet) {
  std::ifstream in(DC_HTML_STYLE_CSS);
  ASSERT_TRUE(in) << DC_HTML_STYLE_CSS;
  const std::string css{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  ASSERT_GT(css.size(), 1000u);
  EXPECT_NE(render_html(sample::messy_scorecard()).find("<style>\n" + css + "</style>"),
            std::string::npos);
}

TEST(HtmlReport, TheTimelineHasARowPerNotifyMessageAndPerExecCommand) {
  const std::string html = render_html(sample::service_scorecard());
  for (const char* want :
       {"<b>ExecStartPre=</b> <code>/usr/sbin/mydaemon --check-config</code> starts as pid 10",
        "ExecStartPre= (pid 10) exited with status 0",
        "<b>ExecStart=</b> <code>/usr/sbin/mydaemon --foreground</code> starts as pid 11",
        "notify <code>READY=1</code> from pid 11",
        ", ignored: reception only permitted for main PID 11"})
    EXPECT_NE(html.find(want), std::string::npos) << want;
  // In time order: the child's ignored message at 18 ms before READY=1 at 20 ms.
  EXPECT_LT(html.find(">18.0 ms<"), html.find(">20.0 ms<"));
  // What the child sent is escaped like everything else it controls.
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_EQ(render_html(sample::messy_scorecard()).find("notify <code>"), std::string::npos);
}

// A relaunch's commands and messages are in the scorecard's lists, in the
// order they came, marked with the relaunch (ExecStop= with the instance it
// stopped), and the timeline says which rows are the relaunch's.
TEST(HtmlReport, ARelaunchsCommandsAndMessagesAreRowsMarkedWithTheRelaunch) {
  const nlohmann::json sc = sample::relaunched_service_scorecard();
  const auto& execs = sc["service"]["execs"];
  ASSERT_EQ(execs.size(), 3u) << execs.dump();
  EXPECT_EQ(execs[0]["pid"], 11);
  EXPECT_EQ(execs[0]["relaunch"], 0);
  EXPECT_EQ(execs[1]["pid"], 31);
  EXPECT_EQ(execs[1]["relaunch"], 1);
  EXPECT_EQ(execs[2]["kind"], "ExecStop");
  EXPECT_EQ(execs[2]["relaunch"], 1);
  const auto& notify = sc["service"]["notify"];
  ASSERT_EQ(notify.size(), 2u);
  EXPECT_EQ(notify[0]["relaunch"], 0);
  EXPECT_EQ(notify[1]["sender"], 31);
  EXPECT_EQ(notify[1]["relaunch"], 1);
  ASSERT_EQ(sc["service"]["relaunches"].size(), 1u);
  EXPECT_EQ(sc["service"]["relaunches"][0]["before"], "the stop");
  const std::string html = render_html(sc);
  for (const char* want :
       {"<code>/usr/sbin/mydaemon --foreground</code> starts as pid 31 (relaunch 1)",
        "notify <code>READY=1</code> from pid 31 (relaunch 1)",
        "<code>/usr/sbin/mydaemonctl stop</code> starts as pid 32 (relaunch 1)"})
    EXPECT_NE(html.find(want), std::string::npos) << want;
  EXPECT_NE(html.find("starts as pid 11<"), std::string::npos);
  EXPECT_EQ(html.find("starts as pid 11 (relaunch"), std::string::npos);
}

}  // namespace
}  // namespace dc

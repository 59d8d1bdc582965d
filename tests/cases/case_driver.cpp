// case-driver: the acceptance test of one case of cases/. It reads the case's
// case.json, runs daemoncheck on the case's command, and compares every rule of
// the scorecard with the manifest's "expect": a listed rule must have the
// listed status ("fail|pass" accepts either: racy rules), an unlisted rule must
// be pass or skip. Exit 0 when the scorecard matches, 1 when it does not, 2 on
// a bad manifest or command line, 3 when daemoncheck could not run.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "cli/manifest.h"
#include "process.h"

namespace {

using nlohmann::json;

[[noreturn]] void die(int status, const std::string& what) {
  std::cerr << "case-driver: " << what << "\n";
  std::exit(status);
}

// daemoncheck's launch raises RLIMIT_CORE's soft limit to the hard limit, so
// a daemon that never sets it fails core-dumps-disabled whatever this shell's
// `ulimit -c` is. Only a hard limit of 0 leaves nothing to raise (the rule is
// then skip). Returns false then.
bool core_limit_can_be_raised() {
  rlimit lim{};
  return getrlimit(RLIMIT_CORE, &lim) == 0 && lim.rlim_max != 0;
}

// Reads case.json (one target) with {BUILD}, {SOURCE}, {BIN:name} and {TMP}
// replaced; any other token, or a malformed manifest, ends the driver (2).
dc::manifest::Target load_manifest(const std::string& case_dir, const dc::manifest::Tokens& paths) {
  std::vector<dc::manifest::Target> targets;
  std::string err;
  if (!dc::manifest::read(case_dir + "/case.json", {.tokens = paths, .strict = true}, targets, err))
    die(2, err);
  if (targets.size() != 1) die(2, case_dir + "/case.json: one target expected");
  return targets.front();
}

struct Row {
  std::string rule, expected, got, message;
};

// Every rule of the scorecard against the manifest, and the summary against
// daemoncheck's exit status. Returns the differences; `all` gets every rule.
std::vector<Row> compare(const json& card, const json& expect, int exit_status, bool core_planted,
                         std::vector<Row>& all) {
  std::vector<Row> diffs;
  std::set<std::string> may_skip;
  if (!core_planted) may_skip.insert("core-dumps-disabled");
  for (const auto& c :
       dc::manifest::check_rules(card.value("rules", json::array()), expect, may_skip)) {
    Row row{c.rule, c.expected, c.got, c.message};
    if (c.got != "absent") all.push_back(row);
    if (!c.ok) diffs.push_back(row);
  }
  const json summary = card.value("summary", json::object());
  const int card_status = summary.value("exit_status", -1);
  if (card_status != exit_status) {
    diffs.push_back({"(summary)", "exit_status " + std::to_string(exit_status),
                     "exit_status " + std::to_string(card_status),
                     "the scorecard's summary disagrees with daemoncheck's exit status"});
  }
  const std::string verdict = summary.value("verdict", "?");
  if ((verdict == "pass") != (exit_status == 0)) {
    diffs.push_back({"(summary)", exit_status == 0 ? "verdict pass" : "verdict fail",
                     "verdict " + verdict, "the verdict disagrees with daemoncheck's exit status"});
  }
  return diffs;
}

void print_rows(const std::vector<Row>& rows) {
  size_t width = 4;
  for (const auto& r : rows) width = std::max(width, r.rule.size());
  for (const auto& r : rows) {
    std::string line = "  " + r.rule;
    line.append(width - r.rule.size(), ' ').append("  expected ").append(r.expected);
    line.append(line.size() < width + 22 ? width + 22 - line.size() : 1, ' ');
    line.append("got ").append(r.got);
    if (!r.message.empty()) line.append("  -- ").append(r.message);
    std::cout << line << "\n";
  }
}

int check_case(const std::string& daemoncheck, const std::string& case_dir,
               const dc::manifest::Tokens& paths, const std::string& save_path,
               const std::string& report_dir, bool verbose) {
  const dc::manifest::Target manifest = load_manifest(case_dir, paths);
  const std::string& name = manifest.name;
  const json expect = manifest.expect.is_null() ? json::object() : manifest.expect;

  // A manifest whose options begin with a subcommand ("control") runs it.
  std::vector<std::string> options = manifest.options;
  std::vector<std::string> cmd = {daemoncheck};
  if (!options.empty() && options.front() == "control") {
    cmd.push_back(options.front());
    options.erase(options.begin());
  }
  cmd.insert(cmd.end(), {"--quiet", "--json", "-"});
  if (!report_dir.empty()) cmd.insert(cmd.end(), {"--report-dir", report_dir});
  cmd.insert(cmd.end(), options.begin(), options.end());
  if (!manifest.command.empty()) {  // empty with --unit: the unit gives the command
    cmd.emplace_back("--");
    cmd.insert(cmd.end(), manifest.command.begin(), manifest.command.end());
  }

  const bool core_planted = core_limit_can_be_raised();
  std::string shown;
  for (const auto& a : cmd) shown.append(shown.empty() ? "" : " ").append(a);
  std::cout << "case " << name << ": " << shown << "\n";

  const dc::test::Captured o = dc::test::run_captured({.argv = cmd});
  if (o.status != 0 && o.status != 1) {
    std::cout << "FAIL " << name << ": daemoncheck exited "
              << (o.status < 0 ? std::string("on a signal") : std::to_string(o.status))
              << " (0 or 1 expected)\n--- stderr ---\n"
              << o.err << "--- stdout (first 2000 bytes) ---\n"
              << o.out.substr(0, 2000) << "\n";
    return 3;
  }
  json card;
  try {
    card = json::parse(o.out);
  } catch (const json::exception& e) {
    std::cout << "FAIL " << name << ": the scorecard is not JSON: " << e.what()
              << "\n--- stdout ---\n"
              << o.out.substr(0, 2000) << "\n--- stderr ---\n"
              << o.err << "\n";
    return 1;
  }
  if (!save_path.empty()) std::ofstream(save_path) << card.dump(2) << "\n";

  std::vector<Row> all;
  const std::vector<Row> diffs = compare(card, expect, o.status, core_planted, all);
  if (verbose) {
    std::cout << "scorecard of " << name << " (daemoncheck exit " << o.status << "):\n";
    print_rows(all);
  }
  if (!core_planted) {
    std::cout << "note: RLIMIT_CORE's hard limit is 0: core-dumps-disabled is skip everywhere\n";
  }
  if (!diffs.empty()) {
    std::cout << "FAIL " << name << ": " << diffs.size() << " rule(s) differ from " << case_dir
              << "/case.json\n";
    print_rows(diffs);
    if (!o.err.empty()) std::cout << "--- daemoncheck stderr ---\n" << o.err;
    return 1;
  }
  std::cout << "ok " << name << ": " << all.size() << " rules as expected (daemoncheck exit "
            << o.status << ")\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Runs daemoncheck on one case of cases/ and compares the scorecard with its case.json"};
  std::string daemoncheck, case_dir, save_path, build;
  dc::manifest::Tokens paths;
  std::vector<std::string> bin_args;
  bool verbose = false;
  app.add_option("--daemoncheck", daemoncheck, "The daemoncheck binary")->required();
  app.add_option("--build", build, "The build folder ({BUILD})")->required();
  app.add_option("--case", case_dir, "The case's folder (holds case.json; {SOURCE})")->required();
  app.add_option("--bin", bin_args, "NAME=PATH for the token {BIN:NAME}");
  app.add_option("--save", save_path, "Also write the scorecard here");
  std::string report_dir;
  app.add_option("--report-dir", report_dir, "daemoncheck's --report-dir (default: its own)");
  app.add_flag("-v,--verbose", verbose, "Print every rule, not only the differences");
  CLI11_PARSE(app, argc, argv);

  paths["BUILD"] = build;
  for (const auto& b : bin_args) {
    auto eq = b.find('=');
    if (eq == std::string::npos) die(2, "--bin wants NAME=PATH, got " + b);
    paths["BIN:" + b.substr(0, eq)] = b.substr(eq + 1);
  }
  try {
    return check_case(daemoncheck, case_dir, paths, save_path, report_dir, verbose);
  } catch (const std::exception& e) {
    die(3, e.what());
  }
}

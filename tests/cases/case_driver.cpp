// case-driver: the acceptance test of one case of cases/. It reads the case's
// case.json, runs daemoncheck on the case's command, and compares every rule of
// the scorecard with the manifest's "expect": a listed rule must have the
// listed status ("fail|pass" accepts either: racy rules), an unlisted rule must
// be pass or skip. Exit 0 when the scorecard matches, 1 when it does not, 2 on
// a bad manifest or command line, 3 when daemoncheck could not run.
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using nlohmann::json;

struct Paths {
  std::string build;                        // {BUILD}
  std::string source;                       // {SOURCE}: the case's folder
  std::map<std::string, std::string> bins;  // {BIN:name}
};

struct Outcome {
  int exit_status = -1;  // -1: killed by a signal
  std::string out, err;
};

[[noreturn]] void die(int status, const std::string& what) {
  std::cerr << "case-driver: " << what << "\n";
  std::exit(status);
}

// Replaces {BUILD}, {SOURCE}, {BIN:name} with paths and {TMP} with daemoncheck's
// own token {tmp}, which it expands into each run's fresh temporary directory.
std::string expand(std::string s, const Paths& paths) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (s[i] != '{') {
      out += s[i++];
      continue;
    }
    size_t end = s.find('}', i);
    if (end == std::string::npos) die(2, "unterminated token in \"" + s + "\"");
    std::string token = s.substr(i + 1, end - i - 1);
    if (token == "BUILD") {
      out += paths.build;
    } else if (token == "SOURCE") {
      out += paths.source;
    } else if (token == "TMP") {
      out += "{tmp}";
    } else if (token.rfind("BIN:", 0) == 0) {
      auto it = paths.bins.find(token.substr(4));
      if (it == paths.bins.end()) die(2, "no --bin given for {" + token + "}");
      out += it->second;
    } else {
      die(2, "unknown token {" + token + "} in \"" + s + "\"");
    }
    i = end + 1;
  }
  return out;
}

std::vector<std::string> expand_all(const json& list, const Paths& paths, const char* field) {
  if (!list.is_array())
    die(2, std::string("case.json: \"") + field + "\" must be an array of strings");
  std::vector<std::string> out;
  for (const auto& item : list) {
    if (!item.is_string())
      die(2, std::string("case.json: \"") + field + "\" must be an array of strings");
    out.push_back(expand(item.get<std::string>(), paths));
  }
  return out;
}

// Runs argv with stdout and stderr captured (CLOEXEC pipes: nothing else
// inherits them), and waits for it.
Outcome run(const std::vector<std::string>& argv) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0)
    die(3, std::string("pipe: ") + std::strerror(errno));
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) die(3, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0 || dup2(out_pipe[1], 1) < 0 || dup2(err_pipe[1], 2) < 0)
      _exit(127);
    execv(cargv[0], cargv.data());
    dprintf(2, "case-driver: exec %s: %s\n", cargv[0], std::strerror(errno));
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);

  Outcome o;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&o.out, &o.err};
  int open_count = 2;
  while (open_count > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      die(3, std::string("poll: ") + std::strerror(errno));
    }
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[65536];
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        open_count--;
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) die(3, std::string("waitpid: ") + std::strerror(errno));
  o.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

std::set<std::string> alternatives(const std::string& expected) {
  std::set<std::string> out;
  std::stringstream ss(expected);
  for (std::string part; std::getline(ss, part, '|');) out.insert(part);
  return out;
}

// daemoncheck's launch raises RLIMIT_CORE's soft limit to the hard limit, so
// a daemon that never sets it fails core-dumps-disabled whatever this shell's
// `ulimit -c` is. Only a hard limit of 0 leaves nothing to raise (the rule is
// then skip). Returns false then.
bool core_limit_can_be_raised() {
  rlimit lim{};
  return getrlimit(RLIMIT_CORE, &lim) == 0 && lim.rlim_max != 0;
}

// Reads and checks case.json: every expected status is a known one.
json load_manifest(const std::string& case_dir) {
  std::ifstream in(case_dir + "/case.json");
  if (!in) die(2, "cannot read " + case_dir + "/case.json");
  json manifest;
  try {
    manifest = json::parse(in);
  } catch (const json::exception& e) {
    die(2, case_dir + "/case.json: " + e.what());
  }
  const std::string name = manifest.value("name", case_dir);
  const json expect = manifest.value("expect", json::object());
  if (!expect.is_object()) die(2, name + ": \"expect\" must be an object");
  static const std::set<std::string> known_statuses = {"pass", "fail", "skip", "error", "waived"};
  for (const auto& [id, status] : expect.items()) {
    if (!status.is_string()) die(2, name + ": expect." + id + " must be a string");
    for (const auto& s : alternatives(status.get<std::string>())) {
      if (!known_statuses.count(s)) die(2, name + ": expect." + id + ": unknown status " + s);
    }
  }
  return manifest;
}

struct Row {
  std::string rule, expected, got, message;
};

// Every rule of the scorecard against the manifest, and the summary against
// daemoncheck's exit status. Returns the differences; `all` gets every rule.
std::vector<Row> compare(const json& card, const json& expect, int exit_status, bool core_planted,
                         std::vector<Row>& all) {
  std::vector<Row> diffs;
  std::set<std::string> seen;
  for (const auto& rule : card.value("rules", json::array())) {
    Row row{rule.value("id", "?"), "pass|skip", rule.value("status", "?"),
            rule.value("message", "")};
    seen.insert(row.rule);
    if (expect.contains(row.rule)) row.expected = expect[row.rule].get<std::string>();
    auto accepted = alternatives(row.expected);
    if (row.rule == "core-dumps-disabled" && !core_planted) accepted.insert("skip");
    all.push_back(row);
    if (!accepted.count(row.got)) diffs.push_back(row);
  }
  for (const auto& [id, status] : expect.items()) {
    if (!seen.count(id)) {
      diffs.push_back(
          {id, status.get<std::string>(), "(absent)", "the scorecard has no such rule"});
    }
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

int check_case(const std::string& daemoncheck, const std::string& case_dir, const Paths& paths,
               const std::string& save_path, const std::string& report_dir, bool verbose) {
  const json manifest = load_manifest(case_dir);
  const std::string name = manifest.value("name", case_dir);
  const json expect = manifest.value("expect", json::object());

  std::vector<std::string> cmd = {daemoncheck, "--quiet", "--json", "-"};
  if (!report_dir.empty()) cmd.insert(cmd.end(), {"--report-dir", report_dir});
  for (auto& o : expand_all(manifest.value("options", json::array()), paths, "options")) {
    cmd.push_back(o);
  }
  cmd.emplace_back("--");
  auto target = expand_all(manifest.value("command", json::array()), paths, "command");
  if (target.empty()) die(2, name + ": \"command\" is empty");
  cmd.insert(cmd.end(), target.begin(), target.end());

  const bool core_planted = core_limit_can_be_raised();
  std::string shown;
  for (const auto& a : cmd) shown.append(shown.empty() ? "" : " ").append(a);
  std::cout << "case " << name << ": " << shown << "\n";

  Outcome o = run(cmd);
  if (o.exit_status != 0 && o.exit_status != 1) {
    std::cout << "FAIL " << name << ": daemoncheck exited "
              << (o.exit_status < 0 ? std::string("on a signal") : std::to_string(o.exit_status))
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
  const std::vector<Row> diffs = compare(card, expect, o.exit_status, core_planted, all);
  if (verbose) {
    std::cout << "scorecard of " << name << " (daemoncheck exit " << o.exit_status << "):\n";
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
            << o.exit_status << ")\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Runs daemoncheck on one case of cases/ and compares the scorecard with its case.json"};
  std::string daemoncheck, case_dir, save_path;
  Paths paths;
  std::vector<std::string> bin_args;
  bool verbose = false;
  app.add_option("--daemoncheck", daemoncheck, "The daemoncheck binary")->required();
  app.add_option("--build", paths.build, "The build folder ({BUILD})")->required();
  app.add_option("--case", case_dir, "The case's folder (holds case.json; {SOURCE})")->required();
  app.add_option("--bin", bin_args, "NAME=PATH for the token {BIN:NAME}");
  app.add_option("--save", save_path, "Also write the scorecard here");
  std::string report_dir;
  app.add_option("--report-dir", report_dir, "daemoncheck's --report-dir (default: its own)");
  app.add_flag("-v,--verbose", verbose, "Print every rule, not only the differences");
  CLI11_PARSE(app, argc, argv);

  paths.source = case_dir;
  for (const auto& b : bin_args) {
    auto eq = b.find('=');
    if (eq == std::string::npos) die(2, "--bin wants NAME=PATH, got " + b);
    paths.bins[b.substr(0, eq)] = b.substr(eq + 1);
  }
  try {
    return check_case(daemoncheck, case_dir, paths, save_path, report_dir, verbose);
  } catch (const std::exception& e) {
    die(3, e.what());
  }
}

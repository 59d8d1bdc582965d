// See suite.h.
#include "cli/suite.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string_view>

#include "cli/manifest.h"
#include "cli/output.h"
#include "launch/cleanup.h"
#include "sys/fileio.h"
#include "sys/path.h"

namespace dc {
namespace {

using nlohmann::json;

// json's moves are noexcept; the check reads through the invariant assertions
// of its destructor.
// NOLINTNEXTLINE(bugprone-exception-escape)
struct Target {
  std::string name, file;
  std::vector<std::string> argv;  // daemoncheck's own arguments
  json expect;                    // null when the manifest sets none
  pid_t pid = 0;
  int exit_status = -1;
  std::string scorecard_path, err_path;
  std::vector<std::string> mismatches;
  std::string verdict;
};

// Reads the targets of one manifest file; an error names the file.
bool load(const std::string& file, const SuiteOptions& opt, std::vector<Target>& out,
          std::string* err) {
  std::vector<manifest::Target> read;
  if (!manifest::read(file, {.tokens = opt.vars}, read, *err)) return false;
  for (auto& m : read) {
    Target x;
    x.file = file;
    x.name = std::move(m.name);
    x.argv = std::move(m.options);
    if (!m.command.empty()) {  // empty with --unit: the unit gives the command
      x.argv.push_back("--");
      x.argv.insert(x.argv.end(), m.command.begin(), m.command.end());
    }
    x.expect = std::move(m.expect);
    out.push_back(std::move(x));
  }
  return true;
}

pid_t start(Target& t, const SuiteOptions& opt, const std::string& dir, size_t index) {
  t.scorecard_path = dir + "/" + std::to_string(index) + ".json";
  t.err_path = dir + "/" + std::to_string(index) + ".err";
  // A manifest whose options begin with a subcommand ("control") runs it.
  auto own = t.argv.begin();
  std::vector<std::string> args{"/proc/self/exe"};
  if (own != t.argv.end() && *own == "control") args.push_back(*own++);
  args.insert(args.end(), {"--quiet", "--json", t.scorecard_path, "--report-dir", opt.report_dir});
  args.insert(args.end(), own, t.argv.end());
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  // A suite that dies takes its checks down; each cleans up after itself.
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  int null = ::open("/dev/null", O_RDWR);
  int err = ::open(t.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ::dup2(null, 0);
  ::dup2(null, 1);
  if (err >= 0) ::dup2(err, 2);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(argv[0], argv.data());
  ::_exit(3);
}

void judge_target(Target& t) {
  // A scorecard can be large (a daemon with tens of thousands of descriptors).
  const auto text = sys::read_file(t.scorecard_path, size_t{1} << 30);
  json sc = text ? json::parse(*text, nullptr, false) : json();
  if (!sc.is_object()) {
    const auto err = sys::read_file(t.err_path, 4096);
    const std::string line = err ? err->substr(0, err->find('\n')) : "";
    t.mismatches.push_back(line.empty() ? "no scorecard" : line);
    return;
  }
  t.verdict = sc["summary"].value("verdict", "");
  if (t.expect.is_null()) return;
  // The listed rules first, in the manifest's (sorted) order, then the others.
  const auto checks = manifest::check_rules(sc["rules"], t.expect);
  for (const auto& [id, want] : t.expect.items()) {
    for (const auto& c : checks) {
      if (c.rule != id || c.ok) continue;
      std::string mismatch = id;
      mismatch.append(": expected ").append(c.expected).append(", got ").append(c.got);
      t.mismatches.push_back(std::move(mismatch));
    }
  }
  for (const auto& c : checks) {
    if (c.listed || c.ok) continue;
    std::string mismatch = c.rule;
    mismatch.append(": expected pass or skip, got ").append(c.got);
    mismatch.append(" (").append(c.message).append(")");
    t.mismatches.push_back(std::move(mismatch));
  }
}

int target_status(const Target& t) {
  if (t.exit_status == 2 || t.exit_status == 3) return t.exit_status;
  if (t.exit_status < 0 || t.exit_status > 3) return 3;
  if (!t.expect.is_null()) return t.mismatches.empty() ? 0 : 1;
  return t.mismatches.empty() ? t.exit_status : 1;
}

}  // namespace

int run_suite(const SuiteOptions& opt) {
  std::vector<Target> targets;
  for (const auto& f : opt.files) {
    std::string err;
    if (!load(f, opt, targets, &err)) {
      std::fprintf(stderr, "daemoncheck suite: %s\n", err.c_str());
      return 2;
    }
  }
  if (targets.empty()) {
    std::fprintf(stderr, "daemoncheck suite: no targets\n");
    return 2;
  }
  // Every check writes into the report folder; made here, once, so that
  // parallel checks never race to create it (the loser's mkdir would fail).
  if (::mkdir(opt.report_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    std::fprintf(stderr, "daemoncheck suite: cannot use report folder %s: %s\n",
                 opt.report_dir.c_str(), std::strerror(errno));
    return 3;
  }
  auto work = TempDir::make("daemoncheck-suite");
  if (!work) {
    std::fprintf(stderr, "daemoncheck suite: cannot create a temporary directory\n");
    return 3;
  }
  // SIGINT/SIGTERM reach the checks through the process group (a terminal's
  // ^C) or through PDEATHSIG when the suite dies; the suite just waits.
  size_t next = 0, running = 0;
  const size_t jobs = static_cast<size_t>(std::max(1, opt.jobs));
  while (next < targets.size() || running > 0) {
    while (running < jobs && next < targets.size()) {
      targets[next].pid = start(targets[next], opt, work->path(), next);
      if (targets[next].pid > 0) ++running;
      ++next;
    }
    int st = 0;
    pid_t done = ::waitpid(-1, &st, 0);
    if (done < 0) break;
    for (auto& t : targets) {
      if (t.pid == done) {
        t.exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        judge_target(t);
        --running;
      }
    }
  }
  int worst = 0;
  json results = json::array();
  for (const auto& t : targets) {
    int s = target_status(t);
    worst = std::max(worst, s);
    if (!opt.quiet) {
      std::printf("%s %-40s exit %d%s\n", s == 0 ? "✓" : "✗", t.name.c_str(), t.exit_status,
                  t.expect.is_null() ? (" verdict " + t.verdict).c_str()
                                     : (t.mismatches.empty() ? " as expected" : ""));
      for (const auto& m : t.mismatches) std::printf("    %s\n", m.c_str());
    }
    results.push_back({{"name", t.name},
                       {"file", t.file},
                       {"exit_status", t.exit_status},
                       {"verdict", t.verdict},
                       {"mismatches", t.mismatches},
                       {"status", s}});
  }
  size_t ok = std::count_if(targets.begin(), targets.end(),
                            [](const Target& t) { return target_status(t) == 0; });
  if (!opt.quiet) std::printf("suite: %zu of %zu targets as expected\n", ok, targets.size());
  if (opt.json_path) {
    json doc{
        {"schema", "daemoncheck.suite/1"},
        {"targets", results},
        {"summary", {{"targets", targets.size()}, {"as_expected", ok}, {"exit_status", worst}}}};
    std::string text = doc.dump(2) + "\n";
    if (*opt.json_path == "-") {
      std::fputs(text.c_str(), stdout);
    } else if (auto w = write_atomically(*opt.json_path, text); !w) {
      std::fprintf(stderr, "daemoncheck suite: %s\n", w.error().message().c_str());
      return 3;
    }
  }
  return worst;
}

}  // namespace dc

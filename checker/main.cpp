// daemoncheck: parse the command line, run one check, judge it, write the
// scorecard, print the summary, exit with the verdict's status (rules.md).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <iostream>

#include "check/check.h"
#include "cli/options.h"
#include "cli/output.h"
#include "launch/reaper.h"
#include "observe/proc_parse.h"
#include "report/scorecard.h"
#include "report/text.h"
#include "rules/judge.h"

namespace {

constexpr int kExitCannotRun = 3;

int fail_to_run(const std::string& what) {
  std::fprintf(stderr, "daemoncheck: %s\n", what.c_str());
  return kExitCannotRun;
}

// A closed 0, 1 or 2 would let the next open() land there (the lesson of
// stdio-open); the checker makes sure its own are open first.
void ensure_stdio_open() {
  for (int fd = 0; fd <= 2; ++fd)
    if (::fcntl(fd, F_GETFD) < 0) ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
}

std::string report_name(const std::vector<std::string>& command) {
  std::string base = command.front();
  if (auto slash = base.rfind('/'); slash != std::string::npos) base = base.substr(slash + 1);
  for (char& ch : base)
    if (!isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_' && ch != '.') ch = '_';
  char stamp[32];
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  return base + "-" + stamp + "-" + std::to_string(::getpid()) + ".json";
}

}  // namespace

int main(int argc, char** argv) {
  ensure_stdio_open();
  dc::ParsedCli cli = dc::parse_cli(argc, argv);
  if (cli.outcome == dc::ParsedCli::kExit) {
    std::fputs(cli.out.c_str(), stdout);
    if (!cli.error.empty()) std::fprintf(stderr, "daemoncheck: %s (see --help)\n", cli.error.c_str());
    return cli.exit_status;
  }
  const dc::CliOptions& o = cli.options;
  if (::access("/proc/self/stat", R_OK) != 0) return fail_to_run("/proc is not mounted");
  auto dir = dc::check_writable_dir(o.report_dir);
  if (!dir) return fail_to_run(dir.error().message);
  auto reaper = dc::Reaper::install();
  if (!reaper) return fail_to_run(reaper.error().message);

  dc::Result<dc::CheckRun> run = dc::Error{""};
  try {
    run = dc::run_check(o.check);
  } catch (const dc::Interrupted& i) {
    // run_check's teardown has already stopped and reaped everything.
    std::fprintf(stderr, "daemoncheck: interrupted by %s; every process the check started was stopped\n",
                 dc::observe::signal_name(i.signo).c_str());
    return 128 + i.signo;
  }
  if (!run) return fail_to_run(run.error().message);

  dc::Judgement j = dc::judge(run->obs, o.waivers, o.strict);
  dc::RunMeta meta;
  meta.command = o.check.command;
  meta.started_at = run->started_at;
  meta.duration_ms = run->duration_ms;
  meta.strict = o.strict;
  meta.pidfile_option = o.check.pidfile.value_or("");
  meta.cleanup_terminated = run->cleanup.terminated;
  meta.cleanup_killed = run->cleanup.killed;
  meta.cleanup_comms = run->cleanup.comms;
  meta.cleanup_ms = run->cleanup.ms;
  nlohmann::json sc = dc::scorecard_json(run->obs, j, meta);
  const std::string text = sc.dump(2) + "\n";

  const std::string report_path = o.report_dir + "/" + report_name(o.check.command);
  auto written = dc::write_atomically(report_path, text);
  if (!written) return fail_to_run(written.error().message);
  bool json_on_stdout = o.json_path && *o.json_path == "-";
  if (o.json_path && !json_on_stdout) {
    auto w = dc::write_atomically(*o.json_path, text);
    if (!w) return fail_to_run(w.error().message);
  }
  if (json_on_stdout) std::fputs(text.c_str(), stdout);
  if (!o.quiet) {
    FILE* out = json_on_stdout ? stderr : stdout;
    dc::TextStyle style;
    style.color = ::isatty(::fileno(out)) && !std::getenv("NO_COLOR");
    std::fputs(dc::render_text(sc, style).c_str(), out);
    std::fprintf(out, "report: %s\n", report_path.c_str());
  }
  return j.exit_status;
}

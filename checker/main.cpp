// daemoncheck: parse the command line, run one check, judge it, write the
// scorecard and every report rendered from it, print the summary, exit with
// the verdict's status (rules.md). `daemoncheck render` re-renders a saved
// scorecard; --list-rules and --explain print the catalogue.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>

#include "check/check.h"
#include "cli/options.h"
#include "cli/output.h"
#include "common/signals.h"
#include "launch/cleanup.h"
#include "launch/isolation.h"
#include "observe/reaper.h"
#include "parse/proc_parse.h"
#include "probe/decoy.h"
#include "report/markdown.h"
#include "report/render.h"
#include "report/scorecard.h"
#include "rules/judge.h"
#include "sys/fd.h"
#include "sys/fileio.h"
#include "sys/path.h"

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitCannotRun = 3;
// The cap on the target's processes (pids cgroup): a fork bomb stops there.
constexpr long kMaxProcesses = 1024;

int fail_to_run(const std::string& what) {
  std::fprintf(stderr, "daemoncheck: %s\n", what.c_str());
  return kExitCannotRun;
}

int usage(const std::string& what) {
  std::fprintf(stderr, "daemoncheck: %s\n", what.c_str());
  return kExitUsage;
}

// A closed 0, 1 or 2 would let the next open() land there (the lesson of
// stdio-open); the checker makes sure its own are open first.
void ensure_stdio_open() {
  for (int fd = 0; fd <= 2; ++fd)
    if (::fcntl(fd, F_GETFD) < 0) ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
}

// The name carries the pid daemoncheck was started with (inside its PID
// namespace every checker is pid 1), so concurrent runs never share a name.
std::string report_name(const dc::CheckOptions& check, pid_t started_as) {
  std::string base = check.unit              ? *check.unit
                     : check.command.empty() ? "attach-" + std::to_string(check.attach.value_or(0))
                                             : check.command.front();
  base = dc::sys::base_of(base);
  for (char& ch : base)
    if (!isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_' && ch != '.') ch = '_';
  if (base.empty() || base[0] == '.') base = "_" + base;
  char stamp[32];
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  return base + "-" + stamp + "-" + std::to_string(started_as) + ".json";
}

// GitHub's job summary is one file that every step appends to, so this is
// the one report that is appended, not replaced; still never through a
// symbolic link. It is opened before the check's namespace is entered: there
// /tmp is private, and a file opened inside it would not be the host's.
dc::Result<dc::UniqueFd> open_step_summary(const std::string& path) {
  dc::UniqueFd fd(
      ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd.valid()) return dc::os_error("cannot append to GITHUB_STEP_SUMMARY", path);
  return fd;
}

int render_saved(const dc::RenderRequest& req) {
  constexpr size_t kLimit = size_t{1} << 30;  // far above any scorecard
  auto read = dc::sys::read_file(req.input, kLimit + 1);
  if (!read) return usage("render: " + req.input + ": " + std::strerror(read.error().err));
  if (read->size() > kLimit) return usage("render: " + req.input + ": larger than 1 GiB");
  const std::string& text = *read;
  nlohmann::json sc = nlohmann::json::parse(text, nullptr, false);
  if (sc.is_discarded() || !sc.is_object())
    return usage("render: " + req.input + ": not JSON (a scorecard is one JSON object)");
  auto schema = sc.find("schema");
  if (schema == sc.end() || !schema->is_string() ||
      !schema->get<std::string>().starts_with("daemoncheck.scorecard/")) {
    return usage("render: " + req.input +
                 ": not a daemoncheck scorecard (no \"schema\": "
                 "\"daemoncheck.scorecard/N\")");
  }
  dc::TextStyle style;
  style.color = req.output == "-" && dc::use_color(req.color, STDOUT_FILENO);
  style.report_path = req.input;
  std::string out;
  try {
    out = dc::render(req.format, sc, style);
  } catch (const nlohmann::json::exception& e) {
    return usage("render: " + req.input + ": malformed scorecard: " + e.what());
  }
  if (req.output == "-") {
    if (!dc::sys::write_all(STDOUT_FILENO, out))
      return fail_to_run("render: cannot write to stdout");
    return 0;
  }
  auto written = dc::write_atomically(req.output, out);
  if (!written) return fail_to_run("render: " + written.error().message());
  return 0;
}

// Where a check's reports go, opened before it runs.
struct Outputs {
  dc::ReportFolder report_folder;
  std::vector<dc::ReportFolder> extra_folders;  // one per --FORMAT, empty for "-"
  dc::UniqueFd step_summary;
  const char* summary_path = nullptr;
};

// Writes the scorecard (synced) and every report rendered from it, and
// prints the summary. Returns `status`, or 3 when a report could not be
// written.
int publish(const dc::CliOptions& o, const Outputs& out, pid_t started_as, const std::string& text,
            int status) {
  // The scorecard as written is the source of every other report: render
  // from what a later `daemoncheck render` would read back. It is read back
  // only when a report or the summary needs it: the JSON report is the
  // scorecard's own text, the bytes its rendering would give (the renderer
  // tests hold that), so `--quiet --json` costs no second parse and dump.
  std::optional<nlohmann::json> read_back;
  auto sc = [&]() -> const nlohmann::json& {
    if (!read_back) read_back = nlohmann::json::parse(text);
    return *read_back;
  };

  auto written = dc::write_atomically_at(out.report_folder, report_name(o.check, started_as), text);
  if (!written) return fail_to_run(written.error().message());
  const std::string& report_path = *written;

  std::string to_stdout;
  std::vector<std::pair<std::string, std::string>> also_written;
  for (size_t i = 0; i < o.reports.size(); ++i) {
    const auto& [format, path] = o.reports[i];
    std::string doc = format == dc::Format::Json ? text : dc::render(format, sc());
    if (path == "-") {
      to_stdout = std::move(doc);
      continue;
    }
    auto w = dc::write_atomically_at(out.extra_folders[i], dc::sys::base_of(path), doc,
                                     dc::Durability::kRenderOf);
    if (!w) return fail_to_run(w.error().message());
    also_written.push_back({dc::format_name(format), path});
  }
  if (out.step_summary.valid() &&
      !dc::sys::write_all(out.step_summary.get(), dc::render_markdown(sc()) + "\n"))
    return fail_to_run(
        dc::os_error("cannot append to GITHUB_STEP_SUMMARY", out.summary_path).message());

  if (!to_stdout.empty() && !dc::sys::write_all(STDOUT_FILENO, to_stdout))
    return fail_to_run("cannot write the report to stdout");
  if (!o.quiet) {
    // With a report on stdout the summary moves to stderr, out of its way.
    const int fd = to_stdout.empty() ? STDOUT_FILENO : STDERR_FILENO;
    dc::TextStyle style;
    style.color = dc::use_color(o.color, fd);
    style.report_path = report_path;
    style.also_written = also_written;
    dc::sys::write_all(fd, dc::render_text(sc(), style));
  }
  return status;
}

int run_main(int argc, char** argv) {
  ensure_stdio_open();
  dc::ParsedCli cli = dc::parse_cli(argc, argv);
  if (cli.outcome == dc::ParsedCli::kExit) {
    std::fputs(cli.out.c_str(), stdout);
    if (!cli.error.empty())
      std::fprintf(stderr, "daemoncheck: %s%s\n", cli.error.c_str(),
                   cli.error.find("see --") == std::string::npos ? " (see --help)" : "");
    return cli.exit_status;
  }
  if (cli.outcome == dc::ParsedCli::kRender) return render_saved(cli.render);
  if (cli.outcome == dc::ParsedCli::kSuite) return dc::run_suite(cli.suite);

  const dc::CliOptions& o = cli.options;
  if (::access("/proc/self/stat", R_OK) != 0) return fail_to_run("/proc is not mounted");
  // Every folder a report goes to is opened now and written relative to that
  // descriptor: a target that swaps one for a symbolic link mid-run cannot
  // redirect a report, and one that cannot be written fails the run before
  // it starts, not after.
  Outputs out;
  auto report_folder = dc::open_report_folder(o.report_dir, true, true);
  if (!report_folder) return fail_to_run(report_folder.error().message());
  out.report_folder = std::move(*report_folder);
  for (const auto& [format, path] : o.reports) {
    if (path == "-") {
      out.extra_folders.emplace_back();
      continue;
    }
    auto folder = dc::open_report_folder(dc::sys::folder_of(path), false, false);
    if (!folder) {
      std::string why = "cannot write --";
      why.append(dc::format_name(format)).append(" ").append(path).append(": ");
      return fail_to_run(why.append(folder.error().message()));
    }
    out.extra_folders.push_back(std::move(*folder));
  }
  out.summary_path = std::getenv("GITHUB_STEP_SUMMARY");
  if (out.summary_path && *out.summary_path) {
    auto fd = open_step_summary(out.summary_path);
    if (!fd) return fail_to_run(fd.error().message());
    out.step_summary = std::move(*fd);
  }
  // From here on the check runs in its own PID namespace (an attached daemon
  // lives outside it, so --attach stays out).
  const pid_t started_as = ::getpid();
  // The unit is read while the host's /tmp is in view; the service then gets
  // a fresh /run, /tmp and /var/tmp, as systemd gives a unit.
  const bool service = o.check.profile == dc::ProfileId::Service;
  if (service)
    if (auto failed = dc::load_service_unit(cli.options.check))
      return fail_to_run(failed->message());
  dc::sweep_stale_temp_dirs();
  // A service or control check starts from empty /run, /tmp and /var/tmp
  // (service.md, control.md).
  const auto style = service || o.check.profile == dc::ProfileId::Control
                         ? dc::PrivateStyle::kFresh
                         : dc::PrivateStyle::kOverlay;
  // With a PID namespace the outer process writes the reports while the
  // checker's exit takes the namespaces down.
  auto publish_outside = [&](int status, const std::string& text) {
    return publish(o, out, started_as, text, status);
  };
  if (o.isolate && !o.check.attach)
    cli.options.check.isolation = dc::enter_isolation(kMaxProcesses, style, publish_outside,
                                                      dc::paths_named(cli.options.check));
  // Without a PID namespace (--no-isolation, or the kernel refused one), a
  // keeper ends what the target left should the checker be killed.
  if (!o.check.attach && !cli.options.check.isolation.pid_namespace) dc::enter_keeper();
  dc::ignore_unused_signals();
  auto reaper = dc::Reaper::install();
  if (!reaper) return fail_to_run(reaper.error().message());

  dc::Result<dc::CheckRun> run = dc::Error{};
  try {
    run = dc::run_check(o.check);
  } catch (const dc::Interrupted& i) {
    // run_check's teardown has already stopped and reaped everything.
    std::fprintf(stderr,
                 "daemoncheck: interrupted by %s; every process the check started was stopped\n",
                 dc::signal_name(i.signo).c_str());
    return 128 + i.signo;
  }
  if (!run) return fail_to_run(run.error().message());

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

  const std::string text = dc::scorecard_text(dc::scorecard_json(run->obs, j, meta));
  if (dc::hand_over_result(j.exit_status, text)) return j.exit_status;
  return publish(o, out, started_as, text, j.exit_status);
}

}  // namespace

// An exception that reaches here (out of memory, say) still unwinds the check,
// so every process it started is stopped; the run could not be completed.
int main(int argc, char** argv) {
  // The hidden decoy mode of a control check (probe/decoy.h), before anything else.
  if (const char* decoy_fd = std::getenv(dc::kDecoyFdEnv)) return dc::decoy_main(decoy_fd);
  try {
    return run_main(argc, argv);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "daemoncheck: internal error: %s\n", error.what());
  } catch (...) {
    std::fprintf(stderr, "daemoncheck: internal error\n");
  }
  return 3;
}

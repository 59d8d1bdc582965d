// Parsers of the /proc text declared in proc_parse.h. Every number goes through
// std::from_chars: no exceptions, no locale, and overflow is an error instead
// of a silent wrap. Errors quote the offending input, escaped and truncated.
#include "parse/proc_parse.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <csignal>

#include "common/text.h"

namespace dc::observe {
namespace {

// The kernel's PID_MAX_LIMIT on 64-bit: no pid_max setting goes above it.
constexpr long kPidMaxLimit = 4194304;
// Enough to recognise the input, short enough that a hostile pidfile or a
// corrupt /proc line cannot flood a one-line message.
constexpr size_t kQuoteLimit = 40;

std::string quote(std::string_view text) {
  // Appended piece by piece: GCC 12 at -O3 sees a false overlap (-Wrestrict)
  // in `"\"" + std::string&&`.
  std::string out(1, '"');
  out += escape_bytes(text.substr(0, kQuoteLimit), '"');
  out += '"';
  if (text.size() > kQuoteLimit) out += "...";
  return out;
}

Error fail(std::string_view file, const std::string& what) {
  return Error{.subject = std::string(file), .detail = what};
}

// The whole of `text` as a number, or nullopt: empty, a sign the type cannot
// hold, trailing bytes and overflow all count as malformed.
template <class T>
std::optional<T> to_number(std::string_view text, int base = 10) {
  T value{};
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
  if (ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

// Takes the next blank-separated word off the front of `rest`; empty at the end.
std::string_view next_word(std::string_view& rest) {
  size_t start = 0;
  while (start < rest.size() && is_blank(rest[start])) ++start;
  size_t stop = start;
  while (stop < rest.size() && !is_blank(rest[stop])) ++stop;
  std::string_view word = rest.substr(start, stop - start);
  rest.remove_prefix(stop);
  return word;
}

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  for (std::string_view word = next_word(text); !word.empty(); word = next_word(text)) {
    words.push_back(word);
  }
  return words;
}

// The final newline ends the last line; it does not start an empty one.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t newline = text.find('\n');
    lines.push_back(text.substr(0, newline));
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
  return lines;
}

// ---- /proc/PID/stat --------------------------------------------------------

constexpr std::string_view kStatFile = "/proc/PID/stat";

// Every field after the state is a decimal integer, some of them negative.
bool is_integer(std::string_view text) {
  if (text.starts_with('-')) text.remove_prefix(1);
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// `fields` starts at field 3, the state; `number` counts as proc(5) does.
template <class T>
std::optional<Error> read_stat_field(const std::vector<std::string_view>& fields, size_t number,
                                     const char* name, T& out) {
  if (number - 3 >= fields.size()) return std::nullopt;  // a short line keeps the 0
  std::optional<T> value = to_number<T>(fields[number - 3]);
  if (!value) {
    return fail(kStatFile, "field " + std::to_string(number) + " (" + name +
                               ") out of range: " + quote(fields[number - 3]));
  }
  out = *value;
  return std::nullopt;
}

// ---- /proc/PID/status ------------------------------------------------------

constexpr std::string_view kStatusFile = "/proc/PID/status";

std::optional<IdQuad> read_id_quad(const std::vector<std::string_view>& words) {
  if (words.size() != 4) return std::nullopt;
  std::array<unsigned, 4> ids{};
  for (size_t i = 0; i < ids.size(); ++i) {
    std::optional<unsigned> id = to_number<unsigned>(words[i]);
    if (!id) return std::nullopt;
    ids[i] = *id;
  }
  return IdQuad{ids[0], ids[1], ids[2], ids[3]};
}

// The lines every kernel since 2.6 prints and the rules cannot do without.
constexpr std::array<std::string_view, 5> kRequiredStatusKeys = {"Uid", "Gid", "SigBlk", "SigIgn",
                                                                 "SigCgt"};

uint64_t* signal_mask_of(ProcStatus& status, std::string_view key) {
  if (key == "SigBlk") return &status.sig_blk;
  if (key == "SigIgn") return &status.sig_ign;
  if (key == "SigCgt") return &status.sig_cgt;
  if (key == "SigPnd") return &status.sig_pnd;
  if (key == "ShdPnd") return &status.shd_pnd;
  return nullptr;
}

// The kernel prints signal sets as exactly 16 hex digits; anything else means
// the line is not what we think it is.
std::optional<uint64_t> read_signal_mask(const std::vector<std::string_view>& words) {
  if (words.size() != 1 || words[0].size() != 16) return std::nullopt;
  return to_number<uint64_t>(words[0], 16);
}

template <class T>
std::optional<std::vector<T>> read_number_list(const std::vector<std::string_view>& words) {
  std::vector<T> numbers;
  for (std::string_view word : words) {
    std::optional<T> number = to_number<T>(word);
    if (!number) return std::nullopt;
    numbers.push_back(*number);
  }
  return numbers;
}

// ---- /proc/locks -----------------------------------------------------------

bool is_upper_word(std::string_view word) {
  return !word.empty() &&
         std::all_of(word.begin(), word.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// "1: POSIX  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; waiters carry "->"
// after the id, indented one more space per level of the blocking tree.
std::optional<LockLine> parse_lock_line(std::string_view line) {
  std::vector<std::string_view> words = split_words(line);
  LockLine lock;
  size_t next = 1;
  if (words.size() > 1 && words[1] == "->") {
    lock.blocked = true;
    next = 2;
  }
  if (words.size() != next + 7) return std::nullopt;

  std::string_view id = words[0];
  if (!id.ends_with(':')) return std::nullopt;
  std::optional<long> id_value = to_number<long>(id.substr(0, id.size() - 1));
  if (!id_value || *id_value < 0) return std::nullopt;
  lock.id = *id_value;

  std::string_view kind = words[next], mode = words[next + 1], access = words[next + 2];
  if (!is_upper_word(kind) || !is_upper_word(mode) || !is_upper_word(access)) return std::nullopt;
  lock.kind = kind;
  lock.mode = mode;
  lock.access = access;

  std::optional<long> pid = to_number<long>(words[next + 3]);
  if (!pid) return std::nullopt;
  lock.pid = *pid;

  // MAJOR:MINOR:INODE, the device in hex as in /proc/PID/maps, the inode decimal.
  std::string_view file = words[next + 4];
  size_t first = file.find(':');
  size_t second = first == std::string_view::npos ? first : file.find(':', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  std::optional<unsigned> major = to_number<unsigned>(file.substr(0, first), 16);
  std::optional<unsigned> minor =
      to_number<unsigned>(file.substr(first + 1, second - first - 1), 16);
  std::optional<unsigned long long> inode = to_number<unsigned long long>(file.substr(second + 1));
  if (!major || !minor || !inode) return std::nullopt;
  lock.major = *major;
  lock.minor = *minor;
  lock.inode = *inode;

  std::string_view start = words[next + 5], end = words[next + 6];
  if (!to_number<unsigned long long>(start)) return std::nullopt;
  if (end != "EOF" && !to_number<unsigned long long>(end)) return std::nullopt;
  lock.start = start;
  lock.end = end;
  lock.raw = line;
  return lock;
}

// ---- /proc/PID/limits ------------------------------------------------------

constexpr std::string_view kLimitsFile = "/proc/PID/limits";

// "unlimited" becomes nullopt; false when the word is neither that nor a number.
bool read_limit(std::string_view word, std::optional<unsigned long long>& out) {
  if (word == "unlimited") {
    out = std::nullopt;
    return true;
  }
  out = to_number<unsigned long long>(word);
  return out.has_value();
}

// ---- /proc/PID/maps --------------------------------------------------------

constexpr std::string_view kMapsFile = "/proc/PID/maps";

bool is_perms(std::string_view perms) {
  return perms.size() == 4 && (perms[0] == 'r' || perms[0] == '-') &&
         (perms[1] == 'w' || perms[1] == '-') && (perms[2] == 'x' || perms[2] == '-') &&
         (perms[3] == 'p' || perms[3] == 's');
}

std::optional<MapRegion> parse_map_line(std::string_view line) {
  std::string_view rest = line;
  std::string_view range = next_word(rest);
  std::string_view perms = next_word(rest);
  std::string_view offset = next_word(rest);
  std::string_view device = next_word(rest);
  std::string_view inode = next_word(rest);

  size_t dash = range.find('-');
  size_t colon = device.find(':');
  if (dash == std::string_view::npos || colon == std::string_view::npos) return std::nullopt;
  auto start = to_number<unsigned long long>(range.substr(0, dash), 16);
  auto end = to_number<unsigned long long>(range.substr(dash + 1), 16);
  auto offset_value = to_number<unsigned long long>(offset, 16);
  if (!start || !end || *start >= *end || !offset_value || !is_perms(perms)) return std::nullopt;
  if (!to_number<unsigned>(device.substr(0, colon), 16) ||
      !to_number<unsigned>(device.substr(colon + 1), 16) || !to_number<unsigned long long>(inode)) {
    return std::nullopt;
  }

  // The kernel pads to a column before the path, and the path itself may hold
  // spaces: it is everything after the padding.
  while (!rest.empty() && is_blank(rest.front())) rest.remove_prefix(1);
  return MapRegion{.start = *start,
                   .end = *end,
                   .perms = std::string(perms),
                   .offset = *offset_value,
                   .path = std::string(rest)};
}

}  // namespace

Result<ProcStat> parse_stat(std::string_view text) {
  if (text.ends_with('\n')) text.remove_suffix(1);
  // comm is printed raw: it may hold spaces, parentheses and even newlines.
  size_t open = text.find('(');
  if (open == std::string_view::npos) {
    return fail(kStatFile, "no '(' before comm in " + quote(text));
  }
  size_t close = text.rfind(')');
  if (close == std::string_view::npos || close < open) {
    return fail(kStatFile, "no ')' after comm in " + quote(text));
  }

  ProcStat stat;
  std::string_view pid = text.substr(0, open);
  std::optional<pid_t> pid_value;
  if (pid.ends_with(' ')) pid_value = to_number<pid_t>(pid.substr(0, pid.size() - 1));
  if (!pid_value || *pid_value <= 0) {
    return fail(kStatFile, "expected \"PID (comm)\" at the start, got " + quote(text));
  }
  stat.pid = *pid_value;
  stat.comm = text.substr(open + 1, close - open - 1);

  // After comm the kernel writes one space before each field.
  std::vector<std::string_view> fields;
  for (std::string_view rest = text.substr(close + 1); !rest.empty();) {
    if (rest.front() != ' ') return fail(kStatFile, "no space after comm: " + quote(rest));
    rest.remove_prefix(1);
    size_t space = rest.find(' ');
    fields.push_back(rest.substr(0, space));
    rest.remove_prefix(space == std::string_view::npos ? rest.size() : space);
  }
  if (fields.size() < 6) {
    return fail(kStatFile, "the line ends at field " + std::to_string(fields.size() + 2) +
                               ", before field 8 (tpgid)");
  }
  if (fields[0].size() != 1) {
    return fail(kStatFile, "field 3 (state) is not one letter: " + quote(fields[0]));
  }
  stat.state = fields[0][0];
  for (size_t i = 1; i < fields.size(); ++i) {
    if (!is_integer(fields[i])) {
      return fail(kStatFile,
                  "field " + std::to_string(i + 3) + " is not a number: " + quote(fields[i]));
    }
  }

  for (auto error : {read_stat_field(fields, 4, "ppid", stat.ppid),
                     read_stat_field(fields, 5, "pgrp", stat.pgrp),
                     read_stat_field(fields, 6, "session", stat.session),
                     read_stat_field(fields, 7, "tty_nr", stat.tty_nr),
                     read_stat_field(fields, 8, "tpgid", stat.tpgid),
                     read_stat_field(fields, 22, "starttime", stat.starttime),
                     read_stat_field(fields, 50, "env_start", stat.env_start),
                     read_stat_field(fields, 51, "env_end", stat.env_end)}) {
    if (error) return *error;
  }
  return stat;
}

Result<ProcStatus> parse_status(std::string_view text) {
  ProcStatus status;
  std::array<bool, kRequiredStatusKeys.size()> seen{};
  for (std::string_view line : split_lines(text)) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    std::vector<std::string_view> words = split_words(line.substr(colon + 1));
    bool well_formed = true;

    if (key == "Umask") {
      std::optional<unsigned> umask;
      if (words.size() == 1) umask = to_number<unsigned>(words[0], 8);
      well_formed = umask && *umask <= 0777;
      status.umask = umask;
    } else if (key == "Uid" || key == "Gid") {
      std::optional<IdQuad> ids = read_id_quad(words);
      well_formed = ids.has_value();
      if (ids) (key == "Uid" ? status.uid : status.gid) = *ids;
    } else if (key == "Groups") {
      auto groups = read_number_list<unsigned>(words);
      well_formed = groups.has_value();
      if (groups) status.groups = std::move(*groups);
    } else if (key == "NSpid") {
      auto pids = read_number_list<pid_t>(words);
      well_formed = pids && !pids->empty() &&
                    std::all_of(pids->begin(), pids->end(), [](pid_t pid) { return pid > 0; });
      if (well_formed) status.ns_pids = std::move(*pids);
    } else if (uint64_t* mask = signal_mask_of(status, key)) {
      std::optional<uint64_t> value = read_signal_mask(words);
      well_formed = value.has_value();
      if (value) *mask = *value;
    }
    if (!well_formed) return fail(kStatusFile, "malformed line " + quote(line));

    auto required = std::find(kRequiredStatusKeys.begin(), kRequiredStatusKeys.end(), key);
    if (required != kRequiredStatusKeys.end()) seen[required - kRequiredStatusKeys.begin()] = true;
  }

  for (size_t i = 0; i < seen.size(); ++i) {
    if (!seen[i]) {
      return fail(kStatusFile, "no \"" + std::string(kRequiredStatusKeys[i]) + ":\" line");
    }
  }
  return status;
}

LockTable parse_locks(std::string_view text) {
  LockTable table;
  for (std::string_view line : split_lines(text)) {
    if (std::optional<LockLine> lock = parse_lock_line(line)) {
      table.locks.push_back(std::move(*lock));
    } else {
      ++table.malformed;
    }
  }
  return table;
}

LockTable parse_fdinfo_locks(std::string_view text) {
  constexpr std::string_view kPrefix = "lock:\t";
  std::string lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (line.starts_with(kPrefix)) (lines += line.substr(kPrefix.size())) += '\n';
    pos = end + 1;
  }
  return parse_locks(lines);
}

EnvironBlock parse_environ(std::string_view text) {
  EnvironBlock block;
  for (std::string_view rest = text; !rest.empty();) {
    size_t nul = rest.find('\0');
    std::string_view entry = rest.substr(0, nul);
    if (!entry.empty()) {
      size_t equals = entry.find('=');
      if (equals == std::string_view::npos || equals == 0) block.key_value = false;
      block.entries.emplace_back(entry);
    }
    rest.remove_prefix(nul == std::string_view::npos ? rest.size() : nul + 1);
  }
  // A block of nothing but NULs was wiped in place by setproctitle: it once
  // held an environment and no longer shows it. A truly empty environment
  // has no bytes at all.
  if (block.entries.empty() && !text.empty()) block.key_value = false;
  return block;
}

Result<CoreLimit> parse_limits_core(std::string_view text) {
  constexpr std::string_view kName = "Max core file size";
  for (std::string_view line : split_lines(text)) {
    if (!line.starts_with(kName)) continue;
    std::vector<std::string_view> words = split_words(line.substr(kName.size()));
    CoreLimit limit;
    // Soft, hard, then the unit ("bytes").
    if (words.size() < 2 || words.size() > 3 || !read_limit(words[0], limit.soft) ||
        !read_limit(words[1], limit.hard)) {
      return fail(kLimitsFile, "malformed line " + quote(line));
    }
    return limit;
  }
  return fail(kLimitsFile, "no \"Max core file size\" line");
}

Result<std::vector<MapRegion>> parse_maps(std::string_view text) {
  std::vector<MapRegion> regions;
  std::vector<std::string_view> lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::optional<MapRegion> region = parse_map_line(lines[i]);
    if (!region) {
      return fail(kMapsFile,
                  "line " + std::to_string(i + 1) +
                      " is not \"start-end perms offset dev inode [path]\": " + quote(lines[i]));
    }
    regions.push_back(std::move(*region));
  }
  return regions;
}

Result<pid_t> parse_pidfile(std::string_view content) {
  constexpr std::string_view kFile = "pidfile";
  if (content.empty()) return fail(kFile, "empty");
  std::string_view digits = content;
  if (digits.ends_with('\n')) digits.remove_suffix(1);
  // Stops at the first stray byte, so a huge garbage file costs nothing.
  bool only_digits = !digits.empty() && std::all_of(digits.begin(), digits.end(),
                                                    [](char c) { return c >= '0' && c <= '9'; });
  if (!only_digits) {
    return fail(kFile, "expected decimal digits and at most one newline, got " + quote(content));
  }
  std::optional<long> pid = to_number<long>(digits);
  if (!pid || *pid < 1 || *pid > kPidMaxLimit) {
    return fail(kFile, "pid " + quote(digits) + " is outside 1.." + std::to_string(kPidMaxLimit));
  }
  return static_cast<pid_t>(*pid);
}

bool signal_discarded(const SignalLook& before, const SignalLook& after, int sig) {
  if (sig < 1 || sig > 64) return false;
  const uint64_t bit = uint64_t{1} << (sig - 1);
  auto dropped_here = [bit](const SignalLook& l) {
    return l.seen && l.asleep && l.cpu_ns > 0 && (l.status.sig_ign & bit) &&
           !(l.blocked_any & bit) && !((l.status.sig_pnd | l.status.shd_pnd) & bit);
  };
  return dropped_here(before) && dropped_here(after) && before.cpu_ns == after.cpu_ns;
}

}  // namespace dc::observe

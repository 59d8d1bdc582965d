// See unit_file.h. The line handling follows systemd 252's conf-parser.c:
// lines end at \n, \r, \r\n or NUL; a line ending in an unescaped backslash
// continues on the next, the backslash read as a space; comment lines inside
// a continuation are dropped.
#include "unit/unit_file.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <system_error>

#include "common/text.h"

namespace dc::unit {
namespace {

// More findings than this about one file would only bury the first ones.
constexpr size_t kMaxFindingsPerFile = 50;

std::string_view strip(std::string_view s) {
  size_t begin = s.find_first_not_of(kWhitespace);
  if (begin == std::string_view::npos) return {};
  size_t end = s.find_last_not_of(kWhitespace);
  return s.substr(begin, end - begin + 1);
}

bool is_comment(std::string_view stripped) {
  return !stripped.empty() && (stripped[0] == '#' || stripped[0] == ';');
}

// RFC 3629 UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view s) {
  static constexpr unsigned kMin[] = {0, 0x80, 0x800, 0x10000};
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t more = c < 0x80           ? 0
                  : (c >> 5) == 0x6  ? 1
                  : (c >> 4) == 0xe  ? 2
                  : (c >> 3) == 0x1e ? 3
                                     : 4;
    if (more == 4 || s.size() - i <= more) return false;
    unsigned cp = more == 0 ? c : c & (0x3fu >> more);
    for (size_t k = 1; k <= more; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < kMin[more] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += more + 1;
  }
  return true;
}

bool ends_in_unescaped_backslash(std::string_view line) {
  bool escaped = false;
  for (char c : line) escaped = !escaped && c == '\\';
  return escaped;
}

bool known_section(std::string_view name, std::string_view type_section) {
  return name == "Unit" || name == type_section || name == "Install" || name.starts_with("X-");
}

// One file's parsing state: the section we are in and the findings so far.
class Parser {
 public:
  Parser(const std::string& file, std::vector<Assignment>& out, std::vector<Finding>& findings,
         std::string_view type_section)
      : file_(file), out_(out), findings_(findings), type_section_(type_section) {}

  void line(std::string_view text, int number) {
    std::string_view l = strip(text);
    if (l.empty() || is_comment(l)) return;
    if (l.front() == '[') return section(l, number);
    if (section_.empty())
      return note(Severity::ignored, number, "assignment outside of a section, ignored");
    if (skipping_) return;
    size_t eq = l.find('=');
    if (eq == std::string_view::npos) {
      return note(Severity::ignored, number, "missing '=' in '" + excerpt(l) + "', line ignored");
    }
    std::string_view key = strip(l.substr(0, eq));
    if (key.empty()) return note(Severity::ignored, number, "assignment without a key, ignored");
    out_.push_back(
        {section_, std::string(key), std::string(strip(l.substr(eq + 1))), file_, number});
  }

  void note(Severity severity, int number, std::string message) {
    ++noted_;
    if (noted_ < kMaxFindingsPerFile || severity == Severity::fatal) {
      findings_.push_back({severity, file_, number, std::move(message)});
    } else if (noted_ == kMaxFindingsPerFile) {
      findings_.push_back(
          {Severity::ignored, file_, number, "more findings in this file not listed"});
    }
  }

 private:
  void section(std::string_view l, int number) {
    if (l.back() != ']') {
      // systemd refuses the whole file here (conf-parser: "Invalid section header").
      return note(Severity::fatal, number, "invalid section header '" + excerpt(l) + "'");
    }
    section_ = std::string(l.substr(1, l.size() - 2));
    skipping_ = !known_section(section_, type_section_);
    if (skipping_) {
      note(Severity::ignored, number,
           "unknown section [" + excerpt(section_) + "], its lines ignored");
    }
  }

  const std::string& file_;
  std::vector<Assignment>& out_;
  std::vector<Finding>& findings_;
  std::string_view type_section_;
  std::string section_;
  bool skipping_ = false;
  size_t noted_ = 0;
};

// Splits at \n, \r, \r\n and NUL, as systemd's read_line() does.
template <class F>
void for_each_line(std::string_view text, F&& f) {
  int number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find_first_of(std::string_view("\n\r\0", 3), pos);
    ++number;
    if (end == std::string_view::npos) {
      f(text.substr(pos), number);
      return;
    }
    f(text.substr(pos, end - pos), number);
    pos = end + 1;
    if (text[end] == '\r' && pos < text.size() && text[pos] == '\n') ++pos;
  }
}

}  // namespace

std::string excerpt(std::string_view text) {
  constexpr size_t kShown = 80;
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (out.size() >= kShown) return out + "...";
    out += escape_bytes(text.substr(i, 1), '\'');
  }
  return out;
}

std::string describe(const Finding& f) {
  std::string out;
  if (!f.file.empty()) {
    out = excerpt(f.file);
    if (f.line > 0) out += ":" + std::to_string(f.line);
    out += ": ";
  }
  return out + f.message;
}

bool has_fatal(const std::vector<Finding>& findings) {
  return std::any_of(findings.begin(), findings.end(),
                     [](const Finding& f) { return f.severity == Severity::fatal; });
}

void parse_unit_text(std::string_view text, const std::string& file, std::vector<Assignment>& out,
                     std::vector<Finding>& findings, std::string_view type_section) {
  if (text.starts_with("\xef\xbb\xbf")) text.remove_prefix(3);  // a UTF-8 byte order mark
  Parser parser(file, out, findings, type_section);
  std::string continued;
  int continued_from = 0;
  bool too_long = false;
  for_each_line(text, [&](std::string_view raw, int number) {
    if (too_long) return;
    if (continued.size() + raw.size() > kMaxLineBytes) {
      too_long = true;
      return parser.note(Severity::fatal, number,
                         "line longer than 1 MiB: systemd refuses the whole file");
    }
    if (!continued.empty() && is_comment(strip(raw))) return;
    if (!valid_utf8(raw))
      return parser.note(Severity::ignored, number, "line is not valid UTF-8, ignored");
    if (continued.empty()) continued_from = number;
    continued += raw;
    if (ends_in_unescaped_backslash(continued)) {
      continued.back() = ' ';
      return;
    }
    parser.line(continued, continued_from);
    continued.clear();
  });
  if (!continued.empty() && !too_long) parser.line(continued, continued_from);
}

std::optional<UnitName> split_unit_name(std::string_view name) {
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size()) return std::nullopt;
  UnitName out;
  out.full = std::string(name);
  out.suffix = std::string(name.substr(dot + 1));
  std::string_view stem = name.substr(0, dot);
  size_t at = stem.find('@');
  out.prefix = std::string(stem.substr(0, at));
  if (at != std::string_view::npos) out.instance = std::string(stem.substr(at + 1));
  if (out.prefix.empty()) return std::nullopt;
  return out;
}

std::vector<const Assignment*> UnitFile::all(std::string_view section, std::string_view key) const {
  std::vector<const Assignment*> out;
  for (const Assignment& a : assignments) {
    if (a.section == section && a.key == key) out.push_back(&a);
  }
  return out;
}

const Assignment* UnitFile::last(std::string_view section, std::string_view key) const {
  std::vector<const Assignment*> every = all(section, key);
  return every.empty() ? nullptr : every.back();
}

std::vector<const Assignment*> UnitFile::list(std::string_view section,
                                              std::string_view key) const {
  std::vector<const Assignment*> out;
  for (const Assignment* a : all(section, key)) {
    if (a->value.empty()) {
      out.clear();
    } else {
      out.push_back(a);
    }
  }
  return out;
}

std::optional<std::string> read_text_file(const std::filesystem::path& path, size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text(limit, '\0');
  in.read(text.data(), static_cast<std::streamsize>(limit));
  if (in.bad()) return std::nullopt;
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

namespace {

namespace fs = std::filesystem;

// Characters systemd allows in a unit name (unit-name.c, VALID_CHARS).
bool valid_instance(std::string_view instance) {
  return std::all_of(instance.begin(), instance.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view(":-_.\\").find(c) != std::string_view::npos;
  });
}

// *.conf files of `dir` by file name (regular files or links to them).
void collect_dropins(const fs::path& dir, std::map<std::string, fs::path>& by_name) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    std::error_code file_ec;
    if (p.extension() == ".conf" && fs::is_regular_file(p, file_ec)) {
      by_name[p.filename().string()] = p;
    }
  }
}

// A unit read in full must fit in memory comfortably; systemd's own limit is
// per line (1 MiB), so a few lines over it are enough to tell.
constexpr size_t kMaxFileBytes = 16 * 1024 * 1024;

void read_one(const fs::path& path, UnitFile& unit, std::string_view type_section = "Service") {
  std::optional<std::string> text = read_text_file(path, kMaxFileBytes + 1);
  if (!text) {
    unit.findings.push_back({Severity::fatal, path.string(), 0, "cannot be read"});
    return;
  }
  if (text->size() > kMaxFileBytes) {
    unit.findings.push_back({Severity::fatal, path.string(), 0, "larger than 16 MiB, not read"});
    return;
  }
  parse_unit_text(*text, path.string(), unit.assignments, unit.findings, type_section);
}

}  // namespace

UnitFile read_unit(const fs::path& path, std::optional<std::string> instance) {
  UnitFile unit;
  unit.path = path;
  const std::string file = path.string();
  auto fatal = [&](std::string message) {
    unit.findings.push_back({Severity::fatal, file, 0, std::move(message)});
    return unit;
  };
  std::optional<UnitName> name = split_unit_name(path.filename().string());
  if (!name || name->suffix != "service") return fatal("not a NAME.service file");
  if (name->instance && !name->is_template()) {
    return fatal("an instance's name; give the template NAME@.service and --instance");
  }
  if (name->is_template() && (!instance || instance->empty())) {
    return fatal("a template: it needs an instance (--instance)");
  }
  if (!name->is_template() && instance) return fatal("not a template, yet an instance was given");
  if (instance && !valid_instance(*instance)) {
    return fatal("instance '" + excerpt(*instance) +
                 "' holds characters a unit name cannot: escape it with systemd-escape");
  }
  const std::string template_dir = name->full + ".d";
  if (instance) {
    name->instance = *instance;
    name->full = name->prefix + "@" + *instance + "." + name->suffix;
  }
  unit.name = *name;

  read_one(path, unit);
  std::map<std::string, fs::path> by_name;
  collect_dropins(path.parent_path() / template_dir, by_name);
  if (instance) collect_dropins(path.parent_path() / (name->full + ".d"), by_name);
  for (const auto& [file_name, dropin] : by_name) {
    unit.dropins.push_back(dropin);
    read_one(dropin, unit);
  }
  return unit;
}

UnitFile read_socket_unit_file(const fs::path& path) {
  UnitFile unit;
  unit.path = path;
  std::optional<UnitName> name = split_unit_name(path.filename().string());
  if (!name || name->suffix != "socket" || name->instance) {
    unit.findings.push_back({Severity::fatal, path.string(), 0, "not a NAME.socket file"});
    return unit;
  }
  unit.name = *name;
  read_one(path, unit, "Socket");
  std::map<std::string, fs::path> by_name;
  collect_dropins(path.parent_path() / (name->full + ".d"), by_name);
  for (const auto& [file_name, dropin] : by_name) {
    unit.dropins.push_back(dropin);
    read_one(dropin, unit, "Socket");
  }
  return unit;
}

}  // namespace dc::unit

// The unit reader: a systemd unit file as systemd.syntax(7) reads it, with its
// drop-ins and its template instance. Pure: it reads only the files it is
// given (the unit and NAME.service.d/*.conf beside it) and never runs anything.
// What goes wrong is a Finding with file and line, never an exception. The
// launch of `daemoncheck --unit` takes the ordered assignments from here,
// resolved into a ServiceConfig (service_config.h).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dc::unit {

// systemd's WHITESPACE: what separates words and is stripped around keys and
// values.
inline constexpr std::string_view kWhitespace = " \t\n\r";
inline bool is_whitespace(char c) {
  return kWhitespace.find(c) != std::string_view::npos;
}

// How systemd treats what was found: it logs `ignored` lines and goes on
// loading the unit; it refuses to load the unit (or cannot run it) on `fatal`.
enum class Severity { ignored, fatal };

struct Finding {
  Severity severity = Severity::ignored;
  std::string file;  // as given to the reader; empty for the unit as a whole
  int line = 0;      // 1-based; 0 when not about one line
  std::string message;
};

// `text` as a message quotes it: bytes outside printable ASCII escaped, cut
// after about 80 characters so that a message stays one short line.
std::string excerpt(std::string_view text);

// "FILE:LINE: message", one printable line.
std::string describe(const Finding& finding);
bool has_fatal(const std::vector<Finding>& findings);

// One `Key=value` line, continuation lines joined, whitespace around the
// key and the value stripped. The value is raw: specifiers and quoting are
// the business of whoever knows the key's type.
struct Assignment {
  std::string section;  // without brackets: "Service"
  std::string key;
  std::string value;
  std::string file;
  int line = 0;  // the line the assignment starts on
};

// Lines longer than this make systemd refuse the file (LONG_LINE_MAX).
inline constexpr size_t kMaxLineBytes = 1024 * 1024;

// Parses the text of one file and appends its assignments, in order, to
// `out`. Sections other than Unit, the type's own (Service, Socket), Install
// and X-* are ignored with a finding, as systemd does.
void parse_unit_text(std::string_view text, const std::string& file, std::vector<Assignment>& out,
                     std::vector<Finding>& findings, std::string_view type_section = "Service");

// The name of a unit as systemd splits it: "foo@bar.service" has prefix
// "foo", instance "bar", suffix "service".
struct UnitName {
  std::string full;                     // foo@bar.service (the instance's name for a template)
  std::string prefix;                   // foo
  std::optional<std::string> instance;  // bar; empty string for foo@.service
  std::string suffix;                   // service
  bool is_template() const { return instance && instance->empty(); }
};
std::optional<UnitName> split_unit_name(std::string_view name);

// A unit file with its drop-ins applied, everything in the order systemd
// applies it: the unit, then every *.conf of the drop-in folders in lexical
// order of file name (a file of FOO@I.service.d hides the same name in
// FOO@.service.d).
struct UnitFile {
  std::filesystem::path path;
  UnitName name;  // with the instance filled in for a template
  std::vector<std::filesystem::path> dropins;
  std::vector<Assignment> assignments;
  std::vector<Finding> findings;

  // Every assignment of section.key, in order.
  std::vector<const Assignment*> all(std::string_view section, std::string_view key) const;
  // The last assignment of section.key, or null.
  const Assignment* last(std::string_view section, std::string_view key) const;
  // The list a list-valued key ends with: the assignments after the last
  // empty one (an empty assignment resets the list).
  std::vector<const Assignment*> list(std::string_view section, std::string_view key) const;
};

// Reads `path` and its drop-ins. `instance` fills a template's instance; a
// template without one, or an instance for a unit that is no template, is a
// fatal finding, as are an unreadable unit and a name that is not a .service.
UnitFile read_unit(const std::filesystem::path& path, std::optional<std::string> instance);

// Reads a socket unit, NAME.socket, and its drop-ins (NAME.socket.d/*.conf):
// its [Socket] section instead of [Service]. A name that is no plain
// NAME.socket and an unreadable file are fatal findings.
UnitFile read_socket_unit_file(const std::filesystem::path& path);

// Reads at most `limit` bytes of a file; nullopt when it cannot be opened.
std::optional<std::string> read_text_file(const std::filesystem::path& path, size_t limit);

}  // namespace dc::unit

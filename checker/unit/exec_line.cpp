// See exec_line.h. Word splitting follows systemd 252's extract_first_word()
// with EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE, and the expansion its
// replace_env_argv().
#include "unit/exec_line.h"

#include <cstdint>
#include <optional>

#include "common/text.h"
#include "unit/unit_file.h"

namespace dc::unit {
namespace {

int digit_value(char c, int base) {
  int v = -1;
  if (c >= '0' && c <= '9') v = c - '0';
  if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
  if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
  return v < base ? v : -1;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// Reads `count` digits of `base` at s[pos]; nullopt when they are not there.
std::optional<uint32_t> read_number(std::string_view s, size_t pos, size_t count, int base) {
  if (s.size() - pos < count) return std::nullopt;
  uint32_t v = 0;
  for (size_t i = 0; i < count; ++i) {
    int d = digit_value(s[pos + i], base);
    if (d < 0) return std::nullopt;
    v = v * static_cast<uint32_t>(base) + static_cast<uint32_t>(d);
  }
  return v;
}

// Decodes the escape after a backslash at s[pos] (pos is past the '\'),
// appending it to `out`; returns how many characters it used, 0 if invalid.
size_t unescape_one(std::string_view s, size_t pos, std::string& out) {
  if (pos >= s.size()) return 0;
  static constexpr std::string_view kFrom = "abfnrtv\\\"'s";
  static constexpr std::string_view kTo = "\a\b\f\n\r\t\v\\\"' ";
  char c = s[pos];
  if (size_t k = kFrom.find(c); k != std::string_view::npos) {
    out += kTo[k];
    return 1;
  }
  std::optional<uint32_t> v;
  size_t used = 0;
  if (c == 'x') {
    v = read_number(s, pos + 1, 2, 16), used = 3;
  } else if (c == 'u') {
    v = read_number(s, pos + 1, 4, 16), used = 5;
  } else if (c == 'U') {
    v = read_number(s, pos + 1, 8, 16), used = 9;
  } else if (c >= '0' && c <= '7') {
    v = read_number(s, pos, 3, 8), used = 3;
  }
  // systemd refuses NUL and what is no Unicode character.
  if (!v || *v == 0 || *v > 0x10ffff || (*v >= 0xd800 && *v <= 0xdfff)) return 0;
  if (c == 'x' || (c >= '0' && c <= '7')) {
    if (*v > 0xff) return 0;
    out += static_cast<char>(*v);
  } else {
    append_utf8(out, *v);
  }
  return used;
}

// How a word is read: Exec*= and most settings decode C escapes and refuse
// bad syntax (EXTRACT_CUNESCAPE); the value of a "$VAR" word is split
// leniently, a backslash only quoting the next character (EXTRACT_RELAX).
enum class Split { c_escapes, relaxed };

// The next word of `s` from `pos`, or nullopt at the end; an Error on an
// unterminated quote or a bad escape.
Result<std::optional<std::string>> next_word(std::string_view s, size_t& pos,
                                             Split mode = Split::c_escapes) {
  while (pos < s.size() && is_whitespace(s[pos])) ++pos;
  if (pos >= s.size()) return std::optional<std::string>();
  std::string word;
  char quote = 0;
  for (; pos < s.size(); ++pos) {
    char c = s[pos];
    if (!quote && is_whitespace(c)) break;
    if (c == '\\' && mode == Split::relaxed) {
      word += pos + 1 < s.size() ? s[++pos] : '\\';
    } else if (c == '\\') {
      size_t used = unescape_one(s, pos + 1, word);
      if (used == 0) {
        return Error{.detail = pos + 1 >= s.size()
                                   ? std::string("a lone '\\' ends the line")
                                   : "invalid escape '\\" +
                                         escape_bytes(s.substr(pos + 1, 1), '\'') + "'"};
      }
      pos += used;
    } else if (quote && c == quote) {
      quote = 0;
    } else if (!quote && (c == '"' || c == '\'')) {
      quote = c;
    } else {
      word += c;
    }
  }
  if (quote && mode == Split::relaxed) return std::optional<std::string>(std::move(word));
  if (quote)
    return Error{.detail =
                     quote == '"' ? "unterminated double quote" : "unterminated single quote"};
  return std::optional<std::string>(std::move(word));
}

// True for a normalized path: no "//", "/./", "/../" and not ending "/." or "/..".
bool normalized(std::string_view path) {
  for (std::string_view bad : {"//", "/./", "/../"}) {
    if (path.find(bad) != std::string_view::npos) return false;
  }
  return !path.ends_with("/.") && !path.ends_with("/..") && !path.starts_with("./") &&
         !path.starts_with("../");
}

// Takes the prefixes off `word`; each at most once, one of "+", "!", "!!".
Result<std::string_view> take_prefixes(std::string_view word, ExecCommand& command) {
  bool ignore = false, argv0 = false, literal = false;
  while (!word.empty()) {
    char c = word.front();
    if (c == '-' && !ignore) {
      ignore = true;
    } else if (c == '@' && !argv0) {
      argv0 = true;
    } else if (c == ':' && !literal) {
      literal = true;
    } else if (command.privileges == Privileges::normal && c == '+') {
      command.privileges = Privileges::full;
    } else if (command.privileges == Privileges::normal && word.starts_with("!!")) {
      command.privileges = Privileges::ambient;
      word.remove_prefix(1);
    } else if (command.privileges == Privileges::normal && c == '!') {
      command.privileges = Privileges::no_setuid;
    } else {
      break;
    }
    word.remove_prefix(1);
  }
  command.ignore_failure = ignore;
  command.argv0_given = argv0;
  command.expand_environment = !literal;
  return word;
}

Result<bool> check_program(const std::string& path) {
  if (path.empty()) return Error{.detail = "the command line names no program"};
  if (path.find('/') != std::string::npos && !path.starts_with('/')) {
    return Error{.detail =
                     "program '" + excerpt(path) + "' is neither an absolute path nor a bare name"};
  }
  if (path.ends_with('/')) return Error{.detail = "program '" + excerpt(path) + "' is a directory"};
  if (!normalized(path))
    return Error{.detail = "program path '" + excerpt(path) + "' is not normalized"};
  return true;
}

// A lone ";" (unquoted, followed by whitespace or the end) separates commands.
bool separator_at(std::string_view s, size_t pos) {
  return pos < s.size() && s[pos] == ';' && (pos + 1 == s.size() || is_whitespace(s[pos + 1]));
}

bool literal_semicolon_at(std::string_view s, size_t pos) {
  return s.substr(pos).starts_with("\\;") && (pos + 2 == s.size() || is_whitespace(s[pos + 2]));
}

// One command from `pos` up to a separator or the end; nullopt when nothing is left.
Result<std::optional<ExecCommand>> next_command(std::string_view s, size_t& pos) {
  while (pos < s.size() && is_whitespace(s[pos])) ++pos;
  if (pos >= s.size()) return std::optional<ExecCommand>();
  ExecCommand command;
  std::vector<std::string> words;
  while (true) {
    while (pos < s.size() && is_whitespace(s[pos])) ++pos;
    if (pos >= s.size()) break;
    if (separator_at(s, pos)) {
      ++pos;
      break;
    }
    if (literal_semicolon_at(s, pos)) {
      words.emplace_back(";");
      pos += 2;
      continue;
    }
    Result<std::optional<std::string>> word = next_word(s, pos);
    if (!word) return word.error();
    if (!*word) break;
    words.push_back(std::move(**word));
  }
  if (words.empty()) return Error{.detail = "an empty command between ';'"};
  Result<std::string_view> program = take_prefixes(words.front(), command);
  if (!program) return program.error();
  command.path = std::string(*program);
  if (command.argv0_given) {
    if (words.size() < 2) return Error{.detail = "the '@' prefix needs argv[0] after the program"};
    command.argv.assign(words.begin() + 1, words.end());
  } else {
    command.argv = words;
    command.argv.front() = command.path;
  }
  if (Result<bool> ok = check_program(command.path); !ok) return ok.error();
  return std::optional<ExecCommand>(std::move(command));
}

bool valid_env_name_char(char c, bool first) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (!first && c >= '0' && c <= '9');
}

std::string lookup(const std::map<std::string, std::string>& env, const std::string& name) {
  auto it = env.find(name);
  return it == env.end() ? std::string() : it->second;
}

// "${VAR}" replaced inside a word, "$$" read as "$"; anything else kept.
std::string replace_in_word(std::string_view word, const std::map<std::string, std::string>& env) {
  std::string out;
  for (size_t i = 0; i < word.size(); ++i) {
    if (word[i] != '$' || i + 1 == word.size()) {
      out += word[i];
    } else if (word[i + 1] == '$') {
      out += '$';
      ++i;
    } else if (word[i + 1] == '{') {
      size_t close = word.find('}', i + 2);
      if (close == std::string_view::npos) {  // unterminated: kept as written
        out += word.substr(i);
        break;
      }
      out += lookup(env, std::string(word.substr(i + 2, close - i - 2)));
      i = close;
    } else {
      out += word[i];
    }
  }
  return out;
}

// A word that is exactly "$NAME", with NAME a valid variable name.
bool whole_word_variable(std::string_view word) {
  if (word.size() < 2 || word[0] != '$' || !valid_env_name_char(word[1], true)) return false;
  for (size_t i = 2; i < word.size(); ++i) {
    if (!valid_env_name_char(word[i], false)) return false;
  }
  return true;
}

}  // namespace

Result<std::vector<std::string>> split_words(std::string_view value) {
  std::vector<std::string> words;
  size_t pos = 0;
  while (true) {
    Result<std::optional<std::string>> word = next_word(value, pos);
    if (!word) return word.error();
    if (!*word) return words;
    words.push_back(std::move(**word));
  }
}

Result<std::vector<ExecCommand>> parse_exec_value(std::string_view value) {
  std::vector<ExecCommand> commands;
  size_t pos = 0;
  while (true) {
    Result<std::optional<ExecCommand>> command = next_command(value, pos);
    if (!command) return command.error();
    if (!*command) return commands;
    commands.push_back(std::move(**command));
  }
}

std::vector<std::string> expand_argv(const ExecCommand& command,
                                     const std::map<std::string, std::string>& env) {
  if (!command.expand_environment) return command.argv;
  std::vector<std::string> out;
  for (const std::string& word : command.argv) {
    if (!whole_word_variable(word)) {
      out.push_back(replace_in_word(word, env));
      continue;
    }
    auto it = env.find(word.substr(1));
    if (it == env.end()) continue;  // an unset $VAR is no word at all
    // The value's words, split as systemd does: quotes honoured, escapes not decoded.
    size_t pos = 0;
    while (true) {
      Result<std::optional<std::string>> next = next_word(it->second, pos, Split::relaxed);
      if (!next || !*next) break;
      out.push_back(std::move(**next));
    }
  }
  return out;
}

}  // namespace dc::unit

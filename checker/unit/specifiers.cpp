// See specifiers.h. The table is systemd 252's unit-printf.c and
// specifier.c for the system manager.
#include "unit/specifiers.h"

#include <optional>

#include "common/text.h"

namespace dc::unit {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string stem(const UnitName& name) {
  return name.instance ? name.prefix + "@" + *name.instance : name.prefix;
}

// The value of %c, or nullopt for a specifier the system manager does not know.
std::optional<std::string> specifier(char c, const UnitName& name, const SpecifierHost& host) {
  const std::string instance = name.instance.value_or("");
  switch (c) {
    case '%':
      return "%";
    case 'n':
      return name.full;
    case 'N':
      return stem(name);
    case 'p':
      return name.prefix;
    case 'P':
      return unescape_unit_name(name.prefix);
    case 'i':
      return instance;
    case 'I':
      return unescape_unit_name(instance);
    case 'f':
      return unescape_unit_path(name.instance ? instance : name.prefix);
    case 'j': {
      size_t dash = name.prefix.rfind('-');
      return dash == std::string::npos ? name.prefix : name.prefix.substr(dash + 1);
    }
    case 'J': {
      size_t dash = name.prefix.rfind('-');
      return unescape_unit_name(dash == std::string::npos ? name.prefix
                                                          : name.prefix.substr(dash + 1));
    }
    case 't':
      return "/run";
    case 'S':
      return "/var/lib";
    case 'C':
      return "/var/cache";
    case 'L':
      return "/var/log";
    case 'E':
      return "/etc";
    case 'T':
      return "/tmp";
    case 'V':
      return "/var/tmp";
    case 'd':
      return "/run/credentials/" + name.full;
    case 'h':
      return "/root";
    case 'u':
      return "root";
    case 'U':
      return "0";
    case 'g':
      return "root";
    case 'G':
      return "0";
    case 's':
      return "/bin/sh";
    case 'H':
      return host.hostname;
    case 'l':
      return host.hostname.substr(0, host.hostname.find('.'));
    case 'm':
      return host.machine_id;
    case 'b':
      return host.boot_id;
    case 'v':
      return host.kernel_release;
    case 'a':
      return host.architecture;
    default:
      return std::nullopt;
  }
}

}  // namespace

std::string unescape_unit_name(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '-') {
      out += '/';
    } else if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x' && hex_value(s[i + 2]) >= 0 &&
               hex_value(s[i + 3]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 2]) * 16 + hex_value(s[i + 3]));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string unescape_unit_path(std::string_view s) {
  std::string path = unescape_unit_name(s);
  return path.starts_with('/') ? path : "/" + path;
}

Result<std::string> resolve_specifiers(std::string_view text, const UnitName& name,
                                       const SpecifierHost& host) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 1 == text.size())
      return Error{.detail = "a lone '%' ends the value (write %% for a percent sign)"};
    std::optional<std::string> value = specifier(text[i + 1], name, host);
    if (!value) {
      return Error{.detail = "unknown specifier '%" + excerpt(text.substr(i + 1, 1)) + "'"};
    }
    out += *value;
    ++i;
  }
  return out;
}

}  // namespace dc::unit

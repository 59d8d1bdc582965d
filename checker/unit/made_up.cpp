// See made_up.h.
#include "unit/made_up.h"

#include <cstdio>

namespace dc::unit {

std::string quote_exec_word(std::string_view word) {
  std::string body;
  bool quote = word.empty() || word == ";";
  for (unsigned char c : word) {
    if (c == '%') {
      body += "%%";
    } else if (c == '$') {
      body += "$$";
    } else if (c == '"' || c == '\\' || c == '\'') {
      body += '\\';
      body += static_cast<char>(c);
      quote = true;
    } else if (c < 0x20 || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      body += hex;
      quote = true;
    } else {
      if (c == ' ') quote = true;
      body += static_cast<char>(c);
    }
  }
  return quote ? "\"" + body + "\"" : body;
}

namespace {

// A path setting takes no quotes or escapes, only specifiers.
std::string path_value(std::string_view path) {
  std::string out;
  for (char c : path) out += c == '%' ? std::string("%%") : std::string(1, c);
  return out;
}

}  // namespace

std::string made_up_unit_text(const MadeUpService& s) {
  std::string text =
      "# Made up by daemoncheck --profile systemd from its command line.\n"
      "[Service]\n";
  text += s.notify ? "Type=notify\n" : "Type=simple\n";
  text += "NotifyAccess=main\nKillMode=mixed\n";
  if (s.pid_file) text += "PIDFile=" + path_value(*s.pid_file) + "\n";
  text += "ExecStart=" + quote_exec_word(s.program);
  for (size_t i = 1; i < s.argv.size(); ++i) text += " " + quote_exec_word(s.argv[i]);
  return text + "\n";
}

}  // namespace dc::unit

// Small text helpers shared by the checker's stages.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace dc {

inline std::string octal(unsigned v, int width = 4) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*o", width, v);
  return buf;
}

inline std::string fixed_ms(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", ms);
  return buf;
}

// s with every line break turned into a space: a message is one line,
// whatever a path or a library's text in it holds.
inline std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

// Appends `prefix` and the two hex digits of c: \x7f, %7F.
inline void append_hex_byte(std::string& out, std::string_view prefix, unsigned char c,
                            bool upper = false) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  out += prefix;
  out += digits[c >> 4];
  out += digits[c & 0xf];
}

// `text` made safe inside a one-line message quoted with `quote`: that quote
// character and the backslash get a backslash, newline and tab read \n and \t,
// and every other byte outside printable ASCII reads \xNN.
inline std::string escape_bytes(std::string_view text, char quote) {
  std::string out;
  for (unsigned char c : text) {
    if (c == static_cast<unsigned char>(quote) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      append_hex_byte(out, "\\x", c);
    }
  }
  return out;
}

}  // namespace dc

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

// The length of the well-formed UTF-8 sequence at the start of `s` that
// encodes a printable character outside ASCII (U+00A0 and above), 0 for
// anything else: an invalid or overlong sequence, a C1 control, a line or
// paragraph separator, a bidirectional control (text that reads other than
// it prints), a byte order mark, a surrogate or a noncharacter.
inline size_t printable_utf8_length(std::string_view s) {
  if (s.empty()) return 0;
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  size_t n;
  char32_t cp;
  if (b(0) >= 0xc2 && b(0) <= 0xdf) {
    n = 2;
    cp = b(0) & 0x1f;
  } else if (b(0) >= 0xe0 && b(0) <= 0xef) {
    n = 3;
    cp = b(0) & 0x0f;
  } else if (b(0) >= 0xf0 && b(0) <= 0xf4) {
    n = 4;
    cp = b(0) & 0x07;
  } else {
    return 0;
  }
  if (s.size() < n) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((b(i) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i) & 0x3f);
  }
  const char32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < least[n] || cp > 0x10ffff || cp < 0xa0) return 0;
  if ((cp >= 0xd800 && cp <= 0xdfff) || cp == 0x2028 || cp == 0x2029 || cp == 0x200e ||
      cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
      cp == 0x061c || cp == 0xfeff || (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe)
    return 0;
  return n;
}

// `text` made safe inside a one-line message quoted with `quote`: that quote
// character and the backslash get a backslash, newline and tab read \n and \t,
// and every other byte outside printable ASCII reads \xNN. With keep_utf8, a
// printable character outside ASCII (printable_utf8_length) stays as it is:
// for what a program printed (coreutils quote a name with U+2018 and U+2019
// in a UTF-8 locale); an identifier the user typed shows its every byte.
inline std::string escape_bytes(std::string_view text, char quote, bool keep_utf8 = false) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80 && keep_utf8) {
      if (const size_t n = printable_utf8_length(text.substr(i)); n > 0) {
        out.append(text.substr(i, n));
        i += n - 1;
        continue;
      }
    }
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

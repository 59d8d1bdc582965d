// See escape.h.
#include "report/escape.h"

#include <algorithm>
#include <cctype>

namespace dc {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one.
size_t utf8_length(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n = 0;
  unsigned cp = 0;
  if ((c & 0xE0) == 0xC0)
    n = 2, cp = c & 0x1F;
  else if ((c & 0xF0) == 0xE0)
    n = 3, cp = c & 0x0F;
  else if ((c & 0xF8) == 0xF0)
    n = 4, cp = c & 0x07;
  else
    return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
  static constexpr unsigned kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// Walks s as UTF-8 and calls emit(piece) for every character, or with
// U+FFFD for a byte that does not start a valid one. `bad` decides which
// valid single characters are replaced as well.
template <class Bad, class Emit>
void for_each_char(std::string_view s, Bad bad, Emit emit) {
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_length(s, i);
    if (n == 0) {
      emit(kReplacement);
      ++i;
      continue;
    }
    std::string_view ch = s.substr(i, n);
    emit(bad(ch) ? kReplacement : ch);
    i += n;
  }
}

bool xml_forbidden(std::string_view ch) {
  if (ch.size() == 1) {
    unsigned char c = static_cast<unsigned char>(ch[0]);
    return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F;
  }
  return ch == "\xEF\xBF\xBE" || ch == "\xEF\xBF\xBF";  // U+FFFE, U+FFFF
}

std::string markup_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for_each_char(s, xml_forbidden, [&](std::string_view ch) {
    switch (ch.size() == 1 ? ch[0] : '\0') {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += ch;
    }
  });
  return out;
}

}  // namespace

std::string xml_escape(std::string_view s) {
  return markup_escape(s);
}

std::string html_escape(std::string_view s) {
  return markup_escape(s);
}

std::string markdown_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 4);
  for_each_char(s, xml_forbidden, [&](std::string_view ch) {
    if (ch.size() != 1) {
      out += ch;
      return;
    }
    char c = ch[0];
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '\n' || c == '\r' || c == '\t')
      out += ' ';
    else if (std::string_view("\\`*_[]{}>|~#!").find(c) != std::string_view::npos)
      out += '\\', out += c;
    else
      out += c;
  });
  return out;
}

std::string markdown_fence(std::string_view code, std::string_view lang) {
  size_t longest = 0;
  for (size_t i = 0; i < code.size();) {
    size_t j = i;
    while (j < code.size() && code[j] == '`') ++j;
    longest = std::max(longest, j - i);
    i = j == i ? i + 1 : j;
  }
  const std::string fence(std::max<size_t>(3, longest + 1), '`');
  std::string out = fence + std::string(lang) + "\n" + std::string(code);
  if (!code.empty() && code.back() != '\n') out += '\n';
  return out + fence + "\n";
}

std::string shell_quote(std::string_view arg) {
  const bool bare = !arg.empty() && std::all_of(arg.begin(), arg.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("@%+=:,./-_{}").find(c) != std::string_view::npos;
  });
  if (bare) return std::string(arg);
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string shell_join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + shell_quote(a);
  return out;
}

std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for_each_char(
      s,
      [](std::string_view ch) {
        if (ch.size() != 1) return false;
        unsigned char c = static_cast<unsigned char>(ch[0]);
        return (c < 0x20 && c != '\t' && c != '\n') || c == 0x7F;
      },
      [&](std::string_view ch) { out += ch; });
  return out;
}

}  // namespace dc

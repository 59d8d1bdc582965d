// Escaping for the formats rendered from the scorecard. Every string a report
// takes from the scorecard (messages, paths, argv, evidence) passes through
// one of these, because all of it can come from the program under test.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dc {

// Text and attribute values of XML 1.0: & < > " ' escaped, and the characters
// XML 1.0 cannot carry at all (C0 controls but tab, newline and carriage
// return; U+FFFE, U+FFFF; invalid UTF-8) replaced by U+FFFD.
std::string xml_escape(std::string_view s);

// Text and attribute values of HTML: the same escapes and replacements.
std::string html_escape(std::string_view s);

// Inline Markdown (GitHub flavour), safe in a table cell: markup characters
// backslash-escaped, & and < as entities, line breaks as spaces.
std::string markdown_escape(std::string_view s);

// A fenced code block whose fence no backtick run inside `code` can close.
std::string markdown_fence(std::string_view code, std::string_view lang = "");

// One argument as a POSIX shell reads it back: bare when it is safe, else in
// single quotes.
std::string shell_quote(std::string_view arg);
std::string shell_join(const std::vector<std::string>& argv);

// Replaces invalid UTF-8 and the C0 controls but tab and newline by U+FFFD,
// so that a terminal shows what the daemon did instead of obeying it.
std::string printable(std::string_view s);

}  // namespace dc

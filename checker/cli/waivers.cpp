// See waivers.h.
#include "cli/waivers.h"

#include "common/text.h"
#include "rules/catalog.h"
#include "sys/fileio.h"

namespace dc {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace

Result<std::vector<Waiver>> parse_waivers(std::string_view text, const std::string& name) {
  std::vector<Waiver> out;
  std::vector<int> lines;  // where each waiver came from
  int number = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++number;
    if (line.empty() || line[0] == '#') continue;
    const std::string where = name + ":" + std::to_string(number);
    for (unsigned char c : line)
      if ((c < 0x20 && c != '\t') || c == 0x7f)
        return Error{.subject = where, .detail = "a control character in the line"};
    size_t gap = 0;
    while (gap < line.size() && !is_space(line[gap])) ++gap;
    const std::string id = line.substr(0, gap);
    const std::string reason = trim(std::string_view(line).substr(gap));
    if (!find_rule(id)) {
      std::string hint = closest_rule(id);
      return Error{.subject = where,
                   .detail = "unknown rule id '" + escape_bytes(id.substr(0, 40), '\'') + "'" +
                             (hint.empty() ? "" : " (did you mean '" + hint + "'?)")};
    }
    if (reason.empty()) {
      return Error{.subject = where,
                   .detail = "no reason after '" + id + "': write RULE-ID, a space, then why"};
    }
    for (size_t k = 0; k < out.size(); ++k) {
      if (out[k].id == id) {
        return Error{
            .subject = where,
            .detail = "'" + id + "' is waived already on line " + std::to_string(lines[k])};
      }
    }
    out.push_back({id, reason, false});
    lines.push_back(number);
    if (end == text.size()) break;
  }
  return out;
}

Result<std::vector<Waiver>> read_waivers_file(const std::string& path) {
  constexpr size_t kLimit = 1u << 20;
  auto text = sys::read_file(path, kLimit + 1);
  if (!text) return Error{"--waivers", path, text.error().err, {}};
  if (text->size() > kLimit) return Error{"--waivers", path, 0, "larger than 1 MiB"};
  return parse_waivers(*text, path);
}

}  // namespace dc

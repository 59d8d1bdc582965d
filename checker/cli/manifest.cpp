// See manifest.h.
#include "cli/manifest.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "sys/fileio.h"
#include "sys/path.h"

namespace dc::manifest {
namespace {

using nlohmann::json;

// {SOURCE}, absolute: the target runs in its own temp directory.
std::string absolute_folder_of(const std::string& path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  return ec ? sys::folder_of(path) : abs.lexically_normal().parent_path().string();
}

const std::set<std::string>& known_statuses() {
  static const std::set<std::string> known = {"pass", "fail", "skip", "error", "waived"};
  return known;
}

bool strings(const json& t, const char* field, const Reading& how, std::vector<std::string>& out,
             std::string& err) {
  const json list = t.value(field, json::array());
  if (!list.is_array()) {
    err = std::string("\"") + field + "\" must be an array of strings";
    return false;
  }
  for (const auto& item : list) {
    std::string expanded;
    if (!item.is_string()) {
      err = std::string("\"") + field + "\" must be an array of strings";
      return false;
    }
    if (!expand(item.get<std::string>(), how, expanded, err)) return false;
    out.push_back(std::move(expanded));
  }
  return true;
}

bool expectations(const json& expect, std::string& err) {
  if (!expect.is_object()) {
    err = "\"expect\" must be an object";
    return false;
  }
  for (const auto& [id, status] : expect.items()) {
    if (!status.is_string()) {
      err = "expect." + id + " must be a string";
      return false;
    }
    std::string_view rest = status.get_ref<const std::string&>();
    for (;;) {
      const size_t bar = rest.find('|');
      const std::string one(rest.substr(0, bar));
      if (!known_statuses().count(one)) {
        err = "expect." + id + ": unknown status " + one;
        return false;
      }
      if (bar == std::string_view::npos) break;
      rest.remove_prefix(bar + 1);
    }
  }
  return true;
}

bool target(const json& t, size_t i, const std::string& file, const Reading& how, Target& x,
            std::string& err) {
  if (!t.is_object() || !t.contains("command") || !t["command"].is_array()) {
    err = "target " + std::to_string(i) + " has no \"command\" array";
    return false;
  }
  x.name = t.value("name", sys::folder_of(file) + "#" + std::to_string(i));
  if (!strings(t, "options", how, x.options, err) || !strings(t, "command", how, x.command, err))
    return false;
  // With --unit the unit file gives the command: "command" is [] then.
  const bool unit = std::find(x.options.begin(), x.options.end(), "--unit") != x.options.end();
  if (x.command.empty() != unit) {
    err = "target " + std::to_string(i) +
          (unit ? ": with --unit the unit gives the command; \"command\" must be []"
                : " has an empty \"command\"");
    return false;
  }
  if (t.contains("expect")) {
    if (!expectations(t["expect"], err)) return false;
    x.expect = t["expect"];
  }
  return true;
}

}  // namespace

bool expand(const std::string& text, const Reading& how, std::string& out, std::string& err) {
  out.clear();
  for (size_t i = 0; i < text.size();) {
    const size_t end = text[i] == '{' ? text.find('}', i) : std::string::npos;
    if (text[i] != '{' || end == std::string::npos) {
      if (text[i] == '{' && how.strict) {
        err = "unterminated token in \"" + text + "\"";
        return false;
      }
      out += text[i++];
      continue;
    }
    const std::string token = text.substr(i + 1, end - i - 1);
    auto it = how.tokens.find(token);
    if (it != how.tokens.end()) {
      out += it->second;
    } else if (how.strict) {
      err = "unknown token {" + token + "} in \"" + text + "\"";
      return false;
    } else {
      out.append(text, i, end - i + 1);
    }
    i = end + 1;
  }
  return true;
}

bool read(const std::string& file, const Reading& how, std::vector<Target>& out, std::string& err) {
  const auto text = sys::read_file(file);
  if (!text) {
    err = file + ": " + std::strerror(text.error().err);
    return false;
  }
  json doc = json::parse(*text, nullptr, false);
  if (doc.is_discarded()) {
    err = file + ": not valid JSON";
    return false;
  }
  json list = doc.is_array() ? doc : doc.contains("targets") ? doc["targets"] : json::array({doc});
  Reading with_file = how;
  with_file.tokens["TMP"] = "{tmp}";
  with_file.tokens["SOURCE"] = absolute_folder_of(file);
  for (size_t i = 0; i < list.size(); ++i) {
    Target x;
    if (!target(list[i], i, file, with_file, x, err)) {
      err = file + ": " + err;
      return false;
    }
    out.push_back(std::move(x));
  }
  return true;
}

bool status_matches(std::string_view have, std::string_view expected) {
  for (;;) {
    size_t bar = expected.find('|');
    if (expected.substr(0, bar) == have) return true;
    if (bar == std::string_view::npos) return false;
    expected.remove_prefix(bar + 1);
  }
}

std::vector<RuleCheck> check_rules(const json& rules, const json& expect,
                                   const std::set<std::string>& may_skip) {
  const json listed = expect.is_object() ? expect : json::object();
  std::vector<RuleCheck> out;
  std::set<std::string> seen;
  for (const auto& r : rules) {
    RuleCheck c{r.value("id", "?"), "pass|skip", r.value("status", "?"), r.value("message", "")};
    seen.insert(c.rule);
    if (listed.contains(c.rule)) {
      c.listed = true;
      c.expected = listed[c.rule].get<std::string>();
    }
    c.ok = status_matches(c.got, c.expected) || (c.got == "skip" && may_skip.count(c.rule));
    out.push_back(std::move(c));
  }
  for (const auto& [id, status] : listed.items()) {
    if (!seen.count(id))
      out.push_back(
          {id, status.get<std::string>(), "absent", "the scorecard has no such rule", true, false});
  }
  return out;
}

}  // namespace dc::manifest

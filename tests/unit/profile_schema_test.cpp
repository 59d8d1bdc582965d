// The scorecard schema (checker/report/scorecard.schema.json) held to the
// profile descriptors (checker/profiles): it names every profile, requires for
// each profile's scorecards what that profile's phases record, and requires no
// probe that no profile records. A profile's own records are required by an
// entry of the schema's top-level `allOf`:
//   {"if": {"properties": {"target": {"properties": {"profile": {"const": "NAME"}}}}},
//    "then": {"required": [...], "properties": {...}}}
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "profiles/profile.h"

namespace dc {
namespace {

using nlohmann::json;

const json& schema() {
  static const json s = [] {
    std::ifstream in(std::string(DC_SOURCE_DIR) + "/checker/report/scorecard.schema.json");
    return json::parse(in);
  }();
  return s;
}

// The profile an `allOf` entry's `if` is about; "" for any other condition.
std::string condition_profile(const json& entry) {
  const json::json_pointer at("/if/properties/target/properties/profile/const");
  return entry.contains(at) && entry[at].is_string() ? entry[at].get<std::string>() : "";
}

// The schema's top-level `then`s about the profile NAME.
std::vector<const json*> conditions_for(std::string_view name) {
  std::vector<const json*> out;
  if (!schema().contains("allOf")) return out;
  for (const json& entry : schema()["allOf"])
    if (condition_profile(entry) == name && entry.contains("then")) out.push_back(&entry["then"]);
  return out;
}

const json& resolve(const json& s) {
  if (!s.contains("$ref")) return s;
  const std::string ref = s["$ref"];
  return schema()[json::json_pointer(ref.substr(1))];  // "#/$defs/x"
}

bool requires_member(const json& s, const std::string& member) {
  for (const json& r : s.value("required", json::array()))
    if (r == member) return true;
  return false;
}

// "/probes/sighup" -> {"probes", "sighup"} (records need no ~ escapes).
std::vector<std::string> members(const std::string& pointer) {
  std::vector<std::string> out;
  for (size_t at = 0; at < pointer.size();) {
    const size_t end = std::min(pointer.find('/', at + 1), pointer.size());
    out.push_back(pointer.substr(at + 1, end - at - 1));
    at = end;
  }
  return out;
}

// Whether every scorecard of the profile NAME must carry POINTER: each member
// along it required by a schema that applies there.
bool required_for(std::string_view name, const std::string& pointer) {
  std::vector<const json*> applies{&schema()};
  for (const json* then : conditions_for(name)) applies.push_back(then);
  for (const std::string& member : members(pointer)) {
    bool required = false;
    std::vector<const json*> next;
    for (const json* s : applies) {
      required = required || requires_member(*s, member);
      if (s->contains("properties") && (*s)["properties"].contains(member))
        next.push_back(&resolve((*s)["properties"][member]));
    }
    if (!required) return false;
    applies = next;
  }
  return true;
}

// Every member a (sub)schema requires, as pointers below prefix, its
// properties' own requirements included.
void required_pointers(const json& s, const std::string& prefix, std::set<std::string>& out) {
  for (const json& r : s.value("required", json::array()))
    out.insert(prefix + "/" + r.get<std::string>());
  if (s.contains("properties"))
    for (const auto& [member, sub] : s["properties"].items())
      required_pointers(sub, prefix + "/" + member, out);
}

std::set<std::string> records_of(const Profile& p) {
  std::set<std::string> out;
  for (const Phase& ph : p.phases)
    if (!ph.record.empty()) out.insert(std::string(ph.record));
  return out;
}

TEST(ProfileSchema, NamesEveryProfile) {
  std::set<std::string> in_schema, profiles;
  for (const json& n : schema()["$defs"]["profile"]["enum"]) in_schema.insert(n.get<std::string>());
  for (const Profile* p : all_profiles()) profiles.insert(std::string(p->name));
  EXPECT_EQ(in_schema, profiles);
}

TEST(ProfileSchema, RequiresWhatEachProfileRecords) {
  for (const Profile* p : all_profiles()) {
    EXPECT_FALSE(p->phases.empty()) << p->name << " names no phase";
    for (const std::string& record : records_of(*p))
      EXPECT_TRUE(required_for(p->name, record))
          << "the schema does not require " << record << " for the " << p->name << " profile";
  }
}

// The other way: each probe the schema requires of every scorecard is some
// profile's record, and each condition requires only its own profile's.
TEST(ProfileSchema, RequiresNoProbeThatNoProfileRecords) {
  std::set<std::string> recorded;
  for (const Profile* p : all_profiles()) recorded.merge(records_of(*p));
  for (const json& probe : schema()["properties"]["probes"]["required"])
    EXPECT_TRUE(recorded.count("/probes/" + probe.get<std::string>())) << probe;
  for (const json& entry : schema().value("allOf", json::array())) {
    const std::string name = condition_profile(entry);
    if (name.empty()) continue;
    auto id = profile_named(name);
    ASSERT_TRUE(id) << "the schema's allOf names an unknown profile " << name;
    const auto mine = records_of(profile(*id));
    std::set<std::string> required;
    required_pointers(entry["then"], "", required);
    for (const std::string& r : required)
      EXPECT_TRUE(
          std::any_of(mine.begin(), mine.end(),
                      [&](const std::string& m) { return (m + "/").rfind(r + "/", 0) == 0; }))
          << name << ": the schema requires " << r << ", which the profile does not record";
  }
}

}  // namespace
}  // namespace dc

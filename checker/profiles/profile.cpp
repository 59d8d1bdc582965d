// See profile.h.
#include "profiles/profile.h"

#include <algorithm>
#include <array>

namespace dc {
namespace {

const std::array<const Profile*, 4>& table() {
  static const std::array<const Profile*, 4> all{&sysv_profile(), &systemd_profile(),
                                                 &service_profile(), &control_profile()};
  return all;
}

}  // namespace

bool Profile::runs(ProbeStep step) const {
  return std::find(probes.begin(), probes.end(), step) != probes.end();
}

const Phase* Profile::phase(std::string_view key) const {
  for (const Phase& p : phases)
    if (p.key == key) return &p;
  return nullptr;
}

const Profile& profile(ProfileId id) {
  for (const Profile* p : table())
    if (p->id == id) return *p;
  return *table().front();
}

std::optional<ProfileId> profile_named(std::string_view name) {
  for (const Profile* p : table())
    if (p->name == name) return p->id;
  return std::nullopt;
}

std::span<const Profile* const> all_profiles() {
  return table();
}

std::string profile_name_list(std::string_view separator) {
  std::string out;
  for (const Profile* p : table()) {
    if (!out.empty()) out += separator;
    out += p->name;
  }
  return out;
}

}  // namespace dc

// Specifiers of systemd.unit(5) ("%n", "%i", ...) as the system manager
// resolves them for a service. Pure: what depends on the host (host name,
// machine and boot id, kernel release) comes in through SpecifierHost, which
// the caller fills; the rest follows from the unit's name and from systemd
// running as root (%u is "root" whatever User= says, as systemd.unit(5) notes).
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "unit/unit_file.h"

namespace dc::unit {

struct SpecifierHost {
  std::string hostname = "localhost";   // %H; %l is its first label
  std::string machine_id;               // %m
  std::string boot_id;                  // %b
  std::string kernel_release;           // %v
  std::string architecture = "x86-64";  // %a
};

// systemd's unit name unescaping: "-" reads "/", "\xNN" the byte NN.
std::string unescape_unit_name(std::string_view s);
// systemd's path unescaping (%I's sibling %f): unescaped, with a leading "/".
std::string unescape_unit_path(std::string_view s);

// `text` with every %X replaced; an unknown specifier or a lone trailing "%"
// is an Error naming it (systemd then ignores the assignment).
Result<std::string> resolve_specifiers(std::string_view text, const UnitName& name,
                                       const SpecifierHost& host);

}  // namespace dc::unit

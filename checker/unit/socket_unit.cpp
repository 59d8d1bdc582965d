// See socket_unit.h.
#include "unit/socket_unit.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <span>
#include <system_error>

#include "unit/service_config.h"

namespace dc::unit {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kListenKeys[] = {
    "ListenStream",  "ListenDatagram",     "ListenSequentialPacket", "ListenFIFO",
    "ListenSpecial", "ListenMessageQueue", "ListenNetlink",          "ListenUSBFunction"};

// [Socket] keys the check simulates besides the Listen*= ones. RemoveOnStop=
// and the check agree whatever its value: the socket's file goes with the
// check's private /run.
constexpr std::string_view kSimulatedSocketKeys[] = {
    "Accept",     "Service",     "SocketMode",  "DirectoryMode", "Backlog", "FileDescriptorName",
    "SocketUser", "SocketGroup", "RemoveOnStop"};

// The folders that are the check's own in the service mode.
constexpr std::string_view kPrivateDirs[] = {"/run", "/var/run", "/tmp", "/var/tmp"};

bool one_of(std::string_view key, std::span<const std::string_view> keys) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::optional<unsigned> parse_unsigned(std::string_view text, int base) {
  unsigned v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, base);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

// systemd's fdname_is_valid(): printable ASCII but ':', at most 255 bytes.
bool valid_fd_name(std::string_view name) {
  return !name.empty() && name.size() <= 255 && std::all_of(name.begin(), name.end(), [](char c) {
    return c >= ' ' && c <= '~' && c != ':';
  });
}

// The unit names a line lists (whitespace-separated), for Sockets= and the
// dependency keys; an empty assignment resets the list.
std::vector<std::string> names_in(const UnitFile& unit, std::string_view section,
                                  std::string_view key) {
  std::vector<std::string> out;
  for (const Assignment* a : unit.all(section, key)) {
    if (a->value.empty()) {
      out.clear();
      continue;
    }
    size_t at = 0;
    while (at < a->value.size()) {
      const size_t start = a->value.find_first_not_of(" \t", at);
      if (start == std::string::npos) break;
      const size_t end = a->value.find_first_of(" \t", start);
      out.push_back(a->value.substr(start, end == std::string::npos ? end : end - start));
      at = end == std::string::npos ? a->value.size() : end;
    }
  }
  return out;
}

}  // namespace

SocketUnit read_socket_unit(const fs::path& path, const SpecifierHost& host) {
  const UnitFile file = read_socket_unit_file(path);
  SocketUnit s;
  s.path = path;
  s.dropins = file.dropins;
  s.name = file.name.full.empty() ? path.filename().string() : file.name.full;
  s.findings = file.findings;
  auto ignore = [&](const Assignment& a, std::string message) {
    s.findings.push_back({Severity::ignored, a.file, a.line, std::move(message)});
  };
  for (const Assignment& a : file.assignments) {
    if (a.section != "Socket") continue;
    if (one_of(a.key, kListenKeys)) {
      // An empty assignment resets every Listen*= list (systemd.socket(5)).
      if (a.value.empty()) {
        s.listens.clear();
        continue;
      }
      auto resolved = resolve_specifiers(a.value, file.name, host);
      if (!resolved) {
        ignore(a, a.key + "=: " + resolved.error().message() + ", ignored");
        continue;
      }
      s.listens.push_back({a.key, *resolved});
    } else if (a.key == "Accept") {
      auto b = parse_boolean(a.value);
      if (b)
        s.accept = *b;
      else
        ignore(a, "Accept=" + excerpt(a.value) + " is not a boolean, ignored");
    } else if (a.key == "Service") {
      s.service = a.value;
    } else if (a.key == "SocketMode" || a.key == "DirectoryMode") {
      auto mode = parse_unsigned(a.value, 8);
      if (!mode || *mode > 07777)
        ignore(a, a.key + "=" + excerpt(a.value) + " is not an octal mode, ignored");
      else
        (a.key == "SocketMode" ? s.socket_mode : s.directory_mode) = *mode;
    } else if (a.key == "Backlog") {
      auto n = parse_unsigned(a.value, 10);
      if (!n || *n > 0x7fffffff)
        ignore(a, "Backlog=" + excerpt(a.value) + " is not a number, ignored");
      else
        s.backlog = static_cast<int>(*n);
    } else if (a.key == "FileDescriptorName") {
      if (valid_fd_name(a.value))
        s.fd_name = a.value;
      else if (a.value.empty())
        s.fd_name.clear();
      else
        ignore(a, "FileDescriptorName=" + excerpt(a.value) + " is not a valid name, ignored");
    } else if (a.key == "SocketUser") {
      s.socket_user = a.value;
    } else if (a.key == "SocketGroup") {
      s.socket_group = a.value;
    } else if (!one_of(a.key, kSimulatedSocketKeys) &&
               std::find(s.not_simulated.begin(), s.not_simulated.end(), a.key) ==
                   s.not_simulated.end()) {
      s.not_simulated.push_back(a.key);
    }
  }
  if (s.fd_name.empty()) s.fd_name = s.name;
  if (s.listens.empty() && !has_fatal(s.findings))
    s.findings.push_back({Severity::fatal, path.string(), 0, "the socket unit listens on nothing"});
  return s;
}

std::string listen_not_simulated(const Listen& l) {
  if (l.key != "ListenStream" && l.key != "ListenDatagram" && l.key != "ListenSequentialPacket" &&
      l.key != "ListenFIFO")
    return l.key + "= is not simulated";
  if (l.address.starts_with('@'))
    return "an abstract socket belongs to the host's network namespace, which the check "
           "does not write to";
  if (!l.address.starts_with('/'))
    return l.key == "ListenFIFO" ? "a FIFO needs an absolute path"
                                 : "a network socket would listen on the host's network, "
                                   "which the check does not simulate";
  if (l.address.size() >= 108) return "the path is longer than a socket address holds";
  const bool private_dir =
      std::any_of(std::begin(kPrivateDirs), std::end(kPrivateDirs),
                  [&](std::string_view d) { return l.address.starts_with(std::string(d) + "/"); });
  if (!private_dir || l.address.find("/../") != std::string::npos || l.address.ends_with("/.."))
    return "the check makes sockets only in its private /run, /tmp and /var/tmp; this one would "
           "be made on the host";
  return "";
}

SocketActivation sockets_for(const UnitFile& service, const SpecifierHost& host,
                             const std::vector<std::string>& unit_path) {
  SocketActivation out;
  // The service's names: its own and its [Install] Alias= ones, which it is
  // known by once enabled (rsyslog.service is syslog.service, the name
  // syslog.socket triggers).
  std::vector<std::string> me{service.name.full};
  for (auto& alias : names_in(service, "Install", "Alias")) me.push_back(std::move(alias));
  // Named by the unit: Sockets=, then the socket units among its dependencies
  // that trigger it. Each once, in that order.
  std::vector<std::string> named = names_in(service, "Service", "Sockets");
  const size_t from_sockets_key = named.size();
  for (const char* key : {"Requires", "Wants", "BindsTo", "Requisite", "Upholds"})
    for (auto& n : names_in(service, "Unit", key))
      if (n.ends_with(".socket")) named.push_back(std::move(n));
  const fs::path dir = service.path.parent_path();
  std::vector<std::string> seen;
  for (size_t i = 0; i < named.size(); ++i) {
    const std::string& n = named[i];
    if (std::find(seen.begin(), seen.end(), n) != seen.end()) continue;
    seen.push_back(n);
    const std::optional<UnitName> name = split_unit_name(n);
    if (!name || name->suffix != "socket" || n.find('/') != std::string::npos) {
      out.notes.push_back("'" + excerpt(n) + "' is not a socket unit's name: ignored");
      continue;
    }
    // Beside the unit first, then where systemd looks for system units.
    fs::path path = dir / n;
    std::error_code ec;
    for (size_t d = 0; !fs::exists(path, ec) && d < unit_path.size(); ++d) {
      path = fs::path(unit_path[d]) / n;
      if (fs::exists(path, ec))
        out.notes.push_back(n + " is not beside the unit: read from " + path.string());
    }
    if (!fs::exists(path, ec)) {
      out.notes.push_back(n +
                          " is neither beside the unit nor in systemd's unit folders: its "
                          "sockets, if any, are not passed");
      continue;
    }
    SocketUnit s = read_socket_unit(path, host);
    const std::string triggers = !s.service.empty() ? s.service
                                                    : (s.accept ? service.name.prefix + "@.service"
                                                                : name->prefix + ".service");
    // Sockets= hands the sockets over whatever the socket unit triggers.
    if (i >= from_sockets_key && std::find(me.begin(), me.end(), triggers) == me.end()) continue;
    if (s.accept) {
      out.notes.push_back(n +
                          " has Accept=yes: it starts one instance per connection, "
                          "not this service");
      continue;
    }
    out.passed.push_back(std::move(s));
  }
  // A socket unit of the same name that the unit does not start: passed only
  // when the host enables it.
  const std::string own = service.name.prefix + ".socket";
  std::error_code ec;
  if (!service.name.instance && std::find(seen.begin(), seen.end(), own) == seen.end() &&
      fs::exists(dir / own, ec))
    out.notes.push_back(own +
                        " is beside the unit, but the unit does not start it (no Sockets=, "
                        "Requires= or Wants=): the service is run as when " +
                        own + " is not enabled, without its sockets");
  return out;
}

}  // namespace dc::unit

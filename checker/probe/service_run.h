// The service mode's run (service.md): the unit read and resolved before the
// check starts, then the program started the way systemd starts it for that
// unit, its start job ended as Type= says, its watchdog, reload and stop run
// as the unit says. Every fact goes into Observation::service (model/service.h)
// and the main process's /proc snapshot into Observation::daemons; the rules
// of rules/service.cpp judge them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "model/observation.h"
#include "unit/service_config.h"
#include "unit/socket_unit.h"

namespace dc {

struct ServiceRequest {
  std::string unit_path;  // empty for the systemd profile's made-up unit
  std::optional<std::string> instance;
  uint64_t watchdog_cap_usec = 2'000'000;  // --watchdog-usec
  double start_timeout_s = 10,
         stop_timeout_s = 5;  // --start-timeout, --stop-timeout lower the unit's
  // The systemd profile: the text of the unit made up from its command line
  // (unit/made_up.h), read when unit_path is empty.
  std::string made_up_text;
};

// The unit as the run will use it: read before the check's namespace is
// entered, so that a unit, a program or an EnvironmentFile= in the host's
// /tmp is still found (the service then gets a fresh /tmp).
struct LoadedUnit {
  unit::ServiceConfig config;
  UnitFacts facts;
  std::string program;  // ExecStart='s program, absolute
  // EnvironmentFile= assignments, in order; a required file that is missing
  // fails the start as systemd's does (result "resources").
  std::vector<std::pair<std::string, std::string>> file_environment;
  std::vector<std::string> missing_environment_files;
  // User=, Group=, SupplementaryGroups= as looked up when the unit was read.
  std::optional<unsigned> uid, gid;
  std::vector<unsigned> groups;
  std::string home, shell;  // User='s, for HOME, SHELL and WorkingDirectory=~
  // The manager's environment (PassEnvironment= takes from it), and its LANG.
  std::vector<std::pair<std::string, std::string>> manager_environment;
  // The socket units whose sockets ExecStart= gets (unit/socket_unit.h).
  std::vector<unit::SocketUnit> sockets;
  // False when systemd would refuse the unit: the findings say why, and
  // nothing is launched.
  bool launchable = false;
};

// Reads and resolves the unit. An Error is "the check cannot be run" (exit
// status 3): the unit file is missing or unreadable, it is Type=dbus, or a
// socket unit it starts with it is invalid or listens where the check does
// not (a network port, an abstract socket, a path outside /run, /tmp and
// /var/tmp).
Result<LoadedUnit> load_unit(const ServiceRequest& request);

struct ServiceContext {
  std::string tmp;           // the check's temp folder (NOTIFY_SOCKET lives there)
  double deadline_ms;        // the whole check's end (--timeout)
  bool dirty = false;        // --dirty: a pty on stdin and planted descriptors on top
  bool private_run = false;  // /run, /tmp, /var/tmp are the check's own
  // Host entries shown in those folders (Isolation::kept): a relaunch's
  // fresh folders keep them.
  std::vector<std::string> kept;
};

// Starts, watches, reloads and stops the service; fills o.service, o.daemons
// (the main process) and the launch facts it has. What is still running when
// it returns is for the check's cleanup.
void run_service(const LoadedUnit& unit, const ServiceContext& ctx, Observation& o);

}  // namespace dc

// Socket activation as systemd.socket(5) gives it to a service: which socket
// units hand their listening sockets to the checked service, and what each
// listens on. Pure: it reads unit files (beside the service's, else in
// systemd's unit folders) and never opens a socket (probe/service_run.cpp
// does, inside the check's private /run).
//
// A service gets the sockets of a socket unit that triggers it and is
// running when the service starts (systemd's service_collect_fds()). Which
// socket units run depends on the host's enablement, except for those the
// service's own unit starts with it: the units named by Sockets= (which
// implies Wants= and After=) and a socket unit it Requires=, Wants=,
// BindsTo=, Requisite= or Upholds= and that triggers it (by the service's
// name or one of its [Install] Alias= names). Those are the sockets passed
// here. A
// NAME.socket beside the unit that nothing of the unit starts (Debian's
// ssh.socket, disabled by default) is passed only when enabled on the host:
// the check runs the service as without it, and says so.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "unit/specifiers.h"
#include "unit/unit_file.h"

namespace dc::unit {

// One Listen*= line: ListenStream=/run/foo.sock.
struct Listen {
  std::string key;      // ListenStream, ListenDatagram, ListenSequentialPacket, ListenFIFO, ...
  std::string address;  // specifiers resolved
};

struct SocketUnit {
  std::string name;  // foo.socket
  std::filesystem::path path;
  std::vector<std::filesystem::path> dropins;
  std::vector<Listen> listens;
  bool accept = false;
  std::string service;  // Service=; "" for the socket's own name
  unsigned socket_mode = 0666;
  unsigned directory_mode = 0755;
  int backlog = -1;         // Backlog=; -1: SOMAXCONN
  std::string fd_name;      // FileDescriptorName=; default: the unit's name
  std::string socket_user;  // SocketUser=, SocketGroup=: owner of the socket's file
  std::string socket_group;
  std::vector<std::string> not_simulated;  // keys of [Socket] present, not simulated
  std::vector<Finding> findings;
};

// Reads and resolves one socket unit with its drop-ins.
SocketUnit read_socket_unit(const std::filesystem::path& path, const SpecifierHost& host);

// Why the check cannot give this listen to the service ("" when it can): it
// makes AF_UNIX sockets on a path and FIFOs, inside the check's private
// /run, /tmp and /var/tmp; a network port or an abstract socket would be the
// host's.
std::string listen_not_simulated(const Listen& listen);

struct SocketActivation {
  std::vector<SocketUnit> passed;  // in the order their descriptors are passed (from 3)
  std::vector<std::string> notes;  // a socket unit beside the service, not passed, and why
};

// systemd's search path for system units, after the unit's own folder.
inline const std::vector<std::string> kSystemUnitPath{
    "/etc/systemd/system", "/run/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"};

// The socket units that pass their sockets to `service` (see the top of this
// file), each read from the folder of its unit file or, when it is not
// there, from the first folder of `unit_path` that has it.
SocketActivation sockets_for(const UnitFile& service, const SpecifierHost& host,
                             const std::vector<std::string>& unit_path = kSystemUnitPath);

}  // namespace dc::unit

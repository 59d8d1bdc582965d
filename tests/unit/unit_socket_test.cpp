// Socket activation (unit/socket_unit.h): which socket units hand their
// sockets to a service, read from real Debian 12 units (data/units: dbus,
// whose unit Requires= dbus.socket; rsyslog, which syslog.socket triggers
// by its alias; ssh, whose ssh.socket is beside it but disabled by default)
// and from units written into a temporary folder.
#include "unit/socket_unit.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "unit_test_data.h"

namespace dc::unit {
namespace {

namespace fs = std::filesystem;

// Hermetic: no folder of the host's is searched.
SocketActivation for_unit(const fs::path& service) {
  return sockets_for(read_unit(service, std::nullopt), SpecifierHost{}, {});
}

// The one socket unit `a` passes, which listens on one thing: key=address.
const SocketUnit& one_socket(const SocketActivation& a, const std::string& name,
                             const std::string& key, const std::string& address) {
  EXPECT_EQ(a.passed.size(), 1u);
  if (a.passed.empty()) throw std::runtime_error("no socket unit passed");
  const SocketUnit& s = a.passed.front();
  EXPECT_EQ(s.name, name);
  EXPECT_EQ(s.listens.size(), 1u);
  if (s.listens.empty()) throw std::runtime_error(name + " listens on nothing");
  EXPECT_EQ(s.listens[0].key, key);
  EXPECT_EQ(s.listens[0].address, address);
  EXPECT_EQ(listen_not_simulated(s.listens[0]), "");
  return s;
}

TEST(SocketActivation, DbusGetsTheSocketItsUnitRequires) {
  const SocketActivation a = for_unit(kUnitData / "dbus.service");
  const SocketUnit& s = one_socket(a, "dbus.socket", "ListenStream", "/run/dbus/system_bus_socket");
  EXPECT_EQ(s.fd_name, "dbus.socket");
  EXPECT_EQ(s.socket_mode, 0666u);
  EXPECT_TRUE(a.notes.empty());
}

TEST(SocketActivation, SshRunsWithoutTheSocketItsUnitDoesNotStart) {
  const SocketActivation a = for_unit(kUnitData / "ssh.service");
  EXPECT_TRUE(a.passed.empty());
  ASSERT_EQ(a.notes.size(), 1u);
  EXPECT_NE(a.notes[0].find("ssh.socket is beside the unit, but the unit does not start it"),
            std::string::npos)
      << a.notes[0];
  // Were it passed, its port would be the host's: not simulated.
  const SocketUnit ssh = read_socket_unit(kUnitData / "ssh.socket", SpecifierHost{});
  ASSERT_EQ(ssh.listens.size(), 1u);
  EXPECT_NE(listen_not_simulated(ssh.listens[0]).find("host's network"), std::string::npos);
}

TEST(SocketActivation, RsyslogGetsTheSyslogSocketThroughItsAlias) {
  // syslog.socket has Service=syslog.service: rsyslog.service's Alias=.
  const SocketActivation a = for_unit(kUnitData / "rsyslog.service");
  const SocketUnit& s =
      one_socket(a, "syslog.socket", "ListenDatagram", "/run/systemd/journal/syslog");
  EXPECT_EQ(s.not_simulated,
            (std::vector<std::string>{"PassCredentials", "PassSecurity", "ReceiveBuffer"}));
}

TEST(SocketActivation, SocketsKeyPassesInOrderWithNamesAndModes) {
  UnitDir d;
  d.write("a.socket",
          "[Socket]\nListenStream=/run/a/one\nListenDatagram=/run/a/two\n"
          "FileDescriptorName=first\nSocketMode=0600\nDirectoryMode=0700\nBacklog=7\n"
          "Service=other.service\nWritable=yes\n");
  d.write("b.socket", "[Socket]\nListenSequentialPacket=%t/b.sock\nListenFIFO=/tmp/b.fifo\n");
  const SocketActivation a = for_unit(
      d.write("svc.service", "[Service]\nExecStart=/bin/true\nSockets=a.socket b.socket\n"));
  ASSERT_EQ(a.passed.size(), 2u);
  const SocketUnit& first = a.passed[0];
  EXPECT_EQ(first.fd_name, "first");
  EXPECT_EQ(first.socket_mode, 0600u);
  EXPECT_EQ(first.directory_mode, 0700u);
  EXPECT_EQ(first.backlog, 7);
  ASSERT_EQ(first.listens.size(), 2u);
  EXPECT_EQ(first.listens[1].key, "ListenDatagram");
  EXPECT_EQ(first.not_simulated, std::vector<std::string>{"Writable"});
  const SocketUnit& second = a.passed[1];
  EXPECT_EQ(second.fd_name, "b.socket");
  ASSERT_EQ(second.listens.size(), 2u);
  EXPECT_EQ(second.listens[0].address, "/run/b.sock");  // %t: the system manager's /run
  EXPECT_EQ(listen_not_simulated(second.listens[1]), "");
}

TEST(SocketActivation, ADependencyPassesOnlyASocketThatTriggersTheService) {
  UnitDir d;
  d.write("svc.socket", "[Socket]\nListenStream=/run/svc.sock\n");
  d.write("log.socket", "[Socket]\nListenDatagram=/run/log.sock\n");  // triggers log.service
  d.write("per.socket", "[Socket]\nListenStream=/run/per.sock\nAccept=yes\n");
  d.write("mine.socket", "[Socket]\nListenStream=/run/mine.sock\nService=svc.service\n");
  const SocketActivation a = for_unit(
      d.write("svc.service",
              "[Unit]\nRequires=svc.socket log.socket\nWants=per.socket\nBindsTo=mine.socket\n"
              "[Service]\nExecStart=/bin/true\n"));
  ASSERT_EQ(a.passed.size(), 2u);
  EXPECT_EQ(a.passed[0].name, "svc.socket");
  EXPECT_EQ(a.passed[1].name, "mine.socket");
}

TEST(SocketActivation, ANameThatIsNoSocketUnitIsNotedNotRead) {
  UnitDir d;
  fs::create_directories(fs::path(d.path()) / "sub");
  d.write("sub/x.socket", "[Socket]\nListenStream=/run/x\n");
  d.write(".socket", "[Socket]\nListenStream=/run/y\n");
  const SocketActivation a = for_unit(d.write(
      "svc.service", "[Service]\nExecStart=/bin/true\nSockets=sub/x.socket .socket x.service\n"));
  EXPECT_TRUE(a.passed.empty());
  EXPECT_EQ(a.notes.size(), 3u);
}

TEST(SocketActivation, ASocketUnitNotBesideTheUnitIsReadFromSystemdsFolders) {
  UnitDir d, system;
  system.write("far.socket", "[Socket]\nListenStream=/run/far.sock\n");
  const fs::path service = d.write(
      "far.service", "[Unit]\nRequires=far.socket gone.socket\n[Service]\nExecStart=/bin/true\n");
  const SocketActivation a = sockets_for(read_unit(service, std::nullopt), SpecifierHost{},
                                         {"/nonexistent", system.path()});
  ASSERT_EQ(a.passed.size(), 1u);
  EXPECT_EQ(a.passed[0].path, fs::path(system.path()) / "far.socket");
  ASSERT_EQ(a.notes.size(), 2u);
  EXPECT_NE(a.notes[0].find("read from " + system.path()), std::string::npos) << a.notes[0];
  EXPECT_NE(a.notes[1].find("gone.socket is neither beside"), std::string::npos) << a.notes[1];
}

TEST(SocketActivation, AnEmptyListenResetsEveryListenBefore) {
  UnitDir d;
  const SocketUnit s =
      read_socket_unit(d.write("r.socket",
                               "[Socket]\nListenStream=/run/x\nListenFIFO=/run/y\nListenStream=\n"
                               "ListenDatagram=/run/z\n"),
                       SpecifierHost{});
  ASSERT_EQ(s.listens.size(), 1u);
  EXPECT_EQ(s.listens[0].address, "/run/z");
  const SocketUnit none =
      read_socket_unit(d.write("n.socket", "[Socket]\nListenStream=\n"), SpecifierHost{});
  EXPECT_TRUE(has_fatal(none.findings));
}

TEST(SocketActivation, WhatWouldBeTheHostsIsNotSimulated) {
  for (const char* address :
       {"22", "0.0.0.0:80", "[::]:443", "@abstract", "/var/lib/x/sock", "/run/../etc/sock"})
    EXPECT_NE(listen_not_simulated({"ListenStream", address}), "") << address;
  EXPECT_NE(listen_not_simulated({"ListenNetlink", "kobject-uevent 1"}), "");
  EXPECT_EQ(listen_not_simulated({"ListenStream", "/var/run/x.sock"}), "");
  EXPECT_EQ(listen_not_simulated({"ListenDatagram", "/var/tmp/d/x"}), "");
}

}  // namespace
}  // namespace dc::unit

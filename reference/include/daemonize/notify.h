// systemd's service protocol, without libsystemd: the datagrams of sd_notify(3)
// (READY=1, RELOADING=1, STOPPING=1, WATCHDOG=1, STATUS=) and the watchdog's
// environment of sd_watchdog_enabled(3). The variables systemd hands to a
// service's main process are read once and then removed, so that no child
// ever speaks for the service.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemonize/error.h"

namespace daemonize {

// Sends one sd_notify message ("READY=1", "STATUS=...", "STOPPING=1") to the
// datagram socket NOTIFY_SOCKET names; a leading '@' is Linux's abstract
// namespace. The protocol is one datagram, so no library is needed.
Result<void> sd_notify(const std::string& socket, std::string_view message);

// CLOCK_MONOTONIC in microseconds: systemd's clock for MONOTONIC_USEC=.
uint64_t monotonic_usec();

// What a Type=notify-reload service sends when the reload signal arrives:
// "RELOADING=1" and the time it started reloading (`now_usec`, CLOCK_MONOTONIC),
// in one datagram. systemd uses the time to tell this reload from a stale
// one; since v253 it treats a RELOADING=1 without it as a protocol error.
std::string reloading_message(uint64_t now_usec);

// The names of the variables systemd sets for the main process alone:
// NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID. A child that inherited
// NOTIFY_SOCKET could send READY=1 or STOPPING=1 in the service's name, and
// one that inherited WATCHDOG_USEC would feed a watchdog that is not its own
// (sd_notify(3) and sd_watchdog_enabled(3) unset them for that reason).
bool is_service_variable(std::string_view entry);  // "NAME=VALUE" or "NAME"

// sd_watchdog_enabled(3): systemd expects WATCHDOG=1 from process `self`
// when WATCHDOG_USEC holds a positive number of microseconds and WATCHDOG_PID
// is unset or names `self` (a process that forked is not the one watched).
// Returns WATCHDOG_USEC, or nothing when no watchdog is expected from `self`.
std::optional<std::chrono::microseconds> watchdog_timeout(const char* watchdog_usec,
                                                          const char* watchdog_pid, pid_t self);

// How often to send WATCHDOG=1: half the timeout, as sd_watchdog_enabled(3)
// advises, so that one late wake-up does not make systemd kill the service.
inline std::chrono::microseconds watchdog_period(std::chrono::microseconds timeout) {
  return timeout / 2;
}

}  // namespace daemonize

// sd_notify, the reload's timestamp, the watchdog's environment.
#include "daemonize/notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <cstddef>
#include <cstring>
#include <ctime>

#include "daemonize/unique_fd.h"

namespace daemonize {

Result<void> sd_notify(const std::string& socket, std::string_view message) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket.empty() || socket.size() >= sizeof address.sun_path ||
      (socket[0] != '/' && socket[0] != '@')) {
    return Error{"sd_notify", socket, EINVAL, "NOTIFY_SOCKET is not a path or @name"};
  }
  std::memcpy(address.sun_path, socket.data(), socket.size());
  if (socket[0] == '@') address.sun_path[0] = '\0';  // abstract: no file, no permissions
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket.size());

  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) return os_error("sd_notify socket", socket);
  if (::sendto(fd.get(), message.data(), message.size(), MSG_NOSIGNAL,
               reinterpret_cast<const sockaddr*>(&address), length) < 0) {  // NOLINT
    return os_error("sd_notify", socket);
  }
  return {};
}

uint64_t monotonic_usec() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<uint64_t>(now.tv_sec) * 1'000'000 + static_cast<uint64_t>(now.tv_nsec) / 1000;
}

std::string reloading_message(uint64_t now_usec) {
  return "RELOADING=1\nMONOTONIC_USEC=" + std::to_string(now_usec);
}

bool is_service_variable(std::string_view entry) {
  const std::string_view name = entry.substr(0, entry.find('='));
  return name == "NOTIFY_SOCKET" || name == "WATCHDOG_USEC" || name == "WATCHDOG_PID";
}

namespace {

// A whole decimal number, nothing before or after it; nothing otherwise.
template <class T>
std::optional<T> whole_number(const char* text) {
  if (text == nullptr) return std::nullopt;
  const char* end = text + std::strlen(text);
  T value{};
  const auto [ptr, ec] = std::from_chars(text, end, value);
  if (ec != std::errc() || ptr != end || ptr == text) return std::nullopt;
  return value;
}

}  // namespace

std::optional<std::chrono::microseconds> watchdog_timeout(const char* watchdog_usec,
                                                          const char* watchdog_pid, pid_t self) {
  const auto usec = whole_number<std::chrono::microseconds::rep>(watchdog_usec);
  if (!usec || *usec <= 0) return std::nullopt;
  if (watchdog_pid != nullptr && whole_number<pid_t>(watchdog_pid) != self) return std::nullopt;
  return std::chrono::microseconds(*usec);
}

}  // namespace daemonize

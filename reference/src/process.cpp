// Launcher detection, core dumps, credentials.
#include "daemonize/process.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "daemonize/fd.h"

namespace daemonize {

Launcher observe_launcher() {
  Launcher launcher;
  launcher.ppid = ::getppid();
  struct stat st {};
  launcher.stdin_is_socket = ::fstat(STDIN_FILENO, &st) == 0 && S_ISSOCK(st.st_mode);
  launcher.invocation_id = std::getenv("INVOCATION_ID") != nullptr;
  if (const char* socket = std::getenv("NOTIFY_SOCKET")) launcher.notify_socket = socket;
  return launcher;
}

bool should_detach(const Launcher& launcher) {
  return launcher.ppid != 1 && !launcher.stdin_is_socket && !launcher.invocation_id &&
         launcher.notify_socket.empty();
}

Result<void> prevent_core_dumps() {
  const rlimit none{0, 0};
  if (::setrlimit(RLIMIT_CORE, &none) != 0) return os_error("setrlimit", "RLIMIT_CORE 0");
  return {};
}

Result<Credentials> resolve_credentials(std::optional<uid_t> uid, std::optional<gid_t> gid,
                                        bool initgroups) {
  Credentials credentials{uid.value_or(::getuid()), gid.value_or(::getgid()), {}, false};
  if (!uid || *uid == ::getuid()) return credentials;
  credentials.set_groups = true;
  const passwd* user = ::getpwuid(*uid);
  if (user == nullptr && (!gid || initgroups)) {
    return Error{"look up user", "uid " + std::to_string(*uid), 0, "no such user; give a gid"};
  }
  if (!gid) credentials.gid = user->pw_gid;
  if (!initgroups) return credentials;
  int count = 64;
  credentials.groups.resize(static_cast<size_t>(count));
  while (::getgrouplist(user->pw_name, credentials.gid, credentials.groups.data(), &count) < 0) {
    credentials.groups.resize(static_cast<size_t>(count));  // count now says how many it needs
  }
  credentials.groups.resize(static_cast<size_t>(count));
  return credentials;
}

Result<void> drop_privileges(const Credentials& credentials) {
  if (credentials.set_groups &&
      ::setgroups(credentials.groups.size(), credentials.groups.data()) != 0) {
    return os_error("setgroups", std::to_string(credentials.groups.size()) + " groups");
  }
  if (::setresgid(credentials.gid, credentials.gid, credentials.gid) != 0) {
    return os_error("setgid", "gid " + std::to_string(credentials.gid));
  }
  if (::setresuid(credentials.uid, credentials.uid, credentials.uid) != 0) {
    return os_error("setuid", "uid " + std::to_string(credentials.uid));
  }
  return {};
}

pid_t parent_of(pid_t pid) {
  UniqueFd stat(::open(("/proc/" + std::to_string(pid) + "/stat").c_str(), O_RDONLY | O_CLOEXEC));
  char text[1024];
  const ssize_t n = stat ? ::read(stat.get(), text, sizeof text - 1) : -1;
  if (n <= 0) return 0;
  text[n] = '\0';
  // The name (field 2) may hold spaces and parentheses: fields 3 on follow the last ')'.
  const char* after_name = std::strrchr(text, ')');
  char state = 0;
  int parent = 0;
  if (after_name == nullptr || std::sscanf(after_name + 1, " %c %d", &state, &parent) != 2)
    return 0;
  return parent;
}

}  // namespace daemonize

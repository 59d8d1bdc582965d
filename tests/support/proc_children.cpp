// See proc_children.h.
#include "proc_children.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>

#include "parse/proc_parse.h"

namespace dc::test {

std::string read_whole(const std::string& path) {
  std::string content;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return content;
  char buffer[65536];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;)
    content.append(buffer, static_cast<size_t>(n));
  ::close(fd);
  return content;
}

std::vector<pid_t> children_of(pid_t parent, Zombies zombies) {
  std::vector<pid_t> out;
  std::unique_ptr<DIR, int (*)(DIR*)> proc(::opendir("/proc"), ::closedir);
  if (!proc) return out;
  while (const dirent* e = ::readdir(proc.get())) {
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) continue;
    auto stat = observe::parse_stat(read_whole("/proc/" + std::string(e->d_name) + "/stat"));
    if (!stat || stat->ppid != parent) continue;
    if (zombies == Zombies::Exclude && stat->state == 'Z') continue;
    out.push_back(pid);
  }
  return out;
}

std::vector<pid_t> live_children() {
  return children_of(::getpid(), Zombies::Exclude);
}

}  // namespace dc::test

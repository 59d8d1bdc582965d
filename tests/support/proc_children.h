// The processes whose parent is a given one, read from /proc with the
// checker's own parser (parse/proc_parse.h). Tests that make themselves a
// child subreaper count with it what a daemon or a check left behind.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace dc::test {

enum class Zombies { Include, Exclude };

// Children of `parent` (this process by default); a zombie is a child too
// unless excluded. A process that exits during the scan is left out.
std::vector<pid_t> children_of(pid_t parent, Zombies zombies = Zombies::Exclude);
std::vector<pid_t> live_children();

// A whole file read with read(2): a /proc file of a process that exits
// meanwhile reads ESRCH, which a stream would turn into an exception.
std::string read_whole(const std::string& path);

}  // namespace dc::test

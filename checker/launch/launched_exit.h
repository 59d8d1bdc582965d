// Waiting for a launched process to exit, as its session holder reports it:
// shared by the check's own launch and by every action of a control check.
#pragma once

#include "launch/launcher.h"

namespace dc {

// Waits (bounded by deadline_ms) for the launched process to exit, as the
// session holder reports it. When the launched process is gone and the
// holder does not say so, the holder may be stopped (it is continued). When
// the holder dies first (the target signalled its parent), the launched
// process was re-parented to the checker, which reaps it: its exit is read
// from the Reaper instead. launch.exited() tells whether it was seen.
void wait_launched_exit(Launch& launch, double deadline_ms);

}  // namespace dc

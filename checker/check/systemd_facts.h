// The systemd profile (`--profile systemd -- CMD`) runs through the service
// launch with a unit made up from its command line (unit/made_up.h), and is
// still judged by its own rules: stays-in-foreground, sd-notify-ready,
// stdio-open, sighup-handled, sigterm-exits and sigterm-cleanup keep their
// meaning (service.md). This turns what the service launch saw into the facts
// those rules read: the start into the foreground run, the unit's stop into
// the SIGTERM probe. SIGHUP and the main process's /proc snapshot are the
// service launch's own already.
#pragma once

#include "model/observation.h"

namespace dc {

// Fills o.probes.foreground and o.probes.sigterm from o.service (which must be
// set). `pidfile_left`: whether --pidfile's file still existed after the stop
// (nullopt without --pidfile).
void systemd_facts_from_service(Observation& o, std::optional<bool> pidfile_left);

}  // namespace dc

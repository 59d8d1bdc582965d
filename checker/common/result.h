// Result<T>: a value or an Error that says which step failed, on what, and why.
// Errors are values here: nothing that can fail throws across a module boundary.
// The types are the reference library's (daemonize/error.h): the checker and
// the daemonizer it teaches report a failure in the same four parts, and
// Error::message() is the one line either prints.
#pragma once

#include "daemonize/error.h"

namespace dc {

using daemonize::Error;
using daemonize::os_error;
using daemonize::Result;

}  // namespace dc

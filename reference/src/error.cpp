// Error::message(): the one line a failed step prints.
#include <cstring>

#include "daemonize/error.h"

namespace daemonize {

std::string Error::message() const {
  std::string line = step;
  if (!subject.empty()) line += " " + subject;
  line += ": ";
  if (!detail.empty()) line += detail;
  if (!detail.empty() && err != 0) line += " (";
  if (err != 0) line += std::strerror(err);
  if (!detail.empty() && err != 0) line += ")";
  return line;
}

Error os_error(std::string step, std::string subject, int err) {
  return Error{std::move(step), std::move(subject), err, {}};
}

}  // namespace daemonize

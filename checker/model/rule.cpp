#include "model/rule.h"

namespace dc {

const char* to_string(Status s) {
  switch (s) {
    case Status::Pass:
      return "pass";
    case Status::Fail:
      return "fail";
    case Status::Skip:
      return "skip";
    case Status::Error:
      return "error";
    case Status::Waived:
      return "waived";
  }
  return "error";
}

const char* to_string(Severity s) {
  switch (s) {
    case Severity::Required:
      return "required";
    case Severity::Recommended:
      return "recommended";
    case Severity::Info:
      return "info";
  }
  return "required";
}

}  // namespace dc

// The libFuzzer entry point of one target; DC_FUZZ_TARGET names it (see
// CMakeLists.txt, which builds fuzz_<target> for each).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_targets.h"

namespace {

const dc::fuzz::Target& chosen() {
  static const dc::fuzz::Target* target = [] {
    for (const dc::fuzz::Target& t : dc::fuzz::targets())
      if (t.name == DC_FUZZ_TARGET) return &t;
    std::abort();
  }();
  return *target;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  chosen().run(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}

// Replays every kept fuzzing input (corpus/<target>/*) through its target, so
// a parser change that breaks a promise on a once-found input fails ctest with
// any compiler. Usage: corpus_replay CORPUS_DIR
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "fuzz_targets.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: corpus_replay CORPUS_DIR\n");
    return 2;
  }
  namespace fs = std::filesystem;
  int failures = 0;
  for (const dc::fuzz::Target& target : dc::fuzz::targets()) {
    const fs::path dir = fs::path(argv[1]) / target.name;
    size_t inputs = 0;
    if (fs::is_directory(dir)) {
      for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
        std::ifstream in(entry.path(), std::ios::binary);
        std::string input((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        target.run(input);  // aborts on a broken promise
        ++inputs;
      }
    }
    if (inputs == 0) {
      std::fprintf(stderr, "corpus_replay: no inputs in %s\n", dir.c_str());
      ++failures;
    }
    std::printf("%-8s %zu inputs\n", std::string(target.name).c_str(), inputs);
  }
  return failures == 0 ? 0 : 1;
}

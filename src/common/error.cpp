#include "common/error.h"

#include <cstdio>
#include <cstdlib>

namespace movierec {

void AbortInvariant(const char* expr, const char* file, int line, const std::string& msg) {
  std::fprintf(stderr, "movierec: internal error at %s:%d: %s (%s)\n", file, line, msg.c_str(),
               expr);
  std::abort();
}

}  // namespace movierec

// Error types and exit codes shared by every layer (DESIGN.md §3, §4).
#pragma once

#include <stdexcept>
#include <string>

namespace movierec {

// Process exit codes promised on the command line.
enum ExitCode : int {
  kExitOk = 0,
  kExitRuntime = 1,  // I/O failure, database failure, internal error
  kExitUsage = 2,    // bad flag, bad config, unusable device
  kExitQuality = 3,  // data failed a blocking quality rule
};

// A failure the user can act on; carries the exit code the CLI should return.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, int exit_code = kExitRuntime)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const noexcept { return exit_code_; }

 private:
  int exit_code_;
};

// Bad flags, bad config values, an unusable --device: exit code 2.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(message, kExitUsage) {}
};

// Data that failed a blocking quality rule: exit code 3.
class QualityError : public Error {
 public:
  explicit QualityError(const std::string& message) : Error(message, kExitQuality) {}
};

[[noreturn]] void AbortInvariant(const char* expr, const char* file, int line,
                                 const std::string& msg);

}  // namespace movierec

// Broken internal invariants abort: they are bugs, not user errors.
#define MOVIEREC_ASSERT(cond, msg)                                             \
  do {                                                                         \
    if (!(cond)) ::movierec::AbortInvariant(#cond, __FILE__, __LINE__, (msg)); \
  } while (0)

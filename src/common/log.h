// Logging set-up (spdlog) shared by every subcommand.
#pragma once

#include <string>

namespace movierec {

// Accepts trace|debug|info|warn|error|critical|off in any case ("DEBUG" works, as in the
// original tool). Throws UsageError for anything else.
void SetLogLevel(const std::string& level);

// --quiet: only errors are logged and progress bars are hidden.
void SetQuiet(bool quiet);
bool IsQuiet();

}  // namespace movierec

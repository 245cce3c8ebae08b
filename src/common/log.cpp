#include "common/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cctype>

#include "common/error.h"

namespace movierec {
namespace {
std::atomic<bool> g_quiet{false};

void EnsureStderrLogger() {
  static const bool done = [] {
    auto logger = spdlog::stderr_color_mt("movierec");
    logger->set_pattern("%^[%Y-%m-%d %H:%M:%S.%e] [%l]%$ %v");
    spdlog::set_default_logger(logger);
    return true;
  }();
  (void)done;
}
}  // namespace

void SetLogLevel(const std::string& level) {
  EnsureStderrLogger();
  std::string l = level;
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return std::tolower(c); });
  if (l == "warning") l = "warn";
  auto parsed = spdlog::level::from_str(l);
  // from_str maps unknown names to "off"; only accept "off" when it was asked for.
  if (parsed == spdlog::level::off && l != "off") {
    throw UsageError("unknown log level '" + level +
                     "' (expected trace, debug, info, warn, error, critical or off)");
  }
  spdlog::set_level(g_quiet ? std::max(parsed, spdlog::level::err) : parsed);
}

void SetQuiet(bool quiet) {
  EnsureStderrLogger();
  g_quiet = quiet;
  if (quiet) spdlog::set_level(std::max(spdlog::get_level(), spdlog::level::err));
}

bool IsQuiet() { return g_quiet; }

}  // namespace movierec

// One file per subcommand: each Register* adds its subcommand to the CLI, binds its options
// to a struct and returns the function that runs it once parsing (and logging set-up) is done.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace movierec::app {

using Runner = std::function<int()>;

Runner RegisterGenerate(CLI::App& app);
Runner RegisterPipeline(CLI::App& app);
Runner RegisterRecommend(CLI::App& app);
Runner RegisterEvaluate(CLI::App& app);

}  // namespace movierec::app

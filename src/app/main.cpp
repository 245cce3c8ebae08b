// movierec: one binary, one subcommand per job (DESIGN.md §4).
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <utility>
#include <vector>

#include "app/commands.h"
#include "common/error.h"
#include "common/log.h"

int main(int argc, char** argv) {
  using namespace movierec;
  CLI::App app{"movierec: batch movie recommendations (ETL, factorisation, top-N) on CPU or GPU"};
  app.set_version_flag("--version", std::string("movierec ") + MOVIEREC_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global flags may follow the subcommand, as in the original tool

  std::string log_level = "info";
  bool quiet = false;
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error (any case)");
  app.add_flag("-q,--quiet", quiet, "Log errors only and hide progress bars");

  std::vector<std::pair<CLI::App*, app::Runner>> commands;
  auto add = [&](app::Runner (*reg)(CLI::App&)) {
    size_t before = app.get_subcommands({}).size();
    app::Runner run = reg(app);
    commands.emplace_back(app.get_subcommands({})[before], std::move(run));
  };
  add(app::RegisterGenerate);
  add(app::RegisterPipeline);
  add(app::RegisterRecommend);
  add(app::RegisterEvaluate);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }

  try {
    SetQuiet(quiet);
    SetLogLevel(log_level);
    for (auto& [sub, run] : commands) {
      if (sub->parsed()) return run();
    }
    return kExitUsage;
  } catch (const Error& e) {
    spdlog::error("{}", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    spdlog::error("unexpected failure: {}", e.what());
    return kExitRuntime;
  }
}

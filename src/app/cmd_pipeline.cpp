// `movierec pipeline`: extract → validate → transform → load → … → finalize.
#include <memory>

#include "app/commands.h"
#include "app/pipeline_runner.h"

namespace movierec::app {

Runner RegisterPipeline(CLI::App& app) {
  auto opt = std::make_shared<PipelineOptions>();
  CLI::App* cmd = app.add_subcommand("pipeline", "Run the ETL pipeline (and later the models)");
  cmd->add_option("-c,--config", opt->config, "Pipeline configuration (YAML)")
      ->capture_default_str();
  cmd->add_option("--stages", opt->stages,
                  "Stages to run: extract validate transform load train score finalize");
  cmd->add_option("--device", opt->device, "auto | cpu | gpu | gpu:N (overrides compute.device)");
  cmd->add_option("--db", opt->database, "SQLite database (overrides database.path)");
  cmd->add_option("--reports-dir", opt->reports_dir,
                  "Where run reports go (overrides reports.directory)");
  cmd->add_option("--max-workers", opt->max_workers,
                  "Worker threads, 0 = all cores (overrides performance.max_workers)")
      ->check(CLI::Range(0, 1024));
  cmd->add_flag("--no-progress", opt->no_progress, "Hide progress bars and progress log lines");
  return [opt] { return RunPipeline(*opt); };
}

}  // namespace movierec::app

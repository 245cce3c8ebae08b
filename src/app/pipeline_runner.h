// Runs the pipeline's stages in order (DESIGN.md §1) and writes the run report.
#pragma once

#include <string>
#include <vector>

namespace movierec::app {

struct PipelineOptions {
  std::string config = "config/pipeline_config.yaml";
  std::vector<std::string> stages;  // empty: the config's list, else every available stage
  std::string device;               // empty: the config's compute.device
  std::string database;             // empty: the config's database.path
  std::string reports_dir;          // empty: the config's reports.directory
  int max_workers = -1;             // -1: the config's performance.max_workers
  bool no_progress = false;
};

// Returns the process exit code; throws movierec::Error subclasses for failures.
int RunPipeline(const PipelineOptions& options);

}  // namespace movierec::app

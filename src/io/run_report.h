// The run report: reports/pipeline_report_<timestamp>.json with per-stage wall time, rows in
// and out, throughput, peak RSS, per-file accounting, quality results and warnings.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/dataset.h"

namespace movierec::io {

struct StageTiming {
  std::string name;
  double seconds = 0;
  int64_t rows_in = 0;
  int64_t rows_out = 0;
};

struct RunReport {
  int64_t run_id = 0;  // 0 when nothing was written to the database
  std::string status = "success";
  std::string error;
  int64_t started_at = 0;
  int64_t finished_at = 0;
  std::string config_file;
  std::string config_hash;
  std::string database;
  std::string device;
  std::vector<StageTiming> stages;
  std::vector<SourceStats> sources;
  std::vector<QualityResult> quality;
  std::vector<RejectedRow> rejected_sample;  // the first few, for a quick look
  int64_t rejected_total = 0;
  std::vector<std::string> warnings;
  std::vector<double> rating_histogram;  // shares of 0.5 .. 5.0 in the loaded ratings
  nlohmann::json models = nlohmann::json::array();  // trained / scored models, one object each

  nlohmann::json ToJson() const;
  // Writes <dir>/pipeline_report_<yyyymmdd_hhmmss>_<run>.json; returns the path.
  std::string Write(const std::string& dir) const;
};

// Writes every quarantined row to <dir>/rejected_<run>.csv (source_file,line,rule,reason,raw),
// RFC 4180 quoted; returns the path.
std::string WriteRejectedCsv(const std::string& dir, int64_t run_id,
                             const std::vector<RejectedRow>& rows);

// Peak resident set size of this process so far, in bytes.
int64_t PeakRssBytes();

// Seconds since the epoch, now.
int64_t UnixNow();

}  // namespace movierec::io

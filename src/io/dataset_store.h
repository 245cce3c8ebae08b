// Writes a transformed Dataset into SQLite: one transaction that replaces the ETL tables,
// bulk multi-row INSERTs, secondary indexes dropped before and rebuilt after the load, and
// the run's etl_runs and data_quality_reports rows. A failure or a kill at any point leaves
// the previous contents intact (the transaction never commits).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/dataset.h"
#include "io/sqlite_db.h"

namespace movierec::io {

struct RunRecord {
  int64_t started_at = 0;  // unix seconds
  int64_t finished_at = 0;
  std::string status = "success";
  std::string config_hash;
  std::string stages;
  std::string device;
  std::string counts_json;
  std::string timings_json;
  std::string error;
  std::string report_path;
};

struct LoadOptions {
  int batch_size = 10000;  // rows per progress tick and per statement batch (capped by SQLite)
  bool progress = true;
};

struct LoadStats {
  int64_t rows = 0;  // data rows written, all tables
  double seconds = 0;
  double index_seconds = 0;
  double checkpoint_seconds = 0;
};

// Runs the whole load in one transaction: the run's etl_runs row (as given in `run`), every
// ETL table replaced, rejected rows and quality results tagged with the new run id, which is
// stored in *run_id_out.
LoadStats LoadDataset(Database& db, const Dataset& data, const RunRecord& run,
                      const LoadOptions& options, int64_t* run_id_out);

// Records a run that wrote no ETL data (e.g. --stages train score) in its own transaction.
int64_t InsertRun(Database& db, const RunRecord& run);
void UpdateRun(Database& db, int64_t run_id, const RunRecord& run);

// The dense indexes the database holds: the id at each index, kVacantId for a gap (index
// order). Both empty for a database without ETL tables. The index space ends at the highest
// index in use: trailing gaps of an earlier run are not remembered.
struct StoredIndexes {
  std::vector<int64_t> user_ids;
  std::vector<int64_t> movie_ids;
};
StoredIndexes ReadStoredIndexes(Database& db);

}  // namespace movierec::io

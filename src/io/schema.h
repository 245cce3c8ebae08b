// The SQLite schema (DESIGN.md §4): the original tool's tables plus ours, created idempotently.
#pragma once

#include <string>
#include <vector>

#include "io/sqlite_db.h"

namespace movierec::io {

// 1: the ETL tables. 2: movie.language_name, models, recommendation_cache_stats.
constexpr int kSchemaVersion = 2;

// Creates every table and index that does not exist yet and records the schema version.
// Throws when the file holds a newer, unknown schema version.
void EnsureSchema(Database& db);

// Tables rebuilt from the inputs by each load (everything else keeps its history).
const std::vector<std::string>& EtlDataTables();

// Secondary indexes on the ETL tables: dropped before a bulk load, created after it.
struct IndexDef {
  std::string name;
  std::string sql;
};
const std::vector<IndexDef>& EtlSecondaryIndexes();

}  // namespace movierec::io

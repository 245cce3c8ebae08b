// Multi-row INSERTs for bulk writes (the ETL load, published recommendations).
#pragma once

#include <algorithm>
#include <memory>
#include <string>

#include "io/progress.h"
#include "io/sqlite_db.h"

namespace movierec::io {

// A prepared multi-row INSERT: rows go in batches of `rows_per_stmt`, the tail one by one.
class BulkInserter {
 public:
  // `target` is "table (col, ...)": naming the columns keeps loads working on a database that
  // has gained columns since.
  BulkInserter(Database& db, const std::string& target, int columns) : db_(db), columns_(columns) {
    // SQLite allows 32766 parameters per statement; ~500 rows per statement is the sweet spot.
    rows_per_stmt_ = std::max(1, std::min(500, 32766 / columns));
    batch_ = std::make_unique<Statement>(db.Prepare(Sql(target, rows_per_stmt_)));
    single_ = std::make_unique<Statement>(db.Prepare(Sql(target, 1)));
  }

  // bind(stmt, first_param, i) binds row i to parameters first_param..first_param+columns-1.
  template <class Bind>
  void InsertAll(size_t n, Bind bind, Progress* progress) {
    size_t i = 0;
    for (; i + rows_per_stmt_ <= n; i += rows_per_stmt_) {
      for (int r = 0; r < rows_per_stmt_; ++r) bind(*batch_, 1 + r * columns_, i + r);
      batch_->Run();
      if (progress) progress->Add(rows_per_stmt_);
    }
    for (; i < n; ++i) {
      bind(*single_, 1, i);
      single_->Run();
      if (progress) progress->Add(1);
    }
  }

 private:
  std::string Sql(const std::string& table, int rows) const {
    std::string one = "(";
    for (int c = 0; c < columns_; ++c) one += c ? ",?" : "?";
    one += ")";
    std::string sql = "INSERT INTO " + table + " VALUES ";
    sql.reserve(sql.size() + rows * (one.size() + 1));
    for (int r = 0; r < rows; ++r) sql += (r ? "," : "") + one;
    return sql;
  }

  Database& db_;
  int columns_;
  int rows_per_stmt_;
  std::unique_ptr<Statement> batch_;
  std::unique_ptr<Statement> single_;
};

}  // namespace movierec::io

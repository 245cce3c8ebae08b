// A thin RAII layer over sqlite3: a connection, prepared statements, and a transaction guard
// that rolls back unless committed. Every failure throws movierec::Error with SQLite's message.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace movierec::io {

class Statement;

class Database {
 public:
  enum class Mode { kReadWrite, kReadOnly };
  // Opens (creating when kReadWrite) the file, with foreign keys on and a busy timeout.
  explicit Database(const std::string& path, Mode mode = Mode::kReadWrite);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void Exec(const std::string& sql);
  Statement Prepare(const std::string& sql);
  int64_t QueryInt(const std::string& sql);  // first column of the first row
  int64_t LastInsertId() const;
  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;

  // Binding: 1-based parameter index.
  void Bind(int i, int64_t v) { Check(sqlite3_bind_int64(stmt_, i, v)); }
  void Bind(int i, int v) { Check(sqlite3_bind_int64(stmt_, i, v)); }
  void Bind(int i, double v) { Check(sqlite3_bind_double(stmt_, i, v)); }
  void Bind(int i, std::string_view v) {
    Check(sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8));
  }
  void Bind(int i, const char*) = delete;  // avoid accidental pointer-to-bool; use string_view
  void BindNull(int i) { Check(sqlite3_bind_null(stmt_, i)); }
  template <class T>
  void Bind(int i, const std::optional<T>& v) {
    if (v)
      Bind(i, *v);
    else
      BindNull(i);
  }
  // A temporary string: SQLite copies it.
  void BindCopy(int i, const std::string& v) {
    if (v.empty())
      BindNull(i);
    else
      Check(sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  // Text that may be empty: empty binds NULL. The text must outlive the next Step().
  void BindTextOrNull(int i, std::string_view v) {
    if (v.empty())
      BindNull(i);
    else
      Bind(i, v);
  }

  // Steps once: true when a row is available.
  bool Step();
  // Steps to completion and resets, for INSERT/UPDATE.
  void Run();
  void Reset();

  int ColumnCount() const { return sqlite3_column_count(stmt_); }
  int64_t ColumnInt(int i) const { return sqlite3_column_int64(stmt_, i); }
  double ColumnDouble(int i) const { return sqlite3_column_double(stmt_, i); }
  std::string ColumnText(int i) const;
  bool ColumnIsNull(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

 private:
  void Check(int rc);
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE on construction; ROLLBACK in the destructor unless Commit() was called.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  void Commit();

 private:
  Database& db_;
  bool done_ = false;
};

// A read-only stretch of work seen as one snapshot: BEGIN (deferred) on construction, COMMIT
// in the destructor. Many small queries then take the file locks once instead of each time.
class ReadTransaction {
 public:
  explicit ReadTransaction(Database& db);
  ~ReadTransaction();
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;

 private:
  Database& db_;
};

}  // namespace movierec::io

// One delimited-text reader for every input (DESIGN.md §4): RFC 4180 quoting (quotes, doubled
// quotes, embedded delimiters and newlines), CRLF or LF, single-char delimiters (',' '\t' '|')
// or "::", exact 1-based physical line numbers, and parallel parsing of large inputs in chunks
// that stay correct when a quoted field spans a chunk boundary.
//
// Malformed records (an unterminated quote, a closing quote followed by junk) are delivered
// with `error` set and their raw text, so the caller can quarantine them; the reader then
// resynchronises at the next line and never stops or throws on bad data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace movierec::io {

struct CsvDialect {
  std::string delimiter = ",";  // "," "\t" "|" or "::"
  bool quoting = true;          // false: '"' is an ordinary character (MovieLens .dat, u.data)
};

struct CsvRecord {
  int64_t line = 0;        // physical line (1-based) where the record starts
  int64_t line_count = 1;  // physical lines the record spans (> 1 with quoted newlines)
  std::string_view raw;    // the record's text without its line terminator
  std::span<const std::string_view> fields;  // unquoted, "" unescaped; valid during the call
  const char* error = nullptr;               // non-null: malformed, a short reason
};

// Sequential reader over text[pos, end). Fields point into the text or into an internal
// buffer (for fields with doubled quotes); they stay valid until the next call to Next().
class CsvCursor {
 public:
  CsvCursor(std::string_view text, size_t pos, int64_t line, const CsvDialect& dialect);
  // Reads the next record; false at the end. Empty lines are skipped (they still count).
  bool Next(CsvRecord& out);
  size_t pos() const { return pos_; }     // byte offset of the next record
  int64_t line() const { return line_; }  // line number of the next record

 private:
  std::string_view text_;
  size_t pos_;
  int64_t line_;
  CsvDialect dialect_;
  std::vector<std::string_view> fields_;
  // Fields with doubled quotes are unescaped into one buffer per record; their views are set
  // once the record is complete, because the buffer may move while it grows.
  struct Unescaped {
    size_t field;
    size_t offset;
    size_t size;
  };
  std::string unescaped_;
  std::vector<Unescaped> unescaped_fields_;
  // Bit i of block_mask_ is set when block_[i] is '\n' or the delimiter's first byte: field
  // ends are found by counting trailing zeros, 64 bytes per vector scan, instead of a branch
  // per byte whose outcome depends on each field's length.
  const char* FindBoundary(const char* p, const char* end);
  const char* block_ = nullptr;
  uint64_t block_mask_ = 0;
};

// The header record (first non-empty record) and where the data after it begins.
struct CsvHeader {
  std::vector<std::string> fields;  // as written (trimmed of surrounding spaces)
  size_t data_pos = 0;              // byte offset of the first data record
  int64_t data_line = 1;            // its line number
};
CsvHeader ReadHeader(std::string_view text, const CsvDialect& dialect);

// Parses text[pos, end) on `workers` threads. The text is cut into chunks; each chunk gets a
// fresh sink from make_sink() and sees its records in order, with absolute line numbers
// (starting from `line`). Returns the sinks in chunk order, so concatenating their results
// gives the records in file order. A chunk whose start was guessed wrongly (a quoted newline
// at the cut) is re-parsed with a new sink; sinks must therefore only collect, never publish.
// An exception thrown by a sink reaches the caller (after every thread is joined) unless it
// came from such a discarded chunk. make_sink() is always called on the caller's thread.
//
//   Sink: any movable type with `void operator()(const CsvRecord&)`.
//   MakeSink: callable returning a Sink.
template <class MakeSink>
auto ParseParallel(std::string_view text, size_t pos, int64_t line, const CsvDialect& dialect,
                   int workers, MakeSink make_sink) -> std::vector<decltype(make_sink())>;

// The same with a fixed chunk size in bytes (0: automatic), for tests that need many chunks
// and cuts in awkward places. Unlike the automatic sizing, it chunks even with one worker.
template <class MakeSink>
auto ParseParallel(std::string_view text, size_t pos, int64_t line, const CsvDialect& dialect,
                   int workers, size_t chunk_bytes, MakeSink make_sink)
    -> std::vector<decltype(make_sink())>;

}  // namespace movierec::io

#include "io/csv_reader_parallel.h"  // template definition

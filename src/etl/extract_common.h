// The machinery every per-layout extractor shares: open and detect the file, parse it in
// parallel chunks, turn each record into a typed row or a rejected row, and merge the chunks.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/records.h"
#include "etl/extract.h"
#include "etl/source_layout.h"
#include "io/csv_reader.h"
#include "io/input_file.h"

namespace movierec::etl {

// What a row parser found: a failure (the row is quarantined) or fixes to optional fields
// (the row loads without the unusable value, and the fix is reported).
struct ParseFailure {
  const char* rule = nullptr;  // e.g. "parse.bad_number"
  std::string reason;
  std::vector<std::pair<const char*, std::string>> fixes;  // (rule, what was done)
  bool Fail(const char* r, std::string why) {
    rule = r;
    reason = std::move(why);
    return false;
  }
  void Fix(const char* r, std::string what) { fixes.emplace_back(r, std::move(what)); }
};

// Collects one chunk's rows. ParseRow: bool(const io::CsvRecord&, Row&, ParseFailure&).
template <class Row, class ParseRow>
struct RowSink {
  const std::string* path;
  size_t expected_fields;
  ParseRow parse;
  std::vector<Row> rows;
  std::vector<RejectedRow> rejected;
  std::vector<FieldFix> fixes;
  int64_t read = 0;

  void operator()(const io::CsvRecord& rec) {
    ++read;
    ParseFailure failure;
    if (rec.error != nullptr) {
      Reject(rec, "parse.malformed", rec.error);
      return;
    }
    if (rec.fields.size() != expected_fields) {
      Reject(rec, "parse.field_count",
             "expected " + std::to_string(expected_fields) + " fields, found " +
                 std::to_string(rec.fields.size()));
      return;
    }
    Row row{};
    if (parse(rec, row, failure)) {
      rows.push_back(std::move(row));
      for (auto& [rule, what] : failure.fixes) {
        fixes.push_back(FieldFix{*path, rec.line, rule, std::move(what)});
      }
    } else {
      Reject(rec, failure.rule, std::move(failure.reason));
    }
  }

  void Reject(const io::CsvRecord& rec, const char* rule, std::string reason) {
    rejected.push_back(RejectedRow{*path, rec.line, std::string(rec.raw), rule, std::move(reason)});
  }
};

// Opens `path`, checks it holds `kind`, and hands the decoded text and layout to `body`,
// which returns the rows read; fills the file's accounting.
struct OpenedSource {
  io::InputFile file;
  DetectedLayout layout;
  size_t data_pos = 0;
  int64_t data_line = 1;
};
OpenedSource OpenSource(SourceKind kind, const std::string& path);

// Parses the whole file in parallel and appends rows and rejects in file order.
// make_parse(const DetectedLayout&) returns the row parser for the detected layout.
template <class Row, class MakeParse>
SourceStats ParseRows(const std::string& path, SourceKind kind, int workers, MakeParse make_parse,
                      std::vector<Row>& rows, std::vector<RejectedRow>& rejected,
                      std::vector<FieldFix>& fixes) {
  OpenedSource src = OpenSource(kind, path);
  auto parse = make_parse(src.layout);
  using Sink = RowSink<Row, decltype(parse)>;
  auto sinks =
      io::ParseParallel(src.file.text(), src.data_pos, src.data_line, src.layout.dialect, workers,
                        [&] { return Sink{&path, src.layout.fields, parse, {}, {}, {}, 0}; });
  SourceStats stats;
  stats.kind = SourceKindName(kind);
  stats.path = path;
  stats.format = src.layout.name;
  stats.bytes = static_cast<int64_t>(src.file.text().size());
  size_t total = 0;
  for (const auto& s : sinks) total += s.rows.size();
  rows.reserve(rows.size() + total);
  for (auto& s : sinks) {
    stats.rows_read += s.read;
    stats.rows_quarantined += static_cast<int64_t>(s.rejected.size());
    std::move(s.rows.begin(), s.rows.end(), std::back_inserter(rows));
    std::move(s.rejected.begin(), s.rejected.end(), std::back_inserter(rejected));
    std::move(s.fixes.begin(), s.fixes.end(), std::back_inserter(fixes));
    std::vector<Row>().swap(s.rows);
  }
  return stats;
}

}  // namespace movierec::etl

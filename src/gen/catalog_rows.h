// One movie record in any movies layout (Movies.csv, movies.csv, u.item, movies.dat), written
// together with the defect the plan gave it: applied in place (invalid_utf8, quoted_field,
// bad_date) or inserted right after it (malformed_line, missing_field, duplicate_movie).
#pragma once

#include <string>
#include <vector>

#include "gen/defects.h"
#include "gen/text_out.h"

namespace movierec::gen {

struct MovieRowLayout {
  std::string file;       // for defects.csv
  std::string delimiter;  // "," "|" "::"
  bool quoting = true;    // CSV quoting; otherwise values are written raw
  bool latin1 = false;    // transcode values to latin-1 (u.item)
  int id_field = 0;
  int title_field = 0;               // the title defects act on …
  int alt_title_field = -1;          // … and a second title column, changed alike when identical
  std::string title_name = "title";  // column names for defects.csv details
  std::string alt_title_name;
  int date_field = -1;                  // bad_date target
  std::vector<int> blank_on_duplicate;  // columns a duplicate row leaves empty
};

struct MovieRow {
  std::vector<std::string> values;  // unescaped UTF-8
  std::vector<bool> force_quote;    // per value (quoted although not needed)
};

class MovieRowEmitter {
 public:
  MovieRowEmitter(MovieRowLayout layout, OutputFile& out, std::vector<DefectRecord>& defects)
      : layout_(std::move(layout)), out_(out), defects_(defects) {}

  // Writes `row` for the movie with external id `id`, applying `defect` (may be null); `rng`
  // drives the defect's details.
  void Emit(MovieRow row, const MovieDefect* defect, Rng& rng);
  std::string Render(const MovieRow& row) const;
  std::vector<std::string> RenderFields(const MovieRow& row) const;
  int64_t records() const { return records_; }  // data records written, defects included

 private:
  void SetTitles(MovieRow& row, const std::string& value) const;
  // The column an in-place title defect changes, and its name for defects.csv.
  int TitleTarget(const MovieDefect& d) const {
    return d.original_title_only && layout_.alt_title_field >= 0 ? layout_.alt_title_field
                                                                 : layout_.title_field;
  }
  int64_t Record(const std::string& text);
  void Add(int64_t line, DefectKind kind, std::string detail);

  MovieRowLayout layout_;
  OutputFile& out_;
  std::vector<DefectRecord>& defects_;
  int64_t records_ = 0;
};

}  // namespace movierec::gen

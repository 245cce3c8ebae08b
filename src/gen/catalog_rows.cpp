#include "gen/catalog_rows.h"

#include "gen/catalog.h"

namespace movierec::gen {

std::vector<std::string> MovieRowEmitter::RenderFields(const MovieRow& row) const {
  std::vector<std::string> fields;
  fields.reserve(row.values.size());
  const char delim = layout_.delimiter.size() == 1 ? layout_.delimiter[0] : ':';
  for (size_t i = 0; i < row.values.size(); ++i) {
    std::string v = layout_.latin1 ? Utf8ToLatin1(row.values[i]) : row.values[i];
    if (layout_.quoting) {
      std::string f;
      AppendCsvField(f, v, i < row.force_quote.size() && row.force_quote[i], delim);
      fields.push_back(std::move(f));
    } else {
      fields.push_back(std::move(v));
    }
  }
  return fields;
}

std::string MovieRowEmitter::Render(const MovieRow& row) const {
  std::string s;
  auto fields = RenderFields(row);
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) s += layout_.delimiter;
    s += fields[i];
  }
  s.push_back('\n');
  return s;
}

void MovieRowEmitter::SetTitles(MovieRow& row, const std::string& value) const {
  if (layout_.alt_title_field >= 0 &&
      row.values[layout_.alt_title_field] == row.values[layout_.title_field]) {
    row.values[layout_.alt_title_field] = value;
  }
  row.values[layout_.title_field] = value;
}

int64_t MovieRowEmitter::Record(const std::string& text) {
  ++records_;
  return out_.Record(text);
}

void MovieRowEmitter::Add(int64_t line, DefectKind kind, std::string detail) {
  defects_.push_back(DefectRecord{layout_.file, line, kind, std::move(detail)});
}

void MovieRowEmitter::Emit(MovieRow row, const MovieDefect* defect, Rng& rng) {
  if (defect == nullptr) {
    Record(Render(row));
    return;
  }
  const std::string id = row.values[layout_.id_field];
  switch (defect->kind) {
    case DefectKind::kInvalidUtf8:
    case DefectKind::kQuotedField: {
      const int target = TitleTarget(*defect);
      Mutation m = defect->kind == DefectKind::kInvalidUtf8
                       ? CorruptUtf8(row.values[target], rng)
                       : TrickyText(row.values[target], false, rng);
      if (target == layout_.title_field) {
        SetTitles(row, m.text);
      } else {
        row.values[target] = m.text;
      }
      const std::string& column =
          target == layout_.title_field ? layout_.title_name : layout_.alt_title_name;
      int64_t line = Record(Render(row));
      Add(line, defect->kind, column + " of MovieID " + id + ": " + m.detail);
      return;
    }
    case DefectKind::kBadDate: {
      Mutation m = BadIsoDate(rng);
      row.values[layout_.date_field] = m.text;
      int64_t line = Record(Render(row));
      Add(line, defect->kind, "release date of MovieID " + id + ": " + m.detail);
      return;
    }
    default:
      break;
  }
  // Inserted kinds: the clean row first, then the defective one.
  Record(Render(row));
  MovieRow bad = row;
  std::string detail;
  switch (defect->kind) {
    case DefectKind::kMalformedLine: {
      Mutation m = MalformedLine(RenderFields(row), layout_.delimiter, layout_.quoting, rng);
      int64_t line = Record(m.text + "\n");
      Add(line, defect->kind, "near MovieID " + id + ": " + m.detail);
      return;
    }
    case DefectKind::kMissingField:
      if (rng.Chance(0.5)) {
        bad.values[layout_.id_field].clear();
        detail = "empty MovieID (a second copy of MovieID " + id + ")";
      } else {
        bad.values[layout_.id_field] = std::to_string(defect->new_id);
        bad.values[layout_.title_field].clear();
        if (layout_.alt_title_field >= 0) bad.values[layout_.alt_title_field].clear();
        detail = "empty title for MovieID " + std::to_string(defect->new_id);
      }
      break;
    case DefectKind::kDuplicateMovie: {
      Mutation m = TitleVariant(row.values[layout_.title_field], rng);
      bad.values[layout_.id_field] = std::to_string(defect->new_id);
      SetTitles(bad, m.text);
      for (int f : layout_.blank_on_duplicate) bad.values[f].clear();
      detail = "MovieID " + std::to_string(defect->new_id) + " duplicates MovieID " + id + " (" +
               m.detail + ")";
      break;
    }
    default:
      return;
  }
  int64_t line = Record(Render(bad));
  Add(line, defect->kind, detail);
}

}  // namespace movierec::gen

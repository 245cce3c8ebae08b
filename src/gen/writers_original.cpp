#include "gen/writers_original.h"

#include <cstdio>

#include "gen/calendar.h"
#include "gen/catalog_rows.h"
#include "gen/rng.h"
#include "gen/text_out.h"
#include "gen/word_lists.h"

namespace movierec::gen {

namespace {

std::string Joined(const std::vector<uint16_t>& idx, auto&& name) {
  std::string s;
  for (size_t k = 0; k < idx.size(); ++k) {
    if (k > 0) s.push_back('|');
    s += name(idx[k]);
  }
  return s;
}

std::string LanguageText(int i) {
  return std::string(words::kLanguages[i].code) + "-" + words::kLanguages[i].name;
}

std::string GenreList(uint32_t mask, std::string_view sep, bool imdb_names, int max_count) {
  std::string s;
  int n = 0;
  for (int g = 0; g < words::kGenreCount && n < max_count; ++g) {
    if (!(mask & (1u << g))) continue;
    std::string_view name = words::kGenres[g];
    if (imdb_names) {
      if (name == "TV Movie") continue;
      if (name == "Science Fiction") name = "Sci-Fi";
    }
    if (n++ > 0) s += sep;
    s += name;
  }
  return s;
}

}  // namespace

std::string WithThousands(int64_t v) {
  std::string digits = std::to_string(v);
  std::string out;
  int lead = static_cast<int>(digits.size() % 3);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (static_cast<int>(i) - lead) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

WrittenFile WriteMoviesCsv(const std::string& dir, const Catalog& catalog,
                           const CatalogDefectPlan& plan, std::vector<DefectRecord>& defects) {
  WrittenFile wf{"Movies.csv", 0, 0};
  OutputFile out(dir + "/" + wf.name);
  out.Record(std::string(kMoviesCsvHeader) + "\n");
  MovieRowLayout layout;
  layout.file = wf.name;
  layout.delimiter.assign(1, ',');
  layout.quoting = true;
  layout.id_field = 0;
  layout.title_field = 3;
  layout.alt_title_field = 2;
  layout.title_name = "EnglishTitle";
  layout.alt_title_name = "OriginalTitle";
  layout.date_field = 8;
  layout.blank_on_duplicate = {10};
  MovieRowEmitter emitter(layout, out, defects);

  const int64_t M = static_cast<int64_t>(catalog.movies.size());
  for (int64_t i = 0; i < M; ++i) {
    const Movie& m = catalog.movies[i];
    MovieRow row;
    row.values.reserve(14);
    row.values.push_back(std::to_string(m.id));
    row.values.push_back(LanguageText(m.language));
    row.values.push_back(m.original_title);
    row.values.push_back(m.english_title);
    row.values.push_back(m.budget >= 0 ? std::to_string(m.budget) : "");
    row.values.push_back(m.revenue >= 0 ? std::to_string(m.revenue) : "");
    row.values.push_back(m.homepage);
    row.values.push_back(m.runtime >= 0 ? std::to_string(m.runtime) : "");
    row.values.push_back(IsoDate(m.release_day));
    row.values.push_back(GenreList(m.genres, "|", false, 32));
    std::string cast;
    if (m.listed_cast) {
      for (uint32_t c = m.credit_begin; c < m.credit_end; ++c) {
        if (c > m.credit_begin) cast.push_back('|');
        cast += catalog.CreditId(c);
      }
    }
    row.values.push_back(std::move(cast));
    row.values.push_back(
        Joined(m.companies, [](uint16_t c) { return std::string(words::kCompanies[c].name); }));
    row.values.push_back(Joined(m.countries, [](uint16_t c) {
      return std::string(words::kCountries[c].code) + "-" + words::kCountries[c].name;
    }));
    row.values.push_back(Joined(m.spoken, [](uint16_t l) { return LanguageText(l); }));
    row.force_quote.assign(14, false);
    row.force_quote[2] = row.force_quote[3] = m.quote_titles;
    Rng rng(catalog.seed, Stream::kCatalogDefects, static_cast<uint64_t>(M + i));
    emitter.Emit(std::move(row), plan.Find(static_cast<uint32_t>(i)), rng);
  }
  wf.rows = emitter.records();
  out.Close();
  wf.bytes = out.bytes();
  return wf;
}

WrittenFile WritePersonsCsv(const std::string& dir, const Catalog& catalog, double dirty_rate,
                            std::vector<DefectRecord>& defects) {
  WrittenFile wf{"Persons.csv", 0, 0};
  OutputFile out(dir + "/" + wf.name);
  out.Record(std::string(kPersonsCsvHeader) + "\n");
  std::string line;
  const uint64_t n_credits = catalog.credits.size();
  uint64_t extra_credit = n_credits;  // ids for inserted rows, never clashing with real ones
  int64_t inserted = 0;
  auto render = [&](const std::string& movie, const std::string& cast_id, const std::string& name,
                    int gender, const std::string& character) {
    line.clear();
    line += movie;
    line.push_back(',');
    line += cast_id;
    line.push_back(',');
    AppendCsvField(line, name);
    line.push_back(',');
    if (gender > 0) AppendInt(line, gender);
    line.push_back(',');
    AppendCsvField(line, character);
    line.push_back('\n');
    return line;
  };
  for (uint64_t k = 0; k < n_credits; ++k) {
    const Credit& c = catalog.credits[k];
    const Person& p = catalog.persons[c.person];
    const std::string movie = std::to_string(catalog.movies[c.movie].id);
    const std::string cast_id = catalog.CreditId(k);
    if (dirty_rate <= 0) {
      out.Record(render(movie, cast_id, p.name, p.gender, c.character));
      continue;
    }
    Rng rng(catalog.seed, Stream::kPersonDefects, k);
    if (!(rng.Uniform() < dirty_rate)) {
      out.Record(render(movie, cast_id, p.name, p.gender, c.character));
      continue;
    }
    static constexpr double kW[] = {30, 25, 20, 25};
    switch (rng.Weighted(kW)) {
      case 0: {
        Mutation m = CorruptUtf8(p.name, rng);
        int64_t at = out.Record(render(movie, cast_id, m.text, p.gender, c.character));
        defects.push_back(
            {wf.name, at, DefectKind::kInvalidUtf8, "Name of CastID " + cast_id + ": " + m.detail});
        break;
      }
      case 1: {
        Mutation m = TrickyText(c.character, true, rng);
        int64_t at = out.Record(render(movie, cast_id, p.name, p.gender, m.text));
        defects.push_back({wf.name, at, DefectKind::kQuotedField,
                           "Character of CastID " + cast_id + ": " + m.detail});
        break;
      }
      case 2: {
        out.Record(render(movie, cast_id, p.name, p.gender, c.character));
        std::string id2 = catalog.CreditId(extra_credit++);
        int64_t at = out.Record(render(movie, id2, "", 0, c.character));
        ++inserted;
        defects.push_back({wf.name, at, DefectKind::kMissingField, "empty Name for CastID " + id2});
        break;
      }
      default: {
        std::string clean = render(movie, cast_id, p.name, p.gender, c.character);
        out.Record(clean);
        // The rendered fields of this row (names never hold a line break here).
        std::vector<std::string> fields;
        std::string f;
        f = movie;
        fields.push_back(f);
        fields.push_back(cast_id);
        f.clear();
        AppendCsvField(f, p.name);
        fields.push_back(f);
        fields.push_back(p.gender > 0 ? std::to_string(p.gender) : "");
        f.clear();
        AppendCsvField(f, c.character);
        fields.push_back(f);
        Mutation m = MalformedLine(fields, ",", true, rng);
        int64_t at = out.Record(m.text + "\n");
        ++inserted;
        defects.push_back(
            {wf.name, at, DefectKind::kMalformedLine, "near CastID " + cast_id + ": " + m.detail});
        break;
      }
    }
  }
  wf.rows = static_cast<int64_t>(n_credits) + inserted;
  out.Close();
  wf.bytes = out.bytes();
  return wf;
}

WrittenFile WriteImdbTop(const std::string& dir, const Catalog& catalog) {
  WrittenFile wf{"imdb_top_1000.csv", 0, 0};
  OutputFile out(dir + "/" + wf.name);
  out.Record(std::string(kImdbHeader) + "\n");
  std::string line;
  auto field = [&](const std::string& v) {
    AppendCsvField(line, v);
    line.push_back(',');
  };
  for (const ImdbEntry& e : catalog.imdb) {
    const Movie& m = catalog.movies[e.movie];
    line.clear();
    field(e.poster_link);
    field(m.english_title);
    field(std::to_string(m.year));
    field(e.certificate);
    field(std::to_string(e.runtime) + " min");
    std::string genre = GenreList(m.genres, ", ", true, 3);
    field(genre.empty() ? "Drama" : genre);
    char rating[16];
    std::snprintf(rating, sizeof rating, "%.1f", e.rating);
    field(rating);
    field(e.overview);
    field(e.meta_score >= 0 ? std::to_string(e.meta_score) : "");
    field(catalog.persons[e.director].name);
    for (uint32_t s : e.stars) field(catalog.persons[s].name);
    field(std::to_string(e.votes));
    AppendCsvField(line, e.gross >= 0 ? WithThousands(e.gross) : "");
    line.push_back('\n');
    out.Record(line);
    ++wf.rows;
  }
  out.Close();
  wf.bytes = out.bytes();
  return wf;
}

}  // namespace movierec::gen

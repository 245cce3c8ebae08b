#include "gen/writers_movielens.h"

#include <cstdio>

#include "gen/calendar.h"
#include "gen/catalog_rows.h"
#include "gen/rng.h"
#include "gen/text_out.h"
#include "gen/word_lists.h"

namespace movierec::gen {

const std::vector<std::string> kMl100kGenres = {
    "unknown",     "Action", "Adventure", "Animation", "Children's", "Comedy",  "Crime",
    "Documentary", "Drama",  "Fantasy",   "Film-Noir", "Horror",     "Musical", "Mystery",
    "Romance",     "Sci-Fi", "Thriller",  "War",       "Western"};

namespace {

constexpr int kImaxBit = 19;
// TMDB genre index -> ml-100k column (-1: none). Family maps to Children's, History to Drama.
constexpr int kTmdbToMl[words::kGenreCount] = {1,  2,  3,  5,  6,  7,  8,  4,  9, 8,
                                               11, 12, 13, 14, 15, -1, 16, 17, 18};

WrittenFile Finish(OutputFile& out, std::string name, int64_t rows) {
  out.Close();
  return WrittenFile{std::move(name), rows, out.bytes()};
}

struct Demographics {
  int age = 30;
  bool male = true;
  int occupation = 0;
  std::string zip;
};

Demographics DemographicsOf(uint64_t seed, int64_t u) {
  Rng rng(seed, Stream::kUserDemographics, static_cast<uint64_t>(u));
  Demographics d;
  d.age = static_cast<int>(std::clamp(rng.Normal(33, 12), 7.0, 73.0));
  d.male = rng.Chance(0.71);
  d.occupation = static_cast<int>(rng.Below(words::kMl100kOccupations.size()));
  char buf[16];
  if (rng.Chance(0.03)) {
    // A few Canadian-style postal codes, as in ml-100k.
    std::snprintf(buf, sizeof buf, "%c%d%c%d%c", static_cast<char>('A' + rng.Below(26)),
                  static_cast<int>(rng.Below(10)), static_cast<char>('A' + rng.Below(26)),
                  static_cast<int>(rng.Below(10)), static_cast<char>('A' + rng.Below(26)));
  } else {
    std::snprintf(buf, sizeof buf, "%05d", static_cast<int>(rng.Below(100000)));
  }
  d.zip = buf;
  return d;
}

}  // namespace

uint32_t MovieLensGenreMask(const Movie& m, uint64_t seed, int64_t item) {
  uint32_t mask = 0;
  for (int g = 0; g < words::kGenreCount; ++g) {
    if ((m.genres & (1u << g)) && kTmdbToMl[g] >= 0) mask |= 1u << kTmdbToMl[g];
  }
  Rng rng(seed, Stream::kMovieMeta, static_cast<uint64_t>(item) + (1ULL << 40));
  const uint32_t noir_ish = (1u << 6) | (1u << 13) | (1u << 16);  // Crime, Mystery, Thriller
  if (m.year < 1960 && (mask & noir_ish) && rng.Chance(0.5)) mask |= 1u << 10;
  const uint32_t imax_ish = (1u << 1) | (1u << 2) | (1u << 15);  // Action, Adventure, Sci-Fi
  if (m.year >= 2000 && (mask & imax_ish) && rng.Chance(0.15)) mask |= 1u << kImaxBit;
  if ((mask & ~(1u << kImaxBit)) == 0) mask = 1u;  // unknown
  return mask;
}

std::string MovieLensGenres(uint32_t mask, bool latest) {
  if (mask == 1u) return latest ? "(no genres listed)" : "Drama";
  std::string s;
  for (int g = 1; g < static_cast<int>(kMl100kGenres.size()); ++g) {
    if (!(mask & (1u << g))) continue;
    if (!s.empty()) s.push_back('|');
    s += (latest && g == 4) ? std::string("Children") : kMl100kGenres[g];
  }
  if (latest && (mask & (1u << kImaxBit))) s += "|IMAX";
  return s;
}

std::vector<WrittenFile> WriteMl100kCatalog(const std::string& dir, const Catalog& catalog,
                                            const CatalogDefectPlan& plan, int64_t users,
                                            int64_t ratings, std::vector<DefectRecord>& defects) {
  std::vector<WrittenFile> files;
  const int64_t M = static_cast<int64_t>(catalog.movies.size());
  {
    OutputFile out(dir + "/u.item");
    MovieRowLayout layout;
    layout.file = "u.item";
    layout.delimiter.assign(1, '|');
    layout.quoting = false;
    layout.latin1 = true;
    layout.id_field = 0;
    layout.title_field = 1;
    MovieRowEmitter emitter(layout, out, defects);
    for (int64_t i = 0; i < M; ++i) {
      const Movie& m = catalog.movies[i];
      MovieRow row;
      std::string title = MovieLensTitle(m);
      row.values.push_back(std::to_string(m.id));
      row.values.push_back(title);
      row.values.push_back(MovieLensDate(m.release_day));
      row.values.push_back("");
      std::string url = "http://us.imdb.com/M/title-exact?";
      for (char c : AsciiFold(title)) {
        if (c == ' ')
          url += "%20";
        else
          url.push_back(c);
      }
      row.values.push_back(url);
      uint32_t mask = MovieLensGenreMask(m, catalog.seed, i);
      for (int g = 0; g < 19; ++g) row.values.push_back((mask & (1u << g)) ? "1" : "0");
      Rng rng(catalog.seed, Stream::kCatalogDefects, static_cast<uint64_t>(M + i));
      emitter.Emit(std::move(row), plan.Find(static_cast<uint32_t>(i)), rng);
    }
    files.push_back(Finish(out, "u.item", emitter.records()));
  }
  {
    OutputFile out(dir + "/u.user");
    std::string line;
    for (int64_t u = 0; u < users; ++u) {
      Demographics d = DemographicsOf(catalog.seed, u);
      line.clear();
      AppendInt(line, u + 1);
      line.push_back('|');
      AppendInt(line, d.age);
      line += d.male ? "|M|" : "|F|";
      line += words::kMl100kOccupations[d.occupation];
      line.push_back('|');
      line += d.zip;
      line.push_back('\n');
      out.Record(line);
    }
    files.push_back(Finish(out, "u.user", users));
  }
  {
    OutputFile out(dir + "/u.info");
    out.Record(std::to_string(users) + " users\n" + std::to_string(M) + " items\n" +
               std::to_string(ratings) + " ratings\n");
    files.push_back(Finish(out, "u.info", 3));
  }
  {
    OutputFile out(dir + "/u.genre");
    for (size_t g = 0; g < kMl100kGenres.size(); ++g) {
      out.Record(kMl100kGenres[g] + "|" + std::to_string(g) + "\n");
    }
    out.Record("\n");
    files.push_back(Finish(out, "u.genre", static_cast<int64_t>(kMl100kGenres.size())));
  }
  {
    OutputFile out(dir + "/u.occupation");
    for (const char* o : words::kMl100kOccupations) out.Record(std::string(o) + "\n");
    files.push_back(
        Finish(out, "u.occupation", static_cast<int64_t>(words::kMl100kOccupations.size())));
  }
  return files;
}

std::vector<WrittenFile> WriteMl1mCatalog(const std::string& dir, const Catalog& catalog,
                                          const CatalogDefectPlan& plan, int64_t users,
                                          std::vector<DefectRecord>& defects) {
  std::vector<WrittenFile> files;
  const int64_t M = static_cast<int64_t>(catalog.movies.size());
  {
    OutputFile out(dir + "/movies.dat");
    MovieRowLayout layout;
    layout.file = "movies.dat";
    layout.delimiter.assign(2, ':');
    layout.quoting = false;
    layout.id_field = 0;
    layout.title_field = 1;
    MovieRowEmitter emitter(layout, out, defects);
    for (int64_t i = 0; i < M; ++i) {
      const Movie& m = catalog.movies[i];
      MovieRow row;
      row.values.push_back(std::to_string(m.id));
      row.values.push_back(AsciiFold(MovieLensTitle(m)));
      row.values.push_back(MovieLensGenres(MovieLensGenreMask(m, catalog.seed, i), false));
      Rng rng(catalog.seed, Stream::kCatalogDefects, static_cast<uint64_t>(M + i));
      emitter.Emit(std::move(row), plan.Find(static_cast<uint32_t>(i)), rng);
    }
    files.push_back(Finish(out, "movies.dat", emitter.records()));
  }
  {
    OutputFile out(dir + "/users.dat");
    static constexpr int kAges[] = {1, 18, 25, 35, 45, 50, 56};
    std::string line;
    for (int64_t u = 0; u < users; ++u) {
      Demographics d = DemographicsOf(catalog.seed, u);
      int age = kAges[0];
      for (int a : kAges) {
        if (d.age >= a) age = a;
      }
      line.clear();
      AppendInt(line, u + 1);
      line.append(d.male ? std::string_view("::M::") : std::string_view("::F::"));
      AppendInt(line, age);
      line += "::";
      AppendInt(line, d.occupation);
      line += "::";
      line += d.zip;
      line.push_back('\n');
      out.Record(line);
    }
    files.push_back(Finish(out, "users.dat", users));
  }
  return files;
}

std::vector<WrittenFile> WriteMlLatestCatalog(const std::string& dir, const Catalog& catalog,
                                              const CatalogDefectPlan& plan,
                                              std::vector<DefectRecord>& defects) {
  std::vector<WrittenFile> files;
  const int64_t M = static_cast<int64_t>(catalog.movies.size());
  {
    OutputFile out(dir + "/movies.csv");
    out.Record("movieId,title,genres\n");
    MovieRowLayout layout;
    layout.file = "movies.csv";
    layout.delimiter.assign(1, ',');
    layout.quoting = true;
    layout.id_field = 0;
    layout.title_field = 1;
    MovieRowEmitter emitter(layout, out, defects);
    for (int64_t i = 0; i < M; ++i) {
      const Movie& m = catalog.movies[i];
      MovieRow row;
      row.values.push_back(std::to_string(m.id));
      row.values.push_back(MovieLensTitle(m));
      row.values.push_back(MovieLensGenres(MovieLensGenreMask(m, catalog.seed, i), true));
      Rng rng(catalog.seed, Stream::kCatalogDefects, static_cast<uint64_t>(M + i));
      emitter.Emit(std::move(row), plan.Find(static_cast<uint32_t>(i)), rng);
    }
    files.push_back(Finish(out, "movies.csv", emitter.records()));
  }
  {
    OutputFile out(dir + "/links.csv");
    out.Record("movieId,imdbId,tmdbId\n");
    std::string line;
    char imdb[16];
    for (int64_t i = 0; i < M; ++i) {
      const Movie& m = catalog.movies[i];
      line.clear();
      AppendInt(line, m.id);
      std::snprintf(imdb, sizeof imdb, ",%07lld,", static_cast<long long>(m.imdb_id));
      line += imdb;
      // A handful of films have no TMDB link, as in the real file.
      if (Mix64(catalog.seed ^ static_cast<uint64_t>(m.id) * 0x9E37ULL) % 1000 != 0) {
        AppendInt(line, m.tmdb_id);
      }
      line.push_back('\n');
      out.Record(line);
    }
    files.push_back(Finish(out, "links.csv", M));
  }
  return files;
}

}  // namespace movierec::gen

// `movierec generate` (src/gen): layouts, determinism, realism (DESIGN.md §7) and defects.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/error.h"
#include "gen/catalog.h"
#include "gen/generator.h"
#include "io/input_file.h"
#include "io/npy.h"
#include "test_support.h"

namespace movierec {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::RunMovierec;
using testing::TempDir;

// ---------------------------------------------------------------------------------------------
// Small, independent readers (the tests must not trust the code under test).

struct Record {
  int64_t line = 0;        // physical line where the record starts
  int64_t line_count = 1;  // physical lines it spans
  std::vector<std::string> fields;
  std::string raw;
  bool error = false;  // unbalanced quote or junk after a closing quote
};

// RFC 4180 with quotes; on a quoting error the record is the single physical line and parsing
// resumes on the next line.
std::vector<Record> ParseCsv(const std::string& text, char delim = ',') {
  std::vector<Record> out;
  size_t pos = 0;
  int64_t line = 1;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    if (eol == pos) {  // empty line
      ++pos;
      ++line;
      continue;
    }
    Record r;
    r.line = line;
    std::string field;
    size_t p = pos;
    bool ok = true, done = false;
    int64_t lines_used = 1;
    while (!done) {
      field.clear();
      if (p < text.size() && text[p] == '"') {
        ++p;
        while (true) {
          if (p >= text.size()) {
            ok = false;
            break;
          }
          char c = text[p];
          if (c == '"') {
            if (p + 1 < text.size() && text[p + 1] == '"') {
              field.push_back('"');
              p += 2;
              continue;
            }
            ++p;
            break;
          }
          if (c == '\n') ++lines_used;
          field.push_back(c);
          ++p;
        }
        if (!ok) break;
        if (p < text.size() && text[p] != delim && text[p] != '\n') {
          ok = false;
          break;
        }
      } else {
        while (p < text.size() && text[p] != delim && text[p] != '\n') field.push_back(text[p++]);
      }
      r.fields.push_back(field);
      if (p >= text.size() || text[p] == '\n') {
        done = true;
        r.raw = text.substr(pos, p - pos);
        r.line_count = lines_used;
        line += lines_used;
        pos = p + 1;
      } else {
        ++p;  // delimiter
      }
    }
    if (!ok) {
      r.error = true;
      r.fields.clear();
      r.raw = text.substr(pos, eol - pos);
      r.line_count = 1;
      pos = eol + 1;
      ++line;
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    lines.push_back(text.substr(pos, eol - pos));
    pos = eol + 1;
  }
  return lines;
}

std::vector<std::string> Split(const std::string& s, const std::string& delim) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    size_t at = s.find(delim, pos);
    if (at == std::string::npos) {
      out.push_back(s.substr(pos));
      return out;
    }
    out.push_back(s.substr(pos, at - pos));
    pos = at + delim.size();
  }
}

bool ToInt(const std::string& s, int64_t& v) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}
int64_t Int(const std::string& s) {
  int64_t v = 0;
  EXPECT_TRUE(ToInt(s, v)) << "'" << s << "' is not an integer";
  return v;
}
bool ToDouble(const std::string& s, double& v) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}


// Small pattern checks (std::regex draws false warnings from GCC 12 in sanitizer builds).
bool AllOf(const std::string& s, size_t from, size_t n, int (*pred)(int)) {
  if (from + n > s.size()) return false;
  for (size_t i = from; i < from + n; ++i) {
    if (!pred(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}
bool IsDigits(const std::string& s) { return !s.empty() && AllOf(s, 0, s.size(), ::isdigit); }
// "xx-Name" (languages) or "XX-Name" (countries).
bool IsCodeName(const std::string& s, bool upper) {
  return s.size() > 3 && AllOf(s, 0, 2, upper ? ::isupper : ::islower) && s[2] == '-';
}
bool IsHex24(const std::string& s) {
  return s.size() == 24 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}
// "Title (1995)".
bool HasYearSuffix(const std::string& s) {
  size_t n = s.size();
  return n > 7 && s[n - 1] == ')' && AllOf(s, n - 5, 4, ::isdigit) && s[n - 6] == '(' &&
         s[n - 7] == ' ';
}
// "28,341,469".
bool IsThousands(const std::string& s) {
  auto groups = std::vector<std::string>();
  size_t pos = 0;
  while (true) {
    size_t c = s.find(',', pos);
    groups.push_back(s.substr(pos, c == std::string::npos ? std::string::npos : c - pos));
    if (c == std::string::npos) break;
    pos = c + 1;
  }
  if (groups[0].empty() || groups[0].size() > 3 || !IsDigits(groups[0])) return false;
  for (size_t k = 1; k < groups.size(); ++k) {
    if (groups[k].size() != 3 || !IsDigits(groups[k])) return false;
  }
  return true;
}

// Days since 1970-01-01 of a strict yyyy-mm-dd date, or nullopt.
std::optional<int64_t> IsoDay(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !AllOf(s, 0, 4, ::isdigit) ||
      !AllOf(s, 5, 2, ::isdigit) || !AllOf(s, 8, 2, ::isdigit)) {
    return std::nullopt;
  }
  int y = std::stoi(s.substr(0, 4)), mo = std::stoi(s.substr(5, 2)), d = std::stoi(s.substr(8, 2));
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] + (mo == 2 && leap)) return std::nullopt;
  y -= mo <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}
const int64_t kFirstDay = *IsoDay("1996-01-01");
const int64_t kLastDay = *IsoDay("2024-12-31");


double Correlation(const std::vector<double>& a, const std::vector<double>& b) {
  double ma = std::accumulate(a.begin(), a.end(), 0.0) / a.size();
  double mb = std::accumulate(b.begin(), b.end(), 0.0) / b.size();
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

// ---------------------------------------------------------------------------------------------
// Generated data sets, cached per option set for the whole test program.

gen::GenerateOptions Opts(int64_t users, int64_t movies, int64_t ratings,
                          const std::string& format = "original", double dirty = 0.0,
                          uint64_t seed = 11, int threads = 2) {
  gen::GenerateOptions o;
  o.users = users;
  o.movies = movies;
  o.ratings = ratings;
  o.format = format;
  o.dirty_rate = dirty;
  o.seed = seed;
  o.threads = threads;
  return o;
}

struct DataSet {
  std::unique_ptr<TempDir> tmp;
  gen::GenerateSummary summary;
  gen::GenerateOptions options;
  fs::path dir() const { return tmp->path(); }
  std::string Read(const std::string& name) const { return ReadFile(tmp->path() / name); }
};

const DataSet& Generated(gen::GenerateOptions o) {
  static std::map<std::string, std::unique_ptr<DataSet>> cache;
  std::string key = std::to_string(o.users) + "/" + std::to_string(o.movies) + "/" +
                    std::to_string(o.ratings) + "/" + o.format + "/" +
                    std::to_string(o.dirty_rate) + "/" + std::to_string(o.seed) + "/" +
                    std::to_string(o.threads) + "/" + std::to_string(o.rank);
  auto& slot = cache[key];
  if (!slot) {
    slot = std::make_unique<DataSet>();
    slot->tmp = std::make_unique<TempDir>();
    o.out_dir = slot->tmp->path().string();
    slot->options = o;
    slot->summary = gen::Generate(o);
  }
  return *slot;
}

const DataSet& Clean() { return Generated(Opts(2000, 1500, 200000)); }
const DataSet& Dirty() { return Generated(Opts(2000, 3000, 150000, "original", 0.05)); }
const DataSet& CleanTwinOfDirty() { return Generated(Opts(2000, 3000, 150000, "original", 0.0)); }

struct Truth {
  io::NpyMatrix<float> p, q;
  std::vector<float> bu, bi;
  std::vector<int64_t> user_ids, movie_ids;
  std::vector<int32_t> cluster;
  nlohmann::json json;
  std::unordered_map<int64_t, int64_t> user_row, movie_row;
  double Predict(int64_t u, int64_t i) const {
    double dot = 0;
    for (int64_t k = 0; k < p.cols; ++k) dot += static_cast<double>(p.row(u)[k]) * q.row(i)[k];
    return json["global_mean"].get<double>() + bu[u] + bi[i] + dot;
  }
};

Truth LoadTruth(const DataSet& ds) {
  Truth t;
  fs::path g = ds.dir() / "ground_truth";
  t.json = nlohmann::json::parse(ReadFile(g / "truth.json"));
  const int64_t U = ds.options.users, M = ds.options.movies, K = ds.options.rank;
  t.p = io::ReadNpy2D<float>((g / "user_factors.npy").string(), U, K);
  t.q = io::ReadNpy2D<float>((g / "item_factors.npy").string(), M, K);
  t.bu = io::ReadNpy1D<float>((g / "user_bias.npy").string(), U);
  t.bi = io::ReadNpy1D<float>((g / "item_bias.npy").string(), M);
  t.user_ids = io::ReadNpy1D<int64_t>((g / "user_ids.npy").string(), U);
  t.movie_ids = io::ReadNpy1D<int64_t>((g / "movie_ids.npy").string(), M);
  t.cluster = io::ReadNpy1D<int32_t>((g / "item_cluster.npy").string(), M);
  for (int64_t u = 0; u < U; ++u) t.user_row[t.user_ids[u]] = u;
  for (int64_t i = 0; i < M; ++i) t.movie_row[t.movie_ids[i]] = i;
  return t;
}

struct Rating {
  int64_t user, movie;
  double value;
  std::string date;  // as written (yyyy-mm-dd or unix seconds)
};

// The ratings of a clean data set in file order.
std::vector<Rating> LoadRatings(const DataSet& ds) {
  std::vector<Rating> out;
  const std::string f = ds.options.format;
  std::string name = f == "original"  ? "Ratings.csv"
                     : f == "ml-100k" ? "u.data"
                     : f == "ml-1m"   ? "ratings.dat"
                                      : "ratings.csv";
  std::string delim = f == "ml-100k" ? "\t" : f == "ml-1m" ? "::" : ",";
  std::vector<std::string> lines = Lines(ds.Read(name));
  bool header = f == "original" || f == "ml-latest";
  out.reserve(lines.size());
  for (size_t i = header ? 1 : 0; i < lines.size(); ++i) {
    auto x = Split(lines[i], delim);
    EXPECT_EQ(x.size(), 4u) << name << ":" << i + 1 << " " << lines[i];
    if (x.size() != 4) continue;
    Rating r;
    r.user = Int(x[0]);
    r.movie = Int(x[1]);
    EXPECT_TRUE(ToDouble(x[2], r.value)) << lines[i];
    r.date = x[3];
    out.push_back(r);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Flags.

TEST(GenerateValidation, RejectsBadValuesWithUsageErrors) {
  auto bad = [](auto mutate, const std::string& needle) {
    gen::GenerateOptions o = Opts(100, 100, 1000);
    o.out_dir = "/tmp/unused";
    mutate(o);
    try {
      gen::ValidateGenerateOptions(o);
      ADD_FAILURE() << "accepted; expected an error about " << needle;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_EQ(e.exit_code(), kExitUsage);
    }
  };
  bad([](auto& o) { o.users = 0; }, "--users");
  bad([](auto& o) { o.movies = -3; }, "--movies");
  bad([](auto& o) { o.ratings = 0; }, "--ratings");
  bad([](auto& o) { o.ratings = 5001; }, "half of all user-movie pairs");
  bad([](auto& o) { o.dirty_rate = 0.51; }, "--dirty-rate");
  bad([](auto& o) { o.dirty_rate = -0.1; }, "--dirty-rate");
  bad([](auto& o) { o.dirty_rate = std::nan(""); }, "--dirty-rate");
  bad([](auto& o) { o.format = "ml-20m"; }, "--format");
  bad([](auto& o) { o.rank = 0; }, "--rank");
  bad([](auto& o) { o.threads = -1; }, "--threads");
  bad([](auto& o) { o.out_dir.clear(); }, "--out");

  gen::GenerateOptions ok = Opts(100, 100, 5000);
  ok.out_dir = "/tmp/unused";
  EXPECT_NO_THROW(gen::ValidateGenerateOptions(ok));  // exactly half is allowed
}

TEST(GenerateCli, BadFlagsExitWithCode2) {
  TempDir tmp;
  const std::string out = (tmp / "o").string();
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"generate", "--out", out, "--users", "0"},
           {"generate", "--out", out, "--movies", "0"},
           {"generate", "--out", out, "--users", "10", "--movies", "10", "--ratings", "51"},
           {"generate", "--out", out, "--dirty-rate", "0.9"},
           {"generate", "--out", out, "--format", "excel"},
           {"generate", "--out", out, "--rank", "0"},
           {"generate", "--out", out, "--users", "many"},
           {"generate", "--out", out, "--seed", "-1"},
           {"generate", "--users", "10"},
       }) {
    testing::RunResult r = RunMovierec(args);
    EXPECT_EQ(r.exit_code, 2) << args.back() << ": " << r.output;
  }
  testing::RunResult r =
      RunMovierec({"generate", "--out", out, "--users", "10", "--movies", "10", "--ratings", "51"});
  EXPECT_NE(r.output.find("half of all user-movie pairs"), std::string::npos) << r.output;
}

TEST(GenerateCli, WritesTheDataSetAndASummary) {
  TempDir tmp;
  const fs::path out = tmp / "nested" / "data";
  testing::RunResult r =
      RunMovierec({"generate", "--out", out.string(), "--users", "50", "--movies", "80",
                   "--ratings", "1500", "--seed", "3", "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("ratings/s"), std::string::npos) << r.output;
  for (const char* f : {"Movies.csv", "Persons.csv", "Ratings.csv", "imdb_top_1000.csv",
                        "ground_truth/truth.json", "ground_truth/user_factors.npy"}) {
    EXPECT_TRUE(fs::exists(out / f)) << f;
  }
  EXPECT_EQ(Lines(ReadFile(out / "Ratings.csv")).size(), 1501u);
}

// ---------------------------------------------------------------------------------------------
// Determinism.

std::map<std::string, std::string> AllFiles(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).string()] = ReadFile(e.path());
  }
  return files;
}

std::map<std::string, std::string> GenerateInto(const TempDir& tmp, gen::GenerateOptions o) {
  o.out_dir = tmp.path().string();
  gen::Generate(o);
  return AllFiles(tmp.path());
}

TEST(GenerateDeterminism, SameFlagsGiveIdenticalBytes) {
  for (const char* format : {"original", "ml-latest"}) {
    TempDir a, b;
    auto fa = GenerateInto(a, Opts(300, 400, 20000, format, 0.05, 5));
    auto fb = GenerateInto(b, Opts(300, 400, 20000, format, 0.05, 5));
    ASSERT_GE(fa.size(), 10u);
    EXPECT_EQ(fa, fb) << format;
  }
}

TEST(GenerateDeterminism, ThreadCountDoesNotChangeBytes) {
  // 300k ratings span several 64k-rating blocks, so threads really split the work.
  TempDir a, b;
  auto one = GenerateInto(a, Opts(3000, 1500, 300000, "original", 0.03, 9, 1));
  auto many = GenerateInto(b, Opts(3000, 1500, 300000, "original", 0.03, 9, 5));
  ASSERT_EQ(one.size(), many.size());
  for (const auto& [name, bytes] : one) EXPECT_TRUE(bytes == many[name]) << name;
}

TEST(GenerateDeterminism, DifferentSeedsGiveDifferentData) {
  TempDir a, b;
  auto fa = GenerateInto(a, Opts(300, 400, 20000, "original", 0.0, 1));
  auto fb = GenerateInto(b, Opts(300, 400, 20000, "original", 0.0, 2));
  for (const char* f :
       {"Ratings.csv", "Movies.csv", "Persons.csv", "ground_truth/user_factors.npy"}) {
    EXPECT_NE(fa[f], fb[f]) << f;
  }
}

// ---------------------------------------------------------------------------------------------
// The original layout.

TEST(GenerateOriginal, HeadersAreExact) {
  const DataSet& ds = Clean();
  auto first = [&](const std::string& f) { return Lines(ds.Read(f)).at(0); };
  EXPECT_EQ(first("Movies.csv"),
            "MovieID,OriginalLanguage,OriginalTitle,EnglishTitle,Budget,Revenue,Homepage,"
            "Runtime,ReleaseDate,Genres,CastID,ProductionCompanies,ProductionCountries,"
            "SpokenLanguages");
  EXPECT_EQ(first("Persons.csv"), "MovieID,CastID,Name,Gender,Character");
  EXPECT_EQ(first("Ratings.csv"), "UserID,MovieID,Rating,Date");
  EXPECT_EQ(first("imdb_top_1000.csv"),
            "Poster_Link,Series_Title,Released_Year,Certificate,Runtime,Genre,IMDB_Rating,"
            "Overview,Meta_score,Director,Star1,Star2,Star3,Star4,No_of_Votes,Gross");
  for (const char* f : {"Movies.csv", "Persons.csv", "Ratings.csv", "imdb_top_1000.csv"}) {
    std::string text = ds.Read(f);
    EXPECT_EQ(text.find('\r'), std::string::npos) << f << " has CR line ends";
    EXPECT_NE(text.substr(0, 3), "\xEF\xBB\xBF") << f << " has a BOM";
    EXPECT_EQ(text.back(), '\n') << f;
    EXPECT_TRUE(io::IsValidUtf8(text)) << f;
  }
  EXPECT_FALSE(fs::exists(ds.dir() / "defects.csv"));
}

TEST(GenerateOriginal, RowCountsMatchTheFlags) {
  const DataSet& ds = Clean();
  auto movies = ParseCsv(ds.Read("Movies.csv"));
  EXPECT_EQ(movies.size(), 1501u);
  EXPECT_EQ(Lines(ds.Read("Ratings.csv")).size(), 200001u);
  EXPECT_EQ(ParseCsv(ds.Read("imdb_top_1000.csv")).size(), 1001u);
  const DataSet& small = Generated(Opts(40, 300, 3000));
  EXPECT_EQ(ParseCsv(small.Read("imdb_top_1000.csv")).size(), 301u);  // min(1000, movies)
  for (const auto& r : movies) EXPECT_FALSE(r.error) << r.line;
}

TEST(GenerateOriginal, RatingsAreHalfStarsSortedByUserThenDate) {
  const DataSet& ds = Clean();
  auto ratings = LoadRatings(ds);
  ASSERT_EQ(ratings.size(), 200000u);
  std::set<std::string> texts;
  for (const std::string& line : Lines(ds.Read("Ratings.csv"))) texts.insert(Split(line, ",")[2]);
  texts.erase("Rating");
  std::set<std::string> allowed = {"0.5", "1.0", "1.5", "2.0", "2.5",
                                   "3.0", "3.5", "4.0", "4.5", "5.0"};
  for (const auto& t : texts) EXPECT_TRUE(allowed.count(t)) << t;
  EXPECT_GE(texts.size(), 8u);  // the scale is used, not just a few values

  std::vector<int64_t> per_user(2001, 0);
  for (size_t i = 0; i < ratings.size(); ++i) {
    ++per_user.at(ratings[i].user);
    if (i > 0) {
      ASSERT_GE(ratings[i].user, ratings[i - 1].user) << "row " << i;
      if (ratings[i].user == ratings[i - 1].user) {
        ASSERT_GE(ratings[i].date, ratings[i - 1].date) << "row " << i;
      }
    }
  }
  // Users 1..N, every one with at least min(20, R/U) ratings, as in MovieLens.
  for (int64_t u = 1; u <= 2000; ++u) EXPECT_GE(per_user[u], 20) << "user " << u;
}

TEST(GenerateOriginal, EveryRatingIsForAKnownMovieAfterItsRelease) {
  const DataSet& ds = Clean();
  std::unordered_map<int64_t, int64_t> release;
  for (const auto& r : ParseCsv(ds.Read("Movies.csv"))) {
    if (r.line == 1) continue;
    auto day = IsoDay(r.fields.at(8));
    ASSERT_TRUE(day) << r.raw;
    release[Int(r.fields[0])] = *day;
  }
  std::set<std::pair<int64_t, int64_t>> pairs;
  for (const Rating& r : LoadRatings(ds)) {
    auto it = release.find(r.movie);
    ASSERT_NE(it, release.end()) << "unknown MovieID " << r.movie;
    auto day = IsoDay(r.date);
    ASSERT_TRUE(day) << r.date;
    EXPECT_GE(*day, kFirstDay) << r.date;
    EXPECT_LE(*day, kLastDay) << r.date;
    EXPECT_GE(*day, it->second) << "rated before release: movie " << r.movie << " " << r.date;
    EXPECT_TRUE(pairs.insert({r.user, r.movie}).second) << "duplicate pair in clean data";
  }
}

TEST(GenerateOriginal, PopularityAndActivityAreHeavyTailed) {
  const DataSet& ds = Clean();
  std::unordered_map<int64_t, int64_t> per_movie, per_user;
  auto ratings = LoadRatings(ds);
  for (const Rating& r : ratings) {
    ++per_movie[r.movie];
    ++per_user[r.user];
  }
  std::vector<int64_t> m;
  for (auto& [id, n] : per_movie) m.push_back(n);
  m.resize(1500, 0);  // unrated movies count as zero
  std::sort(m.rbegin(), m.rend());
  int64_t top = std::accumulate(m.begin(), m.begin() + 15, int64_t{0});
  double top_share = static_cast<double>(top) / static_cast<double>(ratings.size());
  EXPECT_GT(top_share, 0.06) << "top 1% of movies hold only " << top_share;  // uniform: 0.01

  std::vector<int64_t> u;
  for (auto& [id, n] : per_user) u.push_back(n);
  std::sort(u.begin(), u.end());
  double median = static_cast<double>(u[u.size() / 2]);
  EXPECT_GT(static_cast<double>(u.back()) / median, 5.0);
  EXPECT_GT(median, 20.0);
  EXPECT_LT(median, 100.0);  // mean is 100: the median sits below it
}

TEST(GenerateOriginal, WhatUsersRateDependsOnTheirTaste) {
  const DataSet& ds = Clean();
  Truth t = LoadTruth(ds);
  auto ratings = LoadRatings(ds);
  // Affinity p_u . q_i of observed pairs against pairs whose item is taken from another
  // rating: the second keeps the popularity marginal, so under popularity-only exposure the
  // two means would agree.
  double observed = 0, shuffled = 0;
  const size_t n = ratings.size();
  for (size_t k = 0; k < n; ++k) {
    int64_t u = t.user_row.at(ratings[k].user);
    int64_t i = t.movie_row.at(ratings[k].movie);
    int64_t j = t.movie_row.at(ratings[(k * 7919 + 104729) % n].movie);
    double a = 0, b = 0;
    for (int64_t c = 0; c < t.p.cols; ++c) {
      a += static_cast<double>(t.p.row(u)[c]) * t.q.row(i)[c];
      b += static_cast<double>(t.p.row(u)[c]) * t.q.row(j)[c];
    }
    observed += a;
    shuffled += b;
  }
  observed /= static_cast<double>(n);
  shuffled /= static_cast<double>(n);
  EXPECT_GT(observed - shuffled, 0.25) << "observed " << observed << " shuffled " << shuffled;

  // Users with similar factors share more films than users with opposite factors.
  std::vector<std::vector<int64_t>> items(2000);
  for (const Rating& r : ratings) items[t.user_row.at(r.user)].push_back(r.movie);
  for (auto& v : items) std::sort(v.begin(), v.end());
  std::vector<std::pair<double, double>> cos_jac;
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int64_t>((state >> 33) % 2000);
  };
  for (int k = 0; k < 20000; ++k) {
    int64_t a = next(), b = next();
    if (a == b) continue;
    double dot = 0, na = 0, nb = 0;
    for (int64_t c = 0; c < t.p.cols; ++c) {
      dot += t.p.row(a)[c] * t.p.row(b)[c];
      na += t.p.row(a)[c] * t.p.row(a)[c];
      nb += t.p.row(b)[c] * t.p.row(b)[c];
    }
    std::vector<int64_t> common;
    std::set_intersection(items[a].begin(), items[a].end(), items[b].begin(), items[b].end(),
                          std::back_inserter(common));
    double uni = static_cast<double>(items[a].size() + items[b].size() - common.size());
    cos_jac.push_back({dot / std::sqrt(na * nb), static_cast<double>(common.size()) / uni});
  }
  std::sort(cos_jac.begin(), cos_jac.end());
  size_t decile = cos_jac.size() / 10;
  double low = 0, high = 0;
  for (size_t k = 0; k < decile; ++k) {
    low += cos_jac[k].second;
    high += cos_jac[cos_jac.size() - 1 - k].second;
  }
  EXPECT_GT(high, 1.25 * low) << "overlap of similar users " << high / decile << " vs dissimilar "
                              << low / decile;
}

TEST(GenerateOriginal, RatingsFollowTheGroundTruthModel) {
  const DataSet& ds = Clean();
  Truth t = LoadTruth(ds);
  auto ratings = LoadRatings(ds);
  std::vector<double> y, full, biases;
  double sq = 0;
  for (const Rating& r : ratings) {
    int64_t u = t.user_row.at(r.user), i = t.movie_row.at(r.movie);
    double pred = t.Predict(u, i);
    y.push_back(r.value);
    full.push_back(pred);
    biases.push_back(t.json["global_mean"].get<double>() + t.bu[u] + t.bi[i]);
    double clipped = std::clamp(pred, 0.5, 5.0);
    sq += (r.value - clipped) * (r.value - clipped);
  }
  double rmse = std::sqrt(sq / static_cast<double>(y.size()));
  double noise = t.json["noise_std"].get<double>();
  double c_full = Correlation(y, full), c_bias = Correlation(y, biases);
  EXPECT_GT(c_full, 0.75);
  EXPECT_GT(c_full - c_bias, 0.3) << "factors add little over biases: " << c_full << " vs "
                                  << c_bias;
  // The noise floor: what is left is the noise plus half-star rounding.
  EXPECT_LT(rmse, noise + 0.1);
  EXPECT_GT(rmse, noise - 0.1);
  double mean = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(y.size());
  EXPECT_NEAR(mean, 3.55, 0.25);
}

TEST(GenerateOriginal, GroundTruthFilesLoadWithTheRightShapes) {
  const DataSet& ds = Clean();
  Truth t = LoadTruth(ds);  // checks dtypes and shapes
  EXPECT_EQ(t.p.rows, 2000);
  EXPECT_EQ(t.q.cols, 16);
  for (int64_t u = 0; u < 2000; ++u) EXPECT_EQ(t.user_ids[u], u + 1);
  // Movie ids: the Movies.csv ids, same order.
  std::vector<int64_t> ids;
  for (const auto& r : ParseCsv(ds.Read("Movies.csv"))) {
    if (r.line > 1) ids.push_back(Int(r.fields[0]));
  }
  EXPECT_EQ(ids, t.movie_ids);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_GT(ids.back() - ids.front(), 3 * 1500) << "ids should be scattered, not dense";
  const auto& j = t.json;
  EXPECT_EQ(j["seed"], 11);
  EXPECT_EQ(j["format"], "original");
  EXPECT_EQ(j["users"], 2000);
  EXPECT_EQ(j["movies"], 1500);
  EXPECT_EQ(j["ratings"], 200000);
  EXPECT_EQ(j["rank"], 16);
  EXPECT_GT(j["noise_std"].get<double>(), 0.0);
  EXPECT_GT(j["global_mean"].get<double>(), 2.5);
  std::vector<std::string> files = j["files"];
  for (const auto& f : files) EXPECT_TRUE(fs::exists(ds.dir() / f)) << f;
  EXPECT_NE(std::find(files.begin(), files.end(), "Ratings.csv"), files.end());
  EXPECT_NE(std::find(files.begin(), files.end(), "ground_truth/item_factors.npy"), files.end());

  // A different rank changes the factor width.
  gen::GenerateOptions rank4 = Opts(100, 120, 3000);
  rank4.rank = 4;
  const DataSet& r4 = Generated(rank4);
  EXPECT_EQ(io::ReadNpy2D<float>((r4.dir() / "ground_truth/item_factors.npy").string()).cols, 4);
}

TEST(GenerateOriginal, MoviesAndPersonsLookLikeTheRealFiles) {
  const DataSet& ds = Clean();
  const std::string movies_text = ds.Read("Movies.csv");
  auto movies = ParseCsv(movies_text);
  auto persons = ParseCsv(ds.Read("Persons.csv"));
  std::set<std::string> genres = {
      "Action",          "Adventure", "Animation", "Comedy", "Crime",  "Documentary", "Drama",
      "Family",          "Fantasy",   "History",   "Horror", "Music",  "Mystery",     "Romance",
      "Science Fiction", "TV Movie",  "Thriller",  "War",    "Western"};
  std::unordered_map<std::string, int64_t> credit_movie;
  std::unordered_map<std::string, int> person_films;
  std::set<int> genders;
  int non_ascii_names = 0;
  for (const auto& r : persons) {
    if (r.line == 1) continue;
    ASSERT_EQ(r.fields.size(), 5u) << r.raw;
    EXPECT_TRUE(IsHex24(r.fields[1])) << r.fields[1];
    EXPECT_TRUE(credit_movie.emplace(r.fields[1], Int(r.fields[0])).second) << "CastID reused";
    EXPECT_FALSE(r.fields[2].empty());
    ++person_films[r.fields[2]];
    genders.insert(r.fields[3].empty() ? 0 : static_cast<int>(Int(r.fields[3])));
    non_ascii_names += std::any_of(r.fields[2].begin(), r.fields[2].end(),
                                   [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  }
  EXPECT_EQ(genders, (std::set<int>{0, 1, 2}));
  EXPECT_GT(non_ascii_names, 50);
  int busiest = 0;
  for (auto& [name, n] : person_films) busiest = std::max(busiest, n);
  EXPECT_GE(busiest, 20) << "some actors should appear in many films";

  int empty_cast = 0, quoted_unneeded = 0, non_english = 0, original_script = 0, budgets = 0;
  for (const auto& r : movies) {
    if (r.line == 1) continue;
    ASSERT_EQ(r.fields.size(), 14u) << r.raw;
    EXPECT_TRUE(IsCodeName(r.fields[1], false)) << r.fields[1];
    non_english += r.fields[1].rfind("en-", 0) != 0;
    original_script += r.fields[2] != r.fields[3];
    EXPECT_FALSE(r.fields[3].empty());
    budgets += !r.fields[4].empty();
    if (!r.fields[4].empty()) {
      EXPECT_GT(Int(r.fields[4]), 0);
    }
    if (!r.fields[7].empty()) {
      EXPECT_GT(Int(r.fields[7]), 30);
    }
    if (!r.fields[9].empty()) {
      for (const auto& g : Split(r.fields[9], "|")) EXPECT_TRUE(genres.count(g)) << g;
    }
    if (r.fields[10].empty()) {
      ++empty_cast;
    } else {
      for (const auto& id : Split(r.fields[10], "|")) {
        auto it = credit_movie.find(id);
        ASSERT_NE(it, credit_movie.end()) << "CastID " << id << " not in Persons.csv";
        EXPECT_EQ(it->second, Int(r.fields[0]));
      }
    }
    for (const auto& c : Split(r.fields[12], "|")) {
      if (!c.empty()) {
        EXPECT_TRUE(IsCodeName(c, true)) << c;
      }
    }
    for (const auto& l : Split(r.fields[13], "|")) {
      EXPECT_TRUE(IsCodeName(l, false)) << l;
    }
    if (r.raw.find("," + std::string("\"") + r.fields[3] + "\",") != std::string::npos &&
        r.fields[3].find_first_of(",\"\n") == std::string::npos) {
      ++quoted_unneeded;
    }
  }
  EXPECT_GT(empty_cast, 1500 * 0.25);
  EXPECT_LT(empty_cast, 1500 * 0.55);
  EXPECT_GT(quoted_unneeded, 20);
  EXPECT_GT(non_english, 150);
  EXPECT_GT(original_script, 50);
  EXPECT_GT(budgets, 300);
  EXPECT_LT(budgets, 1200);
  EXPECT_NE(movies_text.find("ja-日本語"), std::string::npos);
  EXPECT_NE(movies_text.find("fr-Français"), std::string::npos);
  EXPECT_NE(movies_text.find("US-United States of America"), std::string::npos);
}

TEST(GenerateOriginal, ImdbTopListMatchesMoviesByTitleAndYear) {
  const DataSet& ds = Clean();
  std::set<std::pair<std::string, std::string>> title_year;
  for (const auto& r : ParseCsv(ds.Read("Movies.csv"))) {
    if (r.line > 1) title_year.insert({r.fields[3], r.fields[8].substr(0, 4)});
  }
  int with_comma_genre = 0;
  double last_rating = 11;
  for (const auto& r : ParseCsv(ds.Read("imdb_top_1000.csv"))) {
    if (r.line == 1) continue;
    ASSERT_EQ(r.fields.size(), 16u) << r.raw;
    EXPECT_TRUE(title_year.count({r.fields[1], r.fields[2]})) << r.fields[1] << " " << r.fields[2];
    const std::string& rt = r.fields[4];
    EXPECT_TRUE(rt.size() > 4 && rt.substr(rt.size() - 4) == " min" &&
                IsDigits(rt.substr(0, rt.size() - 4)))
        << rt;
    with_comma_genre += r.fields[5].find(", ") != std::string::npos;
    double rating = 0;
    ASSERT_TRUE(ToDouble(r.fields[6], rating));
    EXPECT_GE(rating, 1.0);
    EXPECT_LE(rating, 10.0);
    EXPECT_LE(rating, last_rating);  // best first
    last_rating = rating;
    EXPECT_NE(r.fields[7].find(','), std::string::npos);
    if (!r.fields[8].empty()) {
      EXPECT_LE(Int(r.fields[8]), 100);
    }
    for (int k = 9; k <= 13; ++k) EXPECT_FALSE(r.fields[k].empty());
    EXPECT_GT(Int(r.fields[14]), 0);
    if (!r.fields[15].empty()) {
      EXPECT_TRUE(IsThousands(r.fields[15])) << r.fields[15];
    }
  }
  EXPECT_GT(with_comma_genre, 100);
}

// ---------------------------------------------------------------------------------------------
// MovieLens layouts.

TEST(GenerateMovieLens, Ml100kLayout) {
  const DataSet& ds = Generated(Opts(400, 600, 30000, "ml-100k"));
  auto data = Lines(ds.Read("u.data"));
  ASSERT_EQ(data.size(), 30000u);
  for (const auto& line : data) {
    auto f = Split(line, "\t");
    ASSERT_EQ(f.size(), 4u) << line;
    int64_t rating = Int(f[2]), ts = Int(f[3]);
    EXPECT_GE(rating, 1);
    EXPECT_LE(rating, 5);
    EXPECT_GE(ts, kFirstDay * 86400);
    EXPECT_LT(ts, (kLastDay + 1) * 86400);
  }
  const std::string item_text = ds.Read("u.item");
  auto items = Lines(item_text);
  ASSERT_EQ(items.size(), 600u);
  bool latin1_seen = false;
  for (size_t k = 0; k < items.size(); ++k) {
    auto f = Split(items[k], "|");
    ASSERT_EQ(f.size(), 24u) << items[k];
    EXPECT_EQ(Int(f[0]), static_cast<int64_t>(k + 1));  // dense ids, as ml-100k
    EXPECT_TRUE(HasYearSuffix(f[1])) << f[1];
    EXPECT_EQ(f[1].find('?'), std::string::npos) << "not latin-1 representable: " << f[1];
    const std::string& rd = f[2];  // 01-Jan-1995
    EXPECT_TRUE(rd.size() == 11 && AllOf(rd, 0, 2, ::isdigit) && rd[2] == '-' &&
                AllOf(rd, 3, 1, ::isupper) && AllOf(rd, 4, 2, ::islower) && rd[6] == '-' &&
                AllOf(rd, 7, 4, ::isdigit))
        << rd;
    int flags = 0;
    for (int g = 5; g < 24; ++g) {
      EXPECT_TRUE(f[g] == "0" || f[g] == "1");
      flags += f[g] == "1";
    }
    EXPECT_GE(flags, 1);
    for (char c : f[1]) latin1_seen |= static_cast<unsigned char>(c) >= 0xC0;
  }
  // latin-1: accented letters are single bytes, so a title with one is not valid UTF-8.
  EXPECT_TRUE(latin1_seen);
  EXPECT_FALSE(io::IsValidUtf8(item_text));
  auto users = Lines(ds.Read("u.user"));
  ASSERT_EQ(users.size(), 400u);
  for (const auto& line : users) {
    auto f = Split(line, "|");
    ASSERT_EQ(f.size(), 5u);
    EXPECT_TRUE(f[2] == "M" || f[2] == "F");
  }
  // ML titles move the article: "Velvet Night, The (1982)".
  EXPECT_NE(item_text.find(", The ("), std::string::npos);
}

TEST(GenerateMovieLens, Ml1mLayout) {
  const DataSet& ds = Generated(Opts(400, 600, 30000, "ml-1m"));
  auto ratings = Lines(ds.Read("ratings.dat"));
  ASSERT_EQ(ratings.size(), 30000u);
  for (const auto& line : ratings) {
    auto f = Split(line, "::");
    ASSERT_EQ(f.size(), 4u) << line;
    EXPECT_GE(Int(f[2]), 1);
    EXPECT_LE(Int(f[2]), 5);
  }
  std::set<std::string> ml_genres = {
      "Action",      "Adventure", "Animation", "Children's", "Comedy", "Crime",
      "Documentary", "Drama",     "Fantasy",   "Film-Noir",  "Horror", "Musical",
      "Mystery",     "Romance",   "Sci-Fi",    "Thriller",   "War",    "Western"};
  const std::string movies_text = ds.Read("movies.dat");
  EXPECT_TRUE(std::all_of(movies_text.begin(), movies_text.end(),
                          [](char c) { return static_cast<unsigned char>(c) < 0x80; }));
  auto movies = Lines(movies_text);
  ASSERT_EQ(movies.size(), 600u);
  for (const auto& line : movies) {
    auto f = Split(line, "::");
    ASSERT_EQ(f.size(), 3u) << line;
    for (const auto& g : Split(f[2], "|")) EXPECT_TRUE(ml_genres.count(g)) << g;
  }
  auto users = Lines(ds.Read("users.dat"));
  ASSERT_EQ(users.size(), 400u);
  std::set<std::string> ages = {"1", "18", "25", "35", "45", "50", "56"};
  for (const auto& line : users) {
    auto f = Split(line, "::");
    ASSERT_EQ(f.size(), 5u);
    EXPECT_TRUE(ages.count(f[2])) << f[2];
    EXPECT_LE(Int(f[3]), 20);
  }
}

TEST(GenerateMovieLens, MlLatestLayout) {
  const DataSet& ds = Generated(Opts(600, 900, 60000, "ml-latest"));
  auto first = [&](const std::string& f) { return Lines(ds.Read(f)).at(0); };
  EXPECT_EQ(first("ratings.csv"), "userId,movieId,rating,timestamp");
  EXPECT_EQ(first("movies.csv"), "movieId,title,genres");
  EXPECT_EQ(first("links.csv"), "movieId,imdbId,tmdbId");
  EXPECT_EQ(first("tags.csv"), "userId,movieId,tag,timestamp");
  EXPECT_EQ(LoadRatings(ds).size(), 60000u);
  auto movies = ParseCsv(ds.Read("movies.csv"));
  ASSERT_EQ(movies.size(), 901u);
  std::set<int64_t> ids;
  int quoted_with_comma = 0;
  for (const auto& r : movies) {
    if (r.line == 1) continue;
    ASSERT_EQ(r.fields.size(), 3u) << r.raw;
    ids.insert(Int(r.fields[0]));
    EXPECT_TRUE(HasYearSuffix(r.fields[1])) << r.fields[1];
    quoted_with_comma +=
        r.raw.find(",\"") != std::string::npos && r.fields[1].find(", ") != std::string::npos;
  }
  EXPECT_GT(quoted_with_comma, 50);
  for (const auto& r : ParseCsv(ds.Read("links.csv"))) {
    if (r.line == 1) continue;
    ASSERT_EQ(r.fields.size(), 3u);
    EXPECT_TRUE(ids.count(Int(r.fields[0])));
    EXPECT_EQ(r.fields[1].size(), 7u);
  }
  auto tags = ParseCsv(ds.Read("tags.csv"));
  EXPECT_GT(tags.size(), 10u);
  for (const auto& r : tags) {
    if (r.line == 1) continue;
    ASSERT_EQ(r.fields.size(), 4u) << r.raw;
    EXPECT_TRUE(ids.count(Int(r.fields[1])));
  }
}

TEST(GenerateMovieLens, WholeStarRatingsStillFollowTheModel) {
  const DataSet& ds = Generated(Opts(600, 900, 60000, "ml-1m"));
  Truth t = LoadTruth(ds);
  std::vector<double> y, pred;
  for (const Rating& r : LoadRatings(ds)) {
    y.push_back(r.value);
    pred.push_back(t.Predict(t.user_row.at(r.user), t.movie_row.at(r.movie)));
  }
  EXPECT_GT(Correlation(y, pred), 0.7);
  EXPECT_EQ(t.json["format"], "ml-1m");
}

// ---------------------------------------------------------------------------------------------
// Dirty data.

struct Defect {
  std::string file;
  int64_t line;
  std::string kind;
  std::string detail;
};

std::vector<Defect> LoadDefects(const DataSet& ds) {
  auto recs = ParseCsv(ds.Read("defects.csv"));
  EXPECT_EQ(recs.at(0).raw, "file,line,kind,detail");
  std::vector<Defect> out;
  for (size_t k = 1; k < recs.size(); ++k) {
    EXPECT_EQ(recs[k].fields.size(), 4u) << recs[k].raw;
    if (recs[k].fields.size() != 4) continue;
    out.push_back(
        {recs[k].fields[0], Int(recs[k].fields[1]), recs[k].fields[2], recs[k].fields[3]});
  }
  return out;
}

// The JSON-escaped value at the end of a quoted_field detail.
std::string QuotedValue(const std::string& detail) {
  size_t at = detail.find(": \"");
  EXPECT_NE(at, std::string::npos) << detail;
  return nlohmann::json::parse(detail.substr(at + 2)).get<std::string>();
}

struct RatingRules {
  std::string delim;
  bool half_stars;
  bool iso_date;
  bool header;
};

// Walks a ratings file and checks every listed defect against the line it points at; checks
// that unlisted lines are clean ratings.
void CheckRatingsDefects(const std::string& text, const std::string& file, const RatingRules& rules,
                         const std::vector<Defect>& defects, const std::set<int64_t>& movie_ids,
                         const std::set<int64_t>& duplicate_movie_ids,
                         std::map<std::string, int>& kinds_seen) {
  std::map<int64_t, const Defect*> at;
  for (const Defect& d : defects) {
    if (d.file == file) {
      EXPECT_TRUE(at.emplace(d.line, &d).second) << "two defects on one line";
    }
  }
  ASSERT_FALSE(at.empty());
  auto lines = Lines(text);
  std::unordered_set<std::string> earlier_lines;
  std::map<std::pair<int64_t, int64_t>, std::string> earlier_pairs;  // -> line text
  auto valid_date = [&](const std::string& s) {
    if (rules.iso_date) {
      auto d = IsoDay(s);
      return d && *d >= kFirstDay && *d <= kLastDay;
    }
    int64_t ts = 0;
    return ToInt(s, ts) && ts >= kFirstDay * 86400 && ts < (kLastDay + 1) * 86400;
  };
  auto valid_rating = [&](const std::string& s) {
    double v = 0;
    if (!ToDouble(s, v)) return false;
    return rules.half_stars ? (v >= 0.5 && v <= 5.0 && std::fmod(v * 2, 1.0) == 0)
                            : (v >= 1 && v <= 5 && std::fmod(v, 1.0) == 0);
  };
  for (size_t k = rules.header ? 1 : 0; k < lines.size(); ++k) {
    const int64_t line_no = static_cast<int64_t>(k + 1);
    const std::string& line = lines[k];
    auto f = Split(line, rules.delim);
    auto it = at.find(line_no);
    int64_t user = 0, movie = 0;
    bool keyed = f.size() == 4 && ToInt(f[0], user) && ToInt(f[1], movie);
    if (it == at.end()) {
      // A clean row.
      ASSERT_EQ(f.size(), 4u) << file << ":" << line_no << " " << line;
      EXPECT_TRUE(keyed && movie_ids.count(movie)) << file << ":" << line_no << " " << line;
      EXPECT_TRUE(valid_rating(f[2])) << line;
      EXPECT_TRUE(valid_date(f[3])) << line;
      EXPECT_FALSE(earlier_lines.count(line)) << "unlisted duplicate row at " << line_no;
    } else {
      const Defect& d = *it->second;
      ++kinds_seen[d.kind];
      const std::string where = file + ":" + std::to_string(line_no) + " [" + d.kind + "] " + line;
      if (d.kind == "malformed_line") {
        EXPECT_TRUE(f.size() != 4 || line.find('"') != std::string::npos) << where;
      } else if (d.kind == "out_of_range_rating") {
        double v = 0;
        ASSERT_EQ(f.size(), 4u) << where;
        ASSERT_TRUE(ToDouble(f[2], v)) << where;
        EXPECT_TRUE(rules.half_stars ? (v < 0.5 || v > 5.0) : (v < 1 || v > 5)) << where;
      } else if (d.kind == "unknown_movie_id") {
        EXPECT_TRUE(keyed && !movie_ids.count(movie) && !duplicate_movie_ids.count(movie)) << where;
      } else if (d.kind == "duplicate_row") {
        EXPECT_TRUE(earlier_lines.count(line)) << where;
      } else if (d.kind == "duplicate_rating") {
        ASSERT_TRUE(keyed) << where;
        auto e = earlier_pairs.find({user, movie});
        ASSERT_NE(e, earlier_pairs.end()) << where;
        EXPECT_NE(e->second, line) << where;
        EXPECT_NE(Split(e->second, rules.delim)[2], f[2]) << "same rating again: " << where;
      } else if (d.kind == "duplicate_movie") {
        EXPECT_TRUE(keyed && duplicate_movie_ids.count(movie)) << where;
        EXPECT_TRUE(valid_rating(f[2]) && valid_date(f[3])) << where;
      } else if (d.kind == "bad_date") {
        ASSERT_EQ(f.size(), 4u) << where;
        EXPECT_FALSE(valid_date(f[3])) << where;
        EXPECT_TRUE(valid_rating(f[2])) << where;
      } else if (d.kind == "missing_field") {
        ASSERT_EQ(f.size(), 4u) << where;
        EXPECT_TRUE(f[0].empty() || f[1].empty() || f[2].empty()) << where;
      } else {
        ADD_FAILURE() << "unexpected kind in a ratings file: " << where;
      }
    }
    earlier_lines.insert(line);
    if (keyed) earlier_pairs.emplace(std::make_pair(user, movie), line);
  }
  EXPECT_LE(at.rbegin()->first, static_cast<int64_t>(lines.size()));
}

TEST(GenerateDirty, DefectsCsvListsEveryKindOnTheRightLines) {
  const DataSet& ds = Dirty();
  auto defects = LoadDefects(ds);
  ASSERT_GT(defects.size(), 100u);
  std::map<std::string, int> kinds;

  // Movies.csv: records by start line.
  auto movies = ParseCsv(ds.Read("Movies.csv"));
  std::map<int64_t, const Record*> movie_at;
  for (const auto& r : movies) movie_at[r.line] = &r;
  std::set<int64_t> movie_ids, duplicate_ids;
  std::map<std::string, std::vector<int64_t>> by_title_year;
  for (const auto& r : movies) {
    int64_t id = 0;
    if (r.line == 1 || r.error || r.fields.size() != 14 || !ToInt(r.fields[0], id)) continue;
    movie_ids.insert(id);
    by_title_year[gen::NormalizedTitle(r.fields[3]) + "|" + r.fields[8].substr(0, 4)].push_back(id);
  }
  std::map<std::string, int> title_columns;
  for (const Defect& d : defects) {
    if (d.file != "Movies.csv") continue;
    ++kinds[d.kind];
    ASSERT_TRUE(movie_at.count(d.line)) << "no record starts at Movies.csv:" << d.line;
    const Record& r = *movie_at[d.line];
    const std::string where = "Movies.csv:" + std::to_string(d.line) + " [" + d.kind + "] " + r.raw;
    if (d.kind == "malformed_line") {
      EXPECT_TRUE(r.error || r.fields.size() != 14) << where;
    } else if (d.kind == "missing_field") {
      ASSERT_EQ(r.fields.size(), 14u) << where;
      EXPECT_TRUE(r.fields[0].empty() || (r.fields[2].empty() && r.fields[3].empty())) << where;
    } else if (d.kind == "duplicate_movie") {
      ASSERT_EQ(r.fields.size(), 14u) << where;
      const auto& same = by_title_year[gen::NormalizedTitle(r.fields[3]) + "|" + r.fields[8].substr(0, 4)];
      EXPECT_EQ(same.size(), 2u) << where;
      duplicate_ids.insert(Int(r.fields[0]));
      movie_ids.erase(Int(r.fields[0]));
    } else if (d.kind == "invalid_utf8") {
      EXPECT_FALSE(io::IsValidUtf8(r.raw)) << where;
    } else if (d.kind == "quoted_field") {
      ASSERT_EQ(r.fields.size(), 14u) << where;
      EXPECT_GT(r.line_count, 1) << where;
      // Films in the IMDb list keep their EnglishTitle; the defect goes to OriginalTitle.
      bool original = d.detail.rfind("OriginalTitle of MovieID", 0) == 0;
      EXPECT_TRUE(original || d.detail.rfind("EnglishTitle of MovieID", 0) == 0) << where;
      EXPECT_EQ(r.fields[original ? 2 : 3], QuotedValue(d.detail)) << where;
      ++title_columns[original ? "OriginalTitle" : "EnglishTitle"];
    } else if (d.kind == "bad_date") {
      ASSERT_EQ(r.fields.size(), 14u) << where;
      auto day = IsoDay(r.fields[8]);
      EXPECT_TRUE(!day || *day > kLastDay) << where;
    } else {
      ADD_FAILURE() << "unexpected kind " << where;
    }
  }

  EXPECT_GT(title_columns["OriginalTitle"], 0);
  EXPECT_GT(title_columns["EnglishTitle"], 0);

  // Persons.csv.
  auto persons = ParseCsv(ds.Read("Persons.csv"));
  std::map<int64_t, const Record*> person_at;
  for (const auto& r : persons) person_at[r.line] = &r;
  for (const Defect& d : defects) {
    if (d.file != "Persons.csv") continue;
    ++kinds[d.kind];
    ASSERT_TRUE(person_at.count(d.line)) << "no record starts at Persons.csv:" << d.line;
    const Record& r = *person_at[d.line];
    const std::string where =
        "Persons.csv:" + std::to_string(d.line) + " [" + d.kind + "] " + r.raw;
    if (d.kind == "malformed_line") {
      EXPECT_TRUE(r.error || r.fields.size() != 5) << where;
    } else if (d.kind == "missing_field") {
      ASSERT_EQ(r.fields.size(), 5u) << where;
      EXPECT_TRUE(r.fields[2].empty()) << where;
    } else if (d.kind == "invalid_utf8") {
      EXPECT_FALSE(io::IsValidUtf8(r.raw)) << where;
    } else if (d.kind == "quoted_field") {
      ASSERT_EQ(r.fields.size(), 5u) << where;
      EXPECT_GT(r.line_count, 1) << where;
      EXPECT_EQ(r.fields[4], QuotedValue(d.detail)) << where;
    } else {
      ADD_FAILURE() << "unexpected kind " << where;
    }
  }

  CheckRatingsDefects(ds.Read("Ratings.csv"), "Ratings.csv", {",", true, true, true}, defects,
                      movie_ids, duplicate_ids, kinds);
  for (const char* kind : {"malformed_line", "out_of_range_rating", "unknown_movie_id",
                           "duplicate_row", "duplicate_rating", "duplicate_movie", "bad_date",
                           "invalid_utf8", "missing_field", "quoted_field"}) {
    EXPECT_GT(kinds[kind], 0) << kind << " never injected";
  }
  for (const Defect& d : defects) {
    EXPECT_TRUE(io::IsValidUtf8(d.detail)) << d.file << ":" << d.line;
    EXPECT_FALSE(d.detail.empty());
  }
}

TEST(GenerateDirty, CleanRowsStayExactlyAsInTheCleanOutput) {
  const DataSet& dirty = Dirty();
  const DataSet& clean = CleanTwinOfDirty();
  auto defects = LoadDefects(dirty);
  std::map<std::string, std::set<int64_t>> listed;
  std::map<std::string, int> in_place;
  for (const Defect& d : defects) {
    listed[d.file].insert(d.line);
    if (d.kind == "invalid_utf8" || d.kind == "quoted_field" ||
        (d.kind == "bad_date" && d.file == "Movies.csv")) {
      ++in_place[d.file];
    }
  }
  // Ratings: defects are inserted rows only, so dropping them gives the clean file back.
  auto dirty_lines = Lines(dirty.Read("Ratings.csv"));
  std::vector<std::string> kept;
  for (size_t k = 0; k < dirty_lines.size(); ++k) {
    if (!listed["Ratings.csv"].count(static_cast<int64_t>(k + 1))) kept.push_back(dirty_lines[k]);
  }
  EXPECT_TRUE(kept == Lines(clean.Read("Ratings.csv")));

  // Movies and Persons: unlisted records are the clean records, in order; the listed ones
  // are insertions or in-place changes.
  for (const char* file : {"Movies.csv", "Persons.csv"}) {
    auto d = ParseCsv(dirty.Read(file));
    auto c = ParseCsv(clean.Read(file));
    std::vector<std::string> unlisted;
    for (const auto& r : d) {
      if (!listed[file].count(r.line)) unlisted.push_back(r.raw);
    }
    EXPECT_EQ(unlisted.size() + static_cast<size_t>(in_place[file]), c.size()) << file;
    size_t j = 0;
    for (const auto& r : c) {
      if (j < unlisted.size() && unlisted[j] == r.raw) ++j;
    }
    EXPECT_EQ(j, unlisted.size()) << file << ": an unlisted record differs from the clean file";
  }
  // Files without defects are untouched, and the IMDb list still matches Movies.csv.
  EXPECT_EQ(dirty.Read("imdb_top_1000.csv"), clean.Read("imdb_top_1000.csv"));
  std::set<std::pair<std::string, std::string>> title_year;
  for (const auto& r : ParseCsv(dirty.Read("Movies.csv"))) {
    if (!r.error && r.fields.size() == 14)
      title_year.insert({r.fields[3], r.fields[8].substr(0, 4)});
  }
  for (const auto& r : ParseCsv(dirty.Read("imdb_top_1000.csv"))) {
    if (r.line > 1) {
      EXPECT_TRUE(title_year.count({r.fields[1], r.fields[2]})) << r.raw;
    }
  }
  EXPECT_EQ(dirty.Read("ground_truth/user_factors.npy"),
            clean.Read("ground_truth/user_factors.npy"));
}

TEST(GenerateDirty, DefectRateIsCloseToTheFlag) {
  const DataSet& ds = Dirty();
  std::map<std::string, int64_t> per_file;
  for (const Defect& d : LoadDefects(ds)) ++per_file[d.file];
  double ratings_rate = static_cast<double>(per_file["Ratings.csv"]) / 150000.0;
  EXPECT_NEAR(ratings_rate, 0.05, 0.01);
  double movies_rate = static_cast<double>(per_file["Movies.csv"]) / 3000.0;
  EXPECT_NEAR(movies_rate, 0.05, 0.02);
  EXPECT_GT(per_file["Persons.csv"], 0);
  nlohmann::json truth = nlohmann::json::parse(ds.Read("ground_truth/truth.json"));
  EXPECT_EQ(truth["defects"].get<int64_t>(), static_cast<int64_t>(LoadDefects(ds).size()));
}

TEST(GenerateDirty, MovieLensFilesGetTheDefectsTheirLayoutAllows) {
  for (const char* format : {"ml-100k", "ml-1m", "ml-latest"}) {
    SCOPED_TRACE(format);
    const DataSet& ds = Generated(Opts(500, 700, 40000, format, 0.05));
    const DataSet& clean = Generated(Opts(500, 700, 40000, format, 0.0));
    auto defects = LoadDefects(ds);
    const std::string f = format;
    const std::string movies_file = f == "ml-100k" ? "u.item"
                                    : f == "ml-1m" ? "movies.dat"
                                                   : "movies.csv";
    const std::string ratings_file = f == "ml-100k" ? "u.data"
                                     : f == "ml-1m" ? "ratings.dat"
                                                    : "ratings.csv";
    const std::string delim = f == "ml-100k" ? "|" : f == "ml-1m" ? "::" : ",";
    const size_t fields = f == "ml-100k" ? 24 : 3;

    std::map<int64_t, Record> movie_at;
    if (f == "ml-latest") {
      for (auto& r : ParseCsv(ds.Read(movies_file))) movie_at[r.line] = r;
    } else {
      auto lines = Lines(ds.Read(movies_file));
      for (size_t k = 0; k < lines.size(); ++k) {
        Record r;
        r.line = static_cast<int64_t>(k + 1);
        r.raw = lines[k];
        r.fields = Split(lines[k], delim);
        movie_at[r.line] = r;
      }
    }
    std::set<int64_t> ids, dup_ids;
    std::map<std::string, int> titles;
    for (auto& [line, r] : movie_at) {
      int64_t id = 0;
      if (!r.error && r.fields.size() == fields && ToInt(r.fields[0], id) &&
          !(f == "ml-latest" && line == 1)) {
        ids.insert(id);
        ++titles[gen::NormalizedTitle(r.fields[1])];
      }
    }
    std::map<std::string, int> kinds;
    for (const Defect& d : defects) {
      if (d.file != movies_file) continue;
      ++kinds[d.kind];
      ASSERT_TRUE(movie_at.count(d.line)) << d.line;
      const Record& r = movie_at[d.line];
      const std::string where =
          movies_file + ":" + std::to_string(d.line) + " [" + d.kind + "] " + r.raw;
      if (d.kind == "malformed_line") {
        EXPECT_TRUE(r.error || r.fields.size() != fields || r.raw.find('"') != std::string::npos)
            << where;
      } else if (d.kind == "missing_field") {
        ASSERT_EQ(r.fields.size(), fields) << where;
        EXPECT_TRUE(r.fields[0].empty() || r.fields[1].empty()) << where;
      } else if (d.kind == "duplicate_movie") {
        ASSERT_EQ(r.fields.size(), fields) << where;
        EXPECT_EQ(titles[gen::NormalizedTitle(r.fields[1])], 2) << where;
        dup_ids.insert(Int(r.fields[0]));
        ids.erase(Int(r.fields[0]));
      } else if (d.kind == "invalid_utf8" && f == "ml-latest") {
        EXPECT_FALSE(io::IsValidUtf8(r.raw)) << where;
      } else if (d.kind == "quoted_field" && f == "ml-latest") {
        EXPECT_EQ(r.fields.at(1), QuotedValue(d.detail)) << where;
      } else {
        ADD_FAILURE() << "kind not expected in this layout: " << where;
      }
    }
    EXPECT_GT(kinds["duplicate_movie"], 0);
    RatingRules rules{f == "ml-100k" ? "\t"
                      : f == "ml-1m" ? "::"
                                     : ",",
                      f == "ml-latest", false, f == "ml-latest"};
    CheckRatingsDefects(ds.Read(ratings_file), ratings_file, rules, defects, ids, dup_ids, kinds);
    for (const char* kind : {"malformed_line", "out_of_range_rating", "unknown_movie_id",
                             "duplicate_row", "duplicate_rating", "bad_date", "missing_field"}) {
      EXPECT_GT(kinds[kind], 0) << kind;
    }
    // Inserted rows only: the ratings file minus the listed lines is the clean one.
    std::set<int64_t> listed;
    for (const Defect& d : defects) {
      if (d.file == ratings_file) listed.insert(d.line);
    }
    auto lines = Lines(ds.Read(ratings_file));
    std::vector<std::string> kept;
    for (size_t k = 0; k < lines.size(); ++k) {
      if (!listed.count(static_cast<int64_t>(k + 1))) kept.push_back(lines[k]);
    }
    EXPECT_TRUE(kept == Lines(clean.Read(ratings_file)));
  }
}

}  // namespace
}  // namespace movierec

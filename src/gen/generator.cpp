#include "gen/generator.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <thread>

#include "common/error.h"
#include "common/log.h"
#include "gen/catalog.h"
#include "gen/defects.h"
#include "gen/format.h"
#include "gen/ground_truth.h"
#include "gen/latent_model.h"
#include "gen/rating_format.h"
#include "gen/ratings_sampler.h"
#include "gen/ratings_writer.h"
#include "gen/text_out.h"
#include "gen/writers_movielens.h"
#include "gen/writers_original.h"

namespace movierec::gen {

namespace {

constexpr int64_t kMaxUsers = 100'000'000;
constexpr int64_t kMaxMovies = 10'000'000;
constexpr int64_t kMaxRatings = 2'000'000'000;
constexpr int kMaxRank = 256;
constexpr int kMaxThreads = 1024;

int EffectiveThreads(int requested) {
  if (requested > 0) return requested;
  unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : static_cast<int>(hc);
}

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

void ValidateGenerateOptions(const GenerateOptions& o) {
  if (o.out_dir.empty()) throw UsageError("--out: an output directory is required");
  if (o.users < 1 || o.users > kMaxUsers) {
    throw UsageError("--users " + std::to_string(o.users) + ": must be between 1 and " +
                     std::to_string(kMaxUsers));
  }
  if (o.movies < 1 || o.movies > kMaxMovies) {
    throw UsageError("--movies " + std::to_string(o.movies) + ": must be between 1 and " +
                     std::to_string(kMaxMovies));
  }
  if (o.ratings < 1 || o.ratings > kMaxRatings) {
    throw UsageError("--ratings " + std::to_string(o.ratings) + ": must be between 1 and " +
                     std::to_string(kMaxRatings));
  }
  // At most half of all user-movie pairs, so sampling without replacement stays meaningful.
  const long double half =
      static_cast<long double>(o.users) * static_cast<long double>(o.movies) * 0.5L;
  if (static_cast<long double>(o.ratings) > half) {
    throw UsageError("--ratings " + std::to_string(o.ratings) +
                     ": more than half of all user-movie pairs (" + std::to_string(o.users) +
                     " users x " + std::to_string(o.movies) +
                     " movies / 2 = " + std::to_string(static_cast<int64_t>(half)) +
                     "); lower --ratings or raise --users/--movies");
  }
  if (!std::isfinite(o.dirty_rate) || o.dirty_rate < 0.0 || o.dirty_rate > 0.5) {
    std::ostringstream v;
    v << o.dirty_rate;
    throw UsageError("--dirty-rate " + v.str() + ": must be between 0 and 0.5");
  }
  if (!ParseFormat(o.format)) {
    throw UsageError("--format '" + o.format + "': expected original, ml-100k, ml-1m or ml-latest");
  }
  if (o.rank < 1 || o.rank > kMaxRank) {
    throw UsageError("--rank " + std::to_string(o.rank) + ": must be between 1 and " +
                     std::to_string(kMaxRank));
  }
  if (o.threads < 0 || o.threads > kMaxThreads) {
    throw UsageError("--threads " + std::to_string(o.threads) +
                     ": must be between 0 (all cores) and " + std::to_string(kMaxThreads));
  }
}

GenerateSummary Generate(const GenerateOptions& o) {
  ValidateGenerateOptions(o);
  const auto t0 = Clock::now();
  const Format format = *ParseFormat(o.format);
  const std::string dir = o.out_dir;
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(dir) / kGroundTruthDir, ec);
  if (ec) throw Error("cannot create output directory " + dir + ": " + ec.message());

  GenerateSummary summary;
  summary.threads = EffectiveThreads(o.threads);
  const ModelParams params = DefaultParams(o.rank, o.movies);
  const ItemModel items = BuildItemModel(o.seed, o.movies, params);
  const UserModel users = BuildUserModel(o.seed, o.users, params, summary.threads);
  const Catalog catalog = BuildCatalog(o.seed, format, items);
  const CatalogDefectPlan plan = PlanCatalogDefects(o.seed, o.dirty_rate, format, catalog);

  std::vector<DefectRecord> defects;
  std::vector<WrittenFile> written;
  auto add = [&](WrittenFile f) { written.push_back(std::move(f)); };
  auto add_all = [&](std::vector<WrittenFile> fs) {
    for (auto& f : fs) add(std::move(f));
  };

  switch (format) {
    case Format::kOriginal:
      add(WriteMoviesCsv(dir, catalog, plan, defects));
      add(WritePersonsCsv(dir, catalog, o.dirty_rate, defects));
      add(WriteImdbTop(dir, catalog));
      break;
    case Format::kMl100k:
      add_all(WriteMl100kCatalog(dir, catalog, plan, o.users, o.ratings, defects));
      break;
    case Format::kMl1m:
      add_all(WriteMl1mCatalog(dir, catalog, plan, o.users, defects));
      break;
    case Format::kMlLatest:
      add_all(WriteMlLatestCatalog(dir, catalog, plan, defects));
      break;
  }

  // Ratings: the bulk of the work.
  const std::vector<int32_t> counts = UserRatingCounts(o.seed, o.users, o.movies, o.ratings);
  const RatingSampler sampler(o.seed, params, items, users, catalog);
  RatingsJob job;
  job.sampler = &sampler;
  job.catalog = &catalog;
  job.plan = &plan;
  job.items = &items;
  job.dialect = DialectFor(format);
  job.counts = &counts;
  job.dirty_rate = o.dirty_rate;
  job.tags = format == Format::kMlLatest;
  job.threads = summary.threads;
  const auto tr = Clock::now();
  RatingsOutput ro = WriteRatingsFile(dir + "/" + std::string(job.dialect.file), job);
  summary.ratings_seconds = Since(tr);
  add(WrittenFile{std::string(job.dialect.file), ro.clean_rows + ro.inserted_rows, ro.bytes});
  for (auto& d : ro.defects) defects.push_back(std::move(d));
  if (job.tags) {
    OutputFile tags(dir + "/tags.csv");
    tags.Record(std::string(kMlLatestTagsHeader) + "\n");
    tags.Block(ro.tags_text, ro.tag_rows);
    tags.Close();
    add(WrittenFile{"tags.csv", ro.tag_rows, tags.bytes()});
  }
  summary.ratings = ro.clean_rows;

  if (o.dirty_rate > 0) {
    WriteDefectsCsv(dir + "/defects.csv", defects);
    add(WrittenFile{"defects.csv", static_cast<int64_t>(defects.size()),
                    static_cast<int64_t>(std::filesystem::file_size(dir + "/defects.csv"))});
  } else {
    std::filesystem::remove(std::filesystem::path(dir) / "defects.csv", ec);
  }
  summary.defects = static_cast<int64_t>(defects.size());

  for (const WrittenFile& f : written) {
    summary.files.push_back(f.name);
    if (f.name != "defects.csv") summary.rows += f.rows;
    summary.bytes += f.bytes;
  }
  for (std::string& n : WriteGroundTruthArrays(dir, items, users, catalog)) {
    summary.files.push_back(std::move(n));
  }
  summary.files.push_back(std::string(kGroundTruthDir) + "/truth.json");

  TruthInfo info;
  info.seed = o.seed;
  info.format = std::string(FormatName(format));
  info.users = o.users;
  info.movies = o.movies;
  info.ratings = o.ratings;
  info.dirty_rate = o.dirty_rate;
  info.defects = summary.defects;
  info.half_stars = HalfStars(format);
  info.files = summary.files;
  WriteTruthJson(dir, params, info);
  summary.seconds = Since(t0);
  return summary;
}

int RunGenerate(const GenerateOptions& options) {
  GenerateSummary s = Generate(options);
  if (!IsQuiet()) {
    char line[4096];
    double rate = s.ratings_seconds > 0 ? static_cast<double>(s.ratings) / s.ratings_seconds : 0;
    std::snprintf(line, sizeof line,
                  "generate: %zu files, %lld rows (%lld ratings, %lld defects) in %s, "
                  "%.2f s total; ratings file %.2f s = %.2f M ratings/s on %d threads",
                  s.files.size(), static_cast<long long>(s.rows), static_cast<long long>(s.ratings),
                  static_cast<long long>(s.defects), options.out_dir.c_str(), s.seconds,
                  s.ratings_seconds, rate / 1e6, s.threads);
    std::cout << line << std::endl;
  }
  return kExitOk;
}

}  // namespace movierec::gen

// Throughput of the CSV reader on synthetic in-memory text (no I/O): the sequential cursor,
// ParseParallel on two workers, and the same with a sink that parses the numbers the way the
// ratings loader does, which is the end-to-end figure that matters for a 25M-row file.
#include <benchmark/benchmark.h>
#include <fast_float/fast_float.h>

#include <charconv>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "io/csv_reader.h"

namespace movierec::io {
namespace {

// Rows like "123,4567,3.5,2011-05-03\n" (about 26 bytes), the shape of Ratings.csv.
const std::string& RatingsText(int64_t rows) {
  static std::string cached;
  static int64_t cached_rows = -1;
  if (cached_rows == rows) return cached;
  std::mt19937_64 rng(42);
  std::string text = "UserID,MovieID,Rating,Date\n";
  text.reserve(static_cast<size_t>(rows) * 27 + 64);
  char buf[64];
  for (int64_t i = 0; i < rows; ++i) {
    const auto user = 1 + rng() % 300000;
    const auto movie = 1 + rng() % 60000;
    const auto half_stars = 1 + rng() % 10;
    const auto year = 1996 + rng() % 28;
    const int n = std::snprintf(
        buf, sizeof buf, "%llu,%llu,%llu.%llu,%llu-%02llu-%02llu\n",
        static_cast<unsigned long long>(user), static_cast<unsigned long long>(movie),
        static_cast<unsigned long long>(half_stars / 2),
        static_cast<unsigned long long>(half_stars % 2 * 5), static_cast<unsigned long long>(year),
        static_cast<unsigned long long>(1 + rng() % 12),
        static_cast<unsigned long long>(1 + rng() % 28));
    text.append(buf, static_cast<size_t>(n));
  }
  cached = std::move(text);
  cached_rows = rows;
  return cached;
}

// Rows in the style of imdb_top_1000.csv: most text fields quoted, some with commas, doubled
// quotes and the occasional embedded newline.
const std::string& QuotedText() {
  static const std::string text = [] {
    std::mt19937 rng(7);
    std::string t = "Series_Title,Released_Year,Genre,Overview,Gross\n";
    while (t.size() < (size_t{64} << 20)) {
      t += "\"The Title " + std::to_string(rng() % 1000) + "\",";
      t += std::to_string(1950 + rng() % 70) + ",";
      t += "\"Crime, Drama\",";
      t += rng() % 8 == 0 ? "\"A \"\"quoted\"\" overview,\nover two lines.\","
                          : "\"An overview of the film, with commas, and some more words.\",";
      t += "\"28,341,469\"\n";
    }
    return t;
  }();
  return text;
}

struct CountSink {
  size_t fields = 0;
  void operator()(const CsvRecord& r) { fields += r.fields.size(); }
};

// What the ratings loader does per record: two integers, a float and a date.
struct RatingsSink {
  int64_t checksum = 0;
  size_t bad = 0;
  void operator()(const CsvRecord& r) {
    if (r.error != nullptr || r.fields.size() != 4) {
      ++bad;
      return;
    }
    int64_t user = 0, movie = 0;
    float rating = 0;
    int year = 0, month = 0, day = 0;
    const auto f0 = r.fields[0], f1 = r.fields[1], f2 = r.fields[2], f3 = r.fields[3];
    bool ok = std::from_chars(f0.data(), f0.data() + f0.size(), user).ec == std::errc() &&
              std::from_chars(f1.data(), f1.data() + f1.size(), movie).ec == std::errc() &&
              fast_float::from_chars(f2.data(), f2.data() + f2.size(), rating).ec == std::errc() &&
              f3.size() == 10 &&
              std::from_chars(f3.data(), f3.data() + 4, year).ec == std::errc() &&
              std::from_chars(f3.data() + 5, f3.data() + 7, month).ec == std::errc() &&
              std::from_chars(f3.data() + 8, f3.data() + 10, day).ec == std::errc();
    if (!ok) {
      ++bad;
      return;
    }
    checksum += user + movie + static_cast<int64_t>(rating * 2) + year + month + day;
  }
};

template <class Sink>
void RunCursor(benchmark::State& state, const std::string& text) {
  const CsvHeader header = ReadHeader(text, {});
  for (auto _ : state) {
    CsvCursor cursor(text, header.data_pos, header.data_line, {});
    CsvRecord record;
    Sink sink;
    while (cursor.Next(record)) sink(record);
    benchmark::DoNotOptimize(sink);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(text.size()));
}

template <class Sink>
void RunParallel(benchmark::State& state, const std::string& text, int workers) {
  const CsvHeader header = ReadHeader(text, {});
  for (auto _ : state) {
    auto sinks =
        ParseParallel(text, header.data_pos, header.data_line, {}, workers, [] { return Sink{}; });
    benchmark::DoNotOptimize(sinks.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(text.size()));
}

void BM_CursorRatings(benchmark::State& state) {
  RunCursor<CountSink>(state, RatingsText(state.range(0)));
}
void BM_CursorRatingsWithNumbers(benchmark::State& state) {
  RunCursor<RatingsSink>(state, RatingsText(state.range(0)));
}
void BM_ParallelRatings(benchmark::State& state) {
  RunParallel<CountSink>(state, RatingsText(state.range(0)), static_cast<int>(state.range(1)));
}
void BM_ParallelRatingsWithNumbers(benchmark::State& state) {
  RunParallel<RatingsSink>(state, RatingsText(state.range(0)), static_cast<int>(state.range(1)));
}
void BM_CursorQuoted(benchmark::State& state) { RunCursor<CountSink>(state, QuotedText()); }
void BM_ParallelQuoted(benchmark::State& state) {
  RunParallel<CountSink>(state, QuotedText(), static_cast<int>(state.range(0)));
}
void BM_CountNewlines(benchmark::State& state) {
  const std::string& text = RatingsText(state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(detail::CountNewlines(text.data(), text.size()));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(text.size()));
}

// Grouped by input size so each synthetic text is built once.
BENCHMARK(BM_CursorRatings)->Arg(3'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CursorRatingsWithNumbers)->Arg(3'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParallelRatings)->Args({3'000'000, 2})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ParallelRatingsWithNumbers)
    ->Args({3'000'000, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_CountNewlines)->Arg(3'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CursorQuoted)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParallelQuoted)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace movierec::io

BENCHMARK_MAIN();

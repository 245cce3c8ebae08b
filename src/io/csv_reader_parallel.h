// Definition of the ParseParallel templates declared in csv_reader.h; included at its bottom.
//
// Scheme: cut the text into chunks, count '\n' per chunk in parallel to know the absolute line
// at every cut, let each chunk start speculatively just after the first '\n' at or after its
// cut and parse records starting before the next chunk's speculative start. A guess is wrong
// only when the cut falls inside a quoted field with a newline or inside a malformed record
// whose recovery differs; validation then re-parses the chunk from where its predecessor
// really stopped, so the result always equals one sequential CsvCursor pass.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "io/csv_reader.h"

namespace movierec::io {
namespace detail {

// Chunk k covers the records starting in [start[k], start[k + 1]); line[k] is the physical
// line at start[k]. start.back() is the end of the text.
struct ChunkPlan {
  std::vector<size_t> start;
  std::vector<int64_t> line;
  size_t chunks() const { return start.size() - 1; }
};

// chunk_bytes 0 picks the size from the text and the worker count (one chunk when parallelism
// would not pay). Counts newlines on `workers` threads.
ChunkPlan PlanChunks(std::string_view text, size_t pos, int64_t line, int workers,
                     size_t chunk_bytes);

// Number of '\n' in [p, p + n), vectorised.
size_t CountNewlines(const char* p, size_t n);

// True when a cursor placed at `guess` reads its first record at `stop`: they are equal or
// only empty lines lie between them.
bool ResumesAt(std::string_view text, size_t guess, size_t stop);

// Runs task(0 .. tasks-1) on up to `workers` threads (the caller's included), handing out
// indexes in order. An exception escaping a task stops the handing out; the first one (lowest
// index) is rethrown after every thread has been joined.
void RunTasks(int workers, size_t tasks, const std::function<void(size_t)>& task);

// Twice the usual line size: adjacent-line prefetchers pull pairs of lines.
inline constexpr size_t kCacheLine = 128;

struct ChunkStop {
  size_t pos = 0;         // start of the first record not delivered (or the end of the text)
  int64_t line = 1;       // its line
  bool complete = false;  // false: cancelled or failed before reaching pos
};

// Delivers the records of text[from, ...) that start before `limit`. Gives up early (complete
// false) once `stop_if` returns true, checked after every record.
template <class Sink, class StopIf>
ChunkStop ParseChunk(std::string_view text, size_t from, int64_t from_line, size_t limit,
                     const CsvDialect& dialect, Sink& sink, StopIf stop_if) {
  if (from >= limit) return {from, from_line, true};
  CsvCursor cursor(text, from, from_line, dialect);
  CsvRecord record;
  while (cursor.Next(record)) {
    const auto start = static_cast<size_t>(record.raw.data() - text.data());
    if (start >= limit) return {start, record.line, true};
    sink(record);
    if (stop_if()) return {cursor.pos(), cursor.line(), false};
  }
  return {cursor.pos(), cursor.line(), true};
}

}  // namespace detail

template <class MakeSink>
auto ParseParallel(std::string_view text, size_t pos, int64_t line, const CsvDialect& dialect,
                   int workers, size_t chunk_bytes, MakeSink make_sink)
    -> std::vector<decltype(make_sink())> {
  using Sink = decltype(make_sink());
  constexpr auto never = [] { return false; };
  pos = std::min(pos, text.size());
  workers = std::max(workers, 1);
  const detail::ChunkPlan plan = detail::PlanChunks(text, pos, line, workers, chunk_bytes);
  const size_t chunks = plan.chunks();

  // Sinks are made here, on the caller's thread, so make_sink need not be thread-safe.
  // std::optional lets a sink be replaced even when it is not assignable (a lambda). Each
  // gets its own cache lines: neighbouring chunks run at the same time, and a counter bumped
  // per record next to another thread's would halve the throughput (false sharing).
  struct alignas(detail::kCacheLine) Slot {
    std::optional<Sink> sink;
    Sink& operator*() { return *sink; }
    void reset() { sink.reset(); }
    void emplace(Sink&& s) { sink.emplace(std::move(s)); }
  };
  std::vector<Slot> sinks(chunks);
  for (auto& slot : sinks) slot.emplace(make_sink());
  std::vector<detail::ChunkStop> stops(chunks);

  if (chunks == 1) {
    stops[0] = detail::ParseChunk(text, pos, line, text.size(), dialect, *sinks[0], never);
  } else {
    // A sink may throw on the garbage a wrongly guessed chunk feeds it, so an exception only
    // counts once its chunk's start is validated. Chunks after a failed one stop early: their
    // work is wasted unless that failure turns out to be one of those false alarms.
    std::vector<std::exception_ptr> errors(chunks);
    std::atomic<size_t> first_failed{chunks};
    detail::RunTasks(workers, chunks, [&](size_t k) {
      auto stop_if = [&] { return first_failed.load(std::memory_order_relaxed) < k; };
      if (stop_if()) return;
      try {
        stops[k] = detail::ParseChunk(text, plan.start[k], plan.line[k], plan.start[k + 1], dialect,
                                      *sinks[k], stop_if);
      } catch (...) {
        errors[k] = std::current_exception();
        size_t seen = first_failed.load();
        while (k < seen && !first_failed.compare_exchange_weak(seen, k)) {
        }
      }
    });
    // Chunk 0 starts at a true record boundary; by induction each later chunk is right when
    // its guessed start is where its predecessor really stopped. Wrong or unfinished chunks
    // are parsed again, in order, from the true boundary.
    for (size_t k = 0; k < chunks; ++k) {
      const bool start_ok = k == 0 || detail::ResumesAt(text, plan.start[k], stops[k - 1].pos);
      if (start_ok && errors[k]) std::rethrow_exception(errors[k]);
      if (start_ok && stops[k].complete) continue;
      const size_t from = k == 0 ? pos : stops[k - 1].pos;
      const int64_t from_line = k == 0 ? line : stops[k - 1].line;
      sinks[k].reset();
      sinks[k].emplace(make_sink());
      stops[k] =
          detail::ParseChunk(text, from, from_line, plan.start[k + 1], dialect, *sinks[k], never);
    }
  }

  std::vector<Sink> result;
  result.reserve(chunks);
  for (auto& slot : sinks) result.push_back(std::move(*slot));
  return result;
}

template <class MakeSink>
auto ParseParallel(std::string_view text, size_t pos, int64_t line, const CsvDialect& dialect,
                   int workers, MakeSink make_sink) -> std::vector<decltype(make_sink())> {
  return ParseParallel(text, pos, line, dialect, workers, size_t{0}, std::move(make_sink));
}

}  // namespace movierec::io

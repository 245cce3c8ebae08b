#include "io/csv_reader.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/error.h"

namespace movierec::io {
namespace {

constexpr const char* kJunkAfterQuote = "unexpected character after closing quote";
constexpr const char* kUnterminated = "unterminated quoted field";

inline const char* FindChar(const char* p, const char* end, char c) {
  return static_cast<const char*>(std::memchr(p, c, static_cast<size_t>(end - p)));
}

constexpr size_t kBlock = 64;

// Bit i set when p[i] is `delim` or '\n', for i in [0, 64).
inline uint64_t BoundaryMask(const char* p, char delim) {
#if defined(__SSE2__)
  const __m128i d = _mm_set1_epi8(delim);
  const __m128i n = _mm_set1_epi8('\n');
  uint64_t mask = 0;
  for (int i = 0; i < 4; ++i) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
    const __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_cmpeq_epi8(v, n));
    mask |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(hit))) << (16 * i);
  }
  return mask;
#else
  uint64_t mask = 0;
  for (size_t i = 0; i < kBlock; ++i) {
    mask |= static_cast<uint64_t>(p[i] == delim || p[i] == '\n') << i;
  }
  return mask;
#endif
}

}  // namespace

CsvCursor::CsvCursor(std::string_view text, size_t pos, int64_t line, const CsvDialect& dialect)
    : text_(text), pos_(std::min(pos, text.size())), line_(line), dialect_(dialect) {
  MOVIEREC_ASSERT(!dialect_.delimiter.empty(), "CSV delimiter must not be empty");
  MOVIEREC_ASSERT(dialect_.delimiter.find_first_of("\r\n\"") == std::string::npos,
                  "CSV delimiter must not contain CR, LF or a quote");
  fields_.reserve(32);
}

inline const char* CsvCursor::FindBoundary(const char* p, const char* end) {
  const char delim = dialect_.delimiter[0];
  for (;;) {
    // Integer arithmetic: block_ may be null or belong to an earlier stretch of the text.
    const uintptr_t offset = reinterpret_cast<uintptr_t>(p) - reinterpret_cast<uintptr_t>(block_);
    if (block_ != nullptr && offset < kBlock) {
      const uint64_t mask = block_mask_ >> offset;
      if (mask != 0) return p + std::countr_zero(mask);
      p = block_ + kBlock;
    }
    if (static_cast<size_t>(end - p) < kBlock) break;
    block_ = p;
    block_mask_ = BoundaryMask(p, delim);
  }
  while (p < end && *p != delim && *p != '\n') ++p;  // the last few bytes of the text
  return p;
}

bool CsvCursor::Next(CsvRecord& out) {
  const char* const base = text_.data();
  const char* const end = base + text_.size();
  const char* p = base + pos_;

  // Empty lines ("\n" or "\r\n") are not records but still count as lines.
  while (p < end) {
    if (*p == '\n') {
      ++p;
      ++line_;
    } else if (*p == '\r' && (p + 1 == end || p[1] == '\n')) {
      p += (p + 1 == end) ? 1 : 2;
      ++line_;
    } else {
      break;
    }
  }
  if (p == end) {
    pos_ = text_.size();
    return false;
  }

  const char* const start = p;
  const int64_t start_line = line_;
  const char d0 = dialect_.delimiter[0];
  const size_t dlen = dialect_.delimiter.size();
  const char* const drest = dialect_.delimiter.data() + 1;
  const bool quoting = dialect_.quoting;
  fields_.clear();
  if (!unescaped_fields_.empty()) {
    unescaped_.clear();
    unescaped_fields_.clear();
  }

  // A malformed record is reported as its first physical line alone and reading resumes on
  // the next line, so one stray quote cannot swallow the records after it.
  auto malformed = [&](const char* why) {
    const char* nl = FindChar(start, end, '\n');
    const char* raw_end = nl != nullptr ? nl : end;
    if (raw_end > start && raw_end[-1] == '\r') --raw_end;
    pos_ = nl != nullptr ? static_cast<size_t>(nl + 1 - base) : text_.size();
    line_ = start_line + 1;
    fields_.clear();
    out.line = start_line;
    out.line_count = 1;
    out.raw = std::string_view(start, static_cast<size_t>(raw_end - start));
    out.fields = {};
    out.error = why;
    return true;
  };

  int64_t quoted_newlines = 0;
  const char* raw_end;  // the record without its terminator
  const char* next;     // where the following record starts
  for (;;) {
    if (quoting && p < end && *p == '"') {
      const char* q = p + 1;
      const char* close;
      bool doubled = false;
      for (;;) {
        close = FindChar(q, end, '"');
        if (close == nullptr) return malformed(kUnterminated);
        if (close + 1 < end && close[1] == '"') {
          doubled = true;
          q = close + 2;
          continue;
        }
        break;
      }
      const char* content = p + 1;
      const auto size = static_cast<size_t>(close - content);
      quoted_newlines += static_cast<int64_t>(detail::CountNewlines(content, size));
      if (doubled) {
        const size_t offset = unescaped_.size();
        const char* s = content;
        // Every quote inside is the first of a pair, so keep it and skip its twin.
        while (const char* qq = FindChar(s, close, '"')) {
          unescaped_.append(s, qq + 1);
          s = qq + 2;
        }
        unescaped_.append(s, close);
        unescaped_fields_.push_back({fields_.size(), offset, unescaped_.size() - offset});
        fields_.emplace_back();
      } else {
        fields_.emplace_back(content, size);
      }
      const char* a = close + 1;
      if (a == end) {
        raw_end = next = a;
        break;
      }
      if (*a == '\n') {
        raw_end = a;
        next = a + 1;
        break;
      }
      if (*a == '\r' && (a + 1 == end || a[1] == '\n')) {
        raw_end = a;
        next = a + 1 == end ? end : a + 2;
        break;
      }
      if (*a == d0 && (dlen == 1 || (static_cast<size_t>(end - a) >= dlen &&
                                     std::memcmp(a + 1, drest, dlen - 1) == 0))) {
        p = a + dlen;
        continue;
      }
      return malformed(kJunkAfterQuote);
    }

    // Unquoted field: verbatim up to the delimiter or the end of the line.
    const char* q;
    if (dlen == 1) {
      q = FindBoundary(p, end);
    } else {
      q = p;
      for (;;) {
        q = FindBoundary(q, end);
        if (q == end || *q == '\n') break;
        if (static_cast<size_t>(end - q) >= dlen && std::memcmp(q + 1, drest, dlen - 1) == 0) break;
        ++q;
      }
    }
    if (q < end && *q != '\n') {
      fields_.emplace_back(p, static_cast<size_t>(q - p));
      p = q + dlen;
      continue;
    }
    const char* field_end = q;
    if (field_end > p && field_end[-1] == '\r') --field_end;  // CRLF, or a CR at EOF
    fields_.emplace_back(p, static_cast<size_t>(field_end - p));
    raw_end = field_end;
    next = q < end ? q + 1 : end;
    break;
  }

  for (const Unescaped& u : unescaped_fields_) {
    fields_[u.field] = std::string_view(unescaped_.data() + u.offset, u.size);
  }
  pos_ = static_cast<size_t>(next - base);
  line_ = start_line + 1 + quoted_newlines;
  out.line = start_line;
  out.line_count = 1 + quoted_newlines;
  out.raw = std::string_view(start, static_cast<size_t>(raw_end - start));
  out.fields = std::span<const std::string_view>(fields_.data(), fields_.size());
  out.error = nullptr;
  return true;
}

CsvHeader ReadHeader(std::string_view text, const CsvDialect& dialect) {
  CsvHeader header;
  CsvCursor cursor(text, 0, 1, dialect);
  CsvRecord record;
  if (cursor.Next(record)) {
    for (std::string_view f : record.fields) {
      const size_t first = f.find_first_not_of(" \t");
      if (first == std::string_view::npos) {
        header.fields.emplace_back();
        continue;
      }
      const size_t last = f.find_last_not_of(" \t");
      header.fields.emplace_back(f.substr(first, last - first + 1));
    }
  }
  header.data_pos = cursor.pos();
  header.data_line = cursor.line();
  return header;
}

namespace detail {

size_t CountNewlines(const char* p, size_t n) {
  size_t count = 0;
#if defined(__SSE2__)
  const __m128i newline = _mm_set1_epi8('\n');
  const __m128i zero = _mm_setzero_si128();
  while (n >= 64) {
    // Byte counters hold at most 255 before they are folded into 64-bit sums.
    const size_t blocks = std::min<size_t>(n / 64, 255);
    __m128i acc0 = zero, acc1 = zero, acc2 = zero, acc3 = zero;
    for (size_t i = 0; i < blocks; ++i, p += 64) {
      const auto* v = reinterpret_cast<const __m128i*>(p);
      acc0 = _mm_sub_epi8(acc0, _mm_cmpeq_epi8(_mm_loadu_si128(v), newline));
      acc1 = _mm_sub_epi8(acc1, _mm_cmpeq_epi8(_mm_loadu_si128(v + 1), newline));
      acc2 = _mm_sub_epi8(acc2, _mm_cmpeq_epi8(_mm_loadu_si128(v + 2), newline));
      acc3 = _mm_sub_epi8(acc3, _mm_cmpeq_epi8(_mm_loadu_si128(v + 3), newline));
    }
    __m128i sums = _mm_add_epi64(_mm_add_epi64(_mm_sad_epu8(acc0, zero), _mm_sad_epu8(acc1, zero)),
                                 _mm_add_epi64(_mm_sad_epu8(acc2, zero), _mm_sad_epu8(acc3, zero)));
    sums = _mm_add_epi64(sums, _mm_unpackhi_epi64(sums, sums));
    count += static_cast<size_t>(_mm_cvtsi128_si64(sums));
    n -= blocks * 64;
  }
#endif
  for (; n > 0; --n, ++p) count += (*p == '\n');
  return count;
}

bool ResumesAt(std::string_view text, size_t guess, size_t stop) {
  if (stop < guess) return false;
  size_t p = guess;
  while (p < stop) {
    if (text[p] == '\n') {
      ++p;
    } else if (text[p] == '\r' && (p + 1 == text.size() || text[p + 1] == '\n')) {
      p += p + 1 == text.size() ? 1 : 2;
    } else {
      return false;
    }
  }
  return p == stop;
}

void RunTasks(int workers, size_t tasks, const std::function<void(size_t)>& task) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::exception_ptr error;
  size_t error_task = tasks;
  auto work = [&] {
    while (!failed.load(std::memory_order_relaxed)) {
      const size_t k = next.fetch_add(1, std::memory_order_relaxed);
      if (k >= tasks) return;
      try {
        task(k);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (k < error_task) {
          error = std::current_exception();
          error_task = k;
        }
        failed.store(true, std::memory_order_relaxed);
      }
    }
  };
  const size_t helpers =
      std::min<size_t>(static_cast<size_t>(std::max(workers, 1)) - 1, tasks > 0 ? tasks - 1 : 0);
  std::vector<std::thread> threads;
  threads.reserve(helpers);
  for (size_t i = 0; i < helpers; ++i) {
    try {
      threads.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // fewer threads than asked: the others share the work
    }
  }
  work();
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
}

ChunkPlan PlanChunks(std::string_view text, size_t pos, int64_t line, int workers,
                     size_t chunk_bytes) {
  ChunkPlan plan;
  const size_t size = text.size() - std::min(pos, text.size());
  workers = std::max(workers, 1);
  if (chunk_bytes == 0) {
    constexpr size_t kMinChunk = size_t{8} << 20;
    constexpr size_t kMaxChunks = 256;
    // Rounded up so the text splits into exactly workers * 4 equal chunks, not that many
    // plus a sliver that would leave one worker running alone at the end.
    const size_t parts = static_cast<size_t>(workers) * 4;
    chunk_bytes =
        std::max({kMinChunk, (size + parts - 1) / parts, (size + kMaxChunks - 1) / kMaxChunks});
    if (workers == 1) chunk_bytes = std::max<size_t>(size, 1);
  }
  const size_t chunks = std::max<size_t>(1, (size + chunk_bytes - 1) / chunk_bytes);
  plan.start.assign(chunks + 1, text.size());
  plan.line.assign(chunks + 1, line);
  plan.start[0] = pos;
  if (chunks == 1) return plan;

  // Per chunk: newlines in [cut, next cut) and the first one's offset (npos: none).
  std::vector<size_t> counts(chunks, 0);
  std::vector<size_t> first(chunks, std::string_view::npos);
  RunTasks(workers, chunks, [&](size_t k) {
    const size_t cut = pos + k * chunk_bytes;
    const size_t len = std::min(chunk_bytes, text.size() - cut);
    const char* p = text.data() + cut;
    const char* nl = FindChar(p, p + len, '\n');
    if (nl == nullptr) return;
    first[k] = static_cast<size_t>(nl - text.data());
    counts[k] = 1 + CountNewlines(nl + 1, static_cast<size_t>(p + len - nl - 1));
  });

  // A chunk with no newline of its own starts where the following chunk starts.
  int64_t line_at_cut = line + static_cast<int64_t>(counts[0]);
  std::vector<int64_t> cut_line(chunks, line);
  for (size_t k = 1; k < chunks; ++k) {
    cut_line[k] = line_at_cut;
    line_at_cut += static_cast<int64_t>(counts[k]);
  }
  plan.line[chunks] = line_at_cut;
  for (size_t k = chunks - 1; k >= 1; --k) {
    if (first[k] != std::string_view::npos) {
      plan.start[k] = first[k] + 1;
      plan.line[k] = cut_line[k] + 1;
    } else {
      plan.start[k] = plan.start[k + 1];
      plan.line[k] = plan.line[k + 1];
    }
  }
  return plan;
}

}  // namespace detail
}  // namespace movierec::io

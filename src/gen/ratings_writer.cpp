#include "gen/ratings_writer.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "gen/text_out.h"
#include "gen/word_lists.h"
#include "io/progress.h"

namespace movierec::gen {

namespace {

constexpr int64_t kBlockRatings = 1 << 16;

struct Block {
  int64_t user_begin = 0;
  int64_t user_end = 0;
};

struct LocalDefect {
  int64_t line = 0;  // 0-based line within the block
  DefectKind kind;
  std::string detail;
};

struct BlockOut {
  TextBuffer text;
  int64_t ratings = 0;  // clean ratings in the block
  int64_t lines = 0;
  int64_t inserted = 0;
  std::vector<LocalDefect> defects;
  std::string tags;
  int64_t tag_rows = 0;
};

std::vector<Block> CutBlocks(const std::vector<int32_t>& counts) {
  std::vector<Block> blocks;
  const int64_t users = static_cast<int64_t>(counts.size());
  int64_t begin = 0, acc = 0;
  for (int64_t u = 0; u < users; ++u) {
    acc += counts[u];
    if (acc >= kBlockRatings || u + 1 == users) {
      blocks.push_back({begin, u + 1});
      begin = u + 1;
      acc = 0;
    }
  }
  return blocks;
}

// ml-latest tags: a few users tag some of what they rated; tags lean on the film's taste
// cluster, so they carry signal like real tags do.
void AppendTags(const RatingsJob& job, int64_t u, const std::vector<SampledRating>& rows,
                BlockOut& out) {
  Rng rng(job.sampler->seed(), Stream::kUserTags, static_cast<uint64_t>(u));
  if (rows.empty() || !rng.Chance(0.05)) return;
  int64_t n = std::min<int64_t>(static_cast<int64_t>(rows.size()),
                                1 + static_cast<int64_t>(rng.Exponential(4.0)));
  std::vector<const SampledRating*> picked;
  for (int64_t k = 0; k < n; ++k) picked.push_back(&rows[rng.Below(rows.size())]);
  std::sort(picked.begin(), picked.end(), [](const SampledRating* a, const SampledRating* b) {
    return a->item != b->item ? a->item < b->item : a->ts < b->ts;
  });
  picked.erase(std::unique(picked.begin(), picked.end()), picked.end());
  const auto& tags = words::kTags;
  for (const SampledRating* r : picked) {
    size_t t =
        rng.Chance(0.6)
            ? (static_cast<size_t>(job.items->cluster[r->item]) * 7 + rng.Below(5)) % tags.size()
            : rng.Below(tags.size());
    AppendInt(out.tags, u + 1);
    out.tags.push_back(',');
    AppendInt(out.tags, job.catalog->movies[r->item].id);
    out.tags.push_back(',');
    AppendCsvField(out.tags, tags[t]);
    out.tags.push_back(',');
    AppendInt(out.tags, r->ts + static_cast<int64_t>(rng.Below(600)));
    out.tags.push_back('\n');
    ++out.tag_rows;
  }
}

void GenerateBlock(const RatingsJob& job, const RatingRowWriter& writer,
                   const std::vector<IdText>& movie_ids, const Block& block,
                   RatingSampler::Scratch& scratch, std::vector<SampledRating>& rows,
                   BlockOut& out) {
  const auto& counts = *job.counts;
  const bool dirty = job.dirty_rate > 0;
  int64_t total = 0;
  for (int64_t u = block.user_begin; u < block.user_end; ++u) total += counts[u];
  out.ratings = total;
  out.text.Reserve(static_cast<size_t>(static_cast<double>(total) * (1.0 + job.dirty_rate) * 32.0) +
                   4096);
  for (int64_t u = block.user_begin; u < block.user_end; ++u) {
    job.sampler->SampleUser(u, counts[u], scratch, rows);
    const int64_t user_id = u + 1;
    const IdText prefix = writer.UserPrefix(user_id);
    if (!dirty) {
      char* p = out.text.Reserve(rows.size() * RatingRowWriter::kMaxRow);
      for (const SampledRating& r : rows)
        p = writer.Write(p, prefix, movie_ids[r.item], r.value, r.ts);
      out.text.Commit(p);
      out.lines += static_cast<int64_t>(rows.size());
    } else {
      Rng drng(job.sampler->seed(), Stream::kUserDefects, static_cast<uint64_t>(u));
      const UserActivity act = ActivityOf(job.sampler->seed(), u);
      RatingDefectContext ctx;
      ctx.writer = &writer;
      ctx.catalog = job.catalog;
      ctx.plan = job.plan;
      ctx.sampler = job.sampler;
      ctx.scratch = &scratch;
      ctx.user = u;
      ctx.user_id = user_id;
      ctx.activity = &act;
      ctx.rows = rows;
      for (size_t j = 0; j < rows.size(); ++j) {
        const SampledRating& r = rows[j];
        char* p = out.text.Reserve(RatingRowWriter::kMaxRow);
        out.text.Commit(writer.Write(p, prefix, movie_ids[r.item], r.value, r.ts));
        ++out.lines;
        if (drng.Uniform() < job.dirty_rate) {
          ctx.current = j;
          InjectedRow bad = MakeRatingDefect(ctx, drng);
          out.text.Append(bad.text);
          out.text.push_back('\n');
          out.defects.push_back({out.lines, bad.kind, std::move(bad.detail)});
          ++out.lines;
          ++out.inserted;
        }
      }
    }
    if (job.tags) AppendTags(job, u, rows, out);
  }
}

}  // namespace

RatingsOutput WriteRatingsFile(const std::string& path, const RatingsJob& job) {
  RatingsOutput result;
  const std::vector<Block> blocks = CutBlocks(*job.counts);
  const size_t nb = blocks.size();
  const RatingRowWriter writer(job.dialect);
  std::vector<IdText> movie_ids;
  movie_ids.reserve(job.catalog->movies.size());
  for (const Movie& m : job.catalog->movies) movie_ids.push_back(IdText::Of(m.id));
  OutputFile out(path);
  if (!job.dialect.header.empty()) out.Record(std::string(job.dialect.header) + "\n");

  const int workers = std::max(1, std::min<int>(job.threads, static_cast<int>(nb)));
  const size_t window = static_cast<size_t>(2 * workers + 2);
  std::vector<BlockOut> slots(window);
  std::vector<char> ready(window, 0);
  std::mutex mu;
  std::condition_variable cv_ready, cv_space;
  std::atomic<size_t> next{0};
  size_t written = 0;
  bool abort = false;
  std::exception_ptr error;

  auto work = [&] {
    RatingSampler::Scratch scratch = job.sampler->MakeScratch();
    std::vector<SampledRating> rows;
    while (true) {
      size_t b = next.fetch_add(1);
      if (b >= nb) return;
      {
        std::unique_lock<std::mutex> lk(mu);
        cv_space.wait(lk, [&] { return b < written + window || abort; });
        if (abort) return;
      }
      BlockOut o;
      try {
        GenerateBlock(job, writer, movie_ids, blocks[b], scratch, rows, o);
      } catch (...) {
        std::lock_guard<std::mutex> lk(mu);
        if (!error) error = std::current_exception();
        abort = true;
        cv_ready.notify_all();
        cv_space.notify_all();
        return;
      }
      {
        std::lock_guard<std::mutex> lk(mu);
        slots[b % window] = std::move(o);
        ready[b % window] = 1;
      }
      cv_ready.notify_all();
    }
  };

  int64_t total_ratings = 0;
  for (int32_t c : *job.counts) total_ratings += c;
  io::Progress progress("generate ratings", total_ratings, true);

  std::vector<std::thread> pool;
  pool.reserve(workers);
  for (int t = 0; t < workers; ++t) pool.emplace_back(work);

  try {
    for (size_t b = 0; b < nb; ++b) {
      BlockOut o;
      {
        std::unique_lock<std::mutex> lk(mu);
        cv_ready.wait(lk, [&] { return ready[b % window] != 0 || abort; });
        if (abort) break;
        o = std::move(slots[b % window]);
        ready[b % window] = 0;
      }
      const int64_t base = out.next_line();
      out.Block(o.text.view(), o.lines);
      for (LocalDefect& d : o.defects) {
        result.defects.push_back(
            {std::string(job.dialect.file), base + d.line, d.kind, std::move(d.detail)});
      }
      result.inserted_rows += o.inserted;
      progress.Add(o.ratings);
      result.tags_text += o.tags;
      result.tag_rows += o.tag_rows;
      {
        std::lock_guard<std::mutex> lk(mu);
        written = b + 1;
      }
      cv_space.notify_all();
    }
  } catch (...) {
    {
      std::lock_guard<std::mutex> lk(mu);
      abort = true;
      if (!error) error = std::current_exception();
    }
    cv_space.notify_all();
    cv_ready.notify_all();
  }
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
  out.Close();
  progress.Finish();
  result.clean_rows = total_ratings;
  result.bytes = out.bytes();
  return result;
}

}  // namespace movierec::gen

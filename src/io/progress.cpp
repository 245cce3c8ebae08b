#include "io/progress.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>

#include "common/log.h"

namespace movierec::io {

Progress::Progress(std::string label, int64_t total, bool enabled)
    : label_(std::move(label)),
      total_(total),
      enabled_(enabled && !IsQuiet()),
      tty_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() { Finish(); }

void Progress::Add(int64_t n) {
  if (!enabled_) return;
  int64_t now = done_.fetch_add(n, std::memory_order_relaxed) + n;
  // Only look at the clock every so many units so that hot loops stay hot.
  if (now < next_check_.load(std::memory_order_relaxed)) return;
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock()) return;
  next_check_.store(now + std::max<int64_t>(1, total_ / 1000), std::memory_order_relaxed);
  auto t = std::chrono::steady_clock::now();
  auto interval = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
  if (t - last_draw_ < interval) return;
  last_draw_ = t;
  Draw(false);
}

void Progress::Finish() {
  if (!enabled_) return;
  std::lock_guard lock(mu_);
  if (finished_) return;
  finished_ = true;
  // Only draw a final bar if one was shown; quick work needs no bar at all.
  if (tty_ && last_draw_ != start_) Draw(true);
}

void Progress::Draw(bool final) {
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const int64_t done = done_.load();
  const double rate = secs > 0 ? done / secs : 0;
  if (!tty_) {
    if (total_ > 0) {
      spdlog::info("{}: {}/{} ({:.0f}%), {:.0f}/s", label_, done, total_, 100.0 * done / total_,
                   rate);
    } else {
      spdlog::info("{}: {}, {:.0f}/s", label_, done, rate);
    }
    return;
  }
  constexpr int kWidth = 30;
  double frac = total_ > 0 ? std::min(1.0, static_cast<double>(done) / total_) : 0.0;
  int filled = static_cast<int>(frac * kWidth);
  std::string bar(filled, '#');
  bar.resize(kWidth, '-');
  std::fprintf(stderr, "\r%-18s [%s] %5.1f%% %12lld  %10.0f/s %6.1fs%s", label_.c_str(),
               bar.c_str(), 100 * frac, static_cast<long long>(done), rate, secs,
               final ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace movierec::io

// Progress for long work: a bar redrawn on a terminal, a log line every few seconds
// otherwise, nothing with --quiet (DESIGN.md §5).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace movierec::io {

class Progress {
 public:
  // total 0 = unknown. enabled=false makes every call a no-op.
  Progress(std::string label, int64_t total, bool enabled);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Add(int64_t n);  // thread-safe, cheap when called often
  void Finish();

 private:
  void Draw(bool final);
  std::string label_;
  int64_t total_;
  bool enabled_;
  bool tty_;
  std::atomic<int64_t> done_{0};
  std::atomic<int64_t> next_check_{0};
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  std::mutex mu_;
  bool finished_ = false;
};

}  // namespace movierec::io

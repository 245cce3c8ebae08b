// Writing generated text: fast number/field appends and an output file that knows the
// 1-based physical line each record starts on (defects.csv points at those lines).
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace movierec::gen {

inline void AppendInt(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(r.ptr - buf));
}

// Appends an RFC 4180 field: quoted (with doubled quotes) when it holds the delimiter, a quote,
// CR or LF, or when force_quote is set (real exports quote some fields that need no quotes).
void AppendCsvField(std::string& out, std::string_view s, bool force_quote = false,
                    char delimiter = ',');
bool NeedsQuotes(std::string_view s, char delimiter = ',');

// A growable byte buffer that, unlike std::string, never zero-fills what it reserves: the
// ratings hot path reserves room for a user's rows, writes them through a raw pointer and
// commits the end.
class TextBuffer {
 public:
  char* Reserve(size_t n) {
    if (size_ + n > cap_) Grow(size_ + n);
    return data_.get() + size_;
  }
  void Commit(const char* end) { size_ = static_cast<size_t>(end - data_.get()); }
  void Append(std::string_view s) {
    std::memcpy(Reserve(s.size()), s.data(), s.size());
    size_ += s.size();
  }
  void push_back(char c) {
    *Reserve(1) = c;
    ++size_;
  }
  std::string_view view() const { return {data_.get(), size_}; }
  size_t size() const { return size_; }

 private:
  void Grow(size_t need) {
    size_t cap = std::max({need, cap_ * 2, size_t{1} << 16});
    auto bigger = std::make_unique_for_overwrite<char[]>(cap);
    if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    cap_ = cap;
  }
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t cap_ = 0;
};

// A buffered output file counting lines. Throws movierec::Error on any I/O failure.
class OutputFile {
 public:
  explicit OutputFile(const std::string& path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // Appends one record (its text must end with '\n'); returns the line it starts on.
  int64_t Record(std::string_view text);
  // Appends text known to hold exactly `lines` line ends (the ratings fast path).
  void Block(std::string_view text, int64_t lines);
  int64_t next_line() const { return next_line_; }
  int64_t bytes() const { return bytes_; }
  const std::string& path() const { return path_; }
  void Close();

 private:
  void Flush();
  std::string path_;
  std::FILE* file_ = nullptr;
  std::string buffer_;
  int64_t next_line_ = 1;
  int64_t bytes_ = 0;
};

}  // namespace movierec::gen

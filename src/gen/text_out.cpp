#include "gen/text_out.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace movierec::gen {

namespace {
constexpr size_t kFlushAt = 4 << 20;
}

bool NeedsQuotes(std::string_view s, char delimiter) {
  for (char c : s) {
    if (c == delimiter || c == '"' || c == '\n' || c == '\r') return true;
  }
  return false;
}

void AppendCsvField(std::string& out, std::string_view s, bool force_quote, char delimiter) {
  if (!force_quote && !NeedsQuotes(s, delimiter)) {
    out.append(s);
    return;
  }
  out.push_back('"');
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

OutputFile::OutputFile(const std::string& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_) throw Error("cannot open " + path + " for writing: " + std::strerror(errno));
  buffer_.reserve(kFlushAt + (64 << 10));
}

OutputFile::~OutputFile() {
  if (file_) std::fclose(file_);
}

int64_t OutputFile::Record(std::string_view text) {
  int64_t start = next_line_;
  next_line_ += std::count(text.begin(), text.end(), '\n');
  buffer_.append(text);
  if (buffer_.size() >= kFlushAt) Flush();
  return start;
}

void OutputFile::Block(std::string_view text, int64_t lines) {
  next_line_ += lines;
  if (text.size() >= (64u << 10)) {  // large blocks go straight to the file, uncopied
    Flush();
    if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) {
      throw Error("cannot write " + path_ + ": " + std::strerror(errno));
    }
    bytes_ += static_cast<int64_t>(text.size());
    return;
  }
  buffer_.append(text);
  if (buffer_.size() >= kFlushAt) Flush();
}

void OutputFile::Flush() {
  if (buffer_.empty()) return;
  if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
    throw Error("cannot write " + path_ + ": " + std::strerror(errno));
  }
  bytes_ += static_cast<int64_t>(buffer_.size());
  buffer_.clear();
}

void OutputFile::Close() {
  if (!file_) return;
  Flush();
  int rc = std::fclose(file_);
  file_ = nullptr;
  if (rc != 0) throw Error("cannot write " + path_ + ": " + std::strerror(errno));
}

}  // namespace movierec::gen

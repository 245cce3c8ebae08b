// How one rating row is written in each layout: Ratings.csv (`u,m,3.5,2019-01-02`),
// u.data (tabs, whole stars, unix time), ratings.dat (`::`), ml-latest ratings.csv.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "gen/calendar.h"
#include "gen/format.h"

namespace movierec::gen {

struct RatingDialect {
  std::string_view file;       // "Ratings.csv", "u.data", …
  std::string_view header;     // without '\n'; empty = none
  std::string_view delimiter;  // "," "\t" "::"
  bool half_stars = true;      // 0.5..5.0 as "3.5"; otherwise whole stars 1..5
  bool iso_date = true;        // yyyy-mm-dd; otherwise unix seconds
  bool quoting = true;         // the reader honours '"' (CSV) or not (.dat, u.data)
};

RatingDialect DialectFor(Format format);

// The rating scale: half-star index 1..10 (0.5..5.0) or whole stars 1..5.
inline int RatingSteps(const RatingDialect& d, float value) {
  if (d.half_stars) {
    double h = std::floor(2.0 * static_cast<double>(value) + 0.5);
    return static_cast<int>(h < 1 ? 1 : h > 10 ? 10 : h);
  }
  double s = std::floor(static_cast<double>(value) + 0.5);
  return static_cast<int>(s < 1 ? 1 : s > 5 ? 5 : s);
}

// Text of a rating step: "0.5".."5.0" or "1".."5".
inline std::string_view RatingText(const RatingDialect& d, int steps) {
  // Each text padded to 4 bytes, so the hot path can copy a fixed 4.
  static constexpr char kHalf[11][4] = {"0.0", "0.5", "1.0", "1.5", "2.0", "2.5",
                                        "3.0", "3.5", "4.0", "4.5", "5.0"};
  static constexpr char kWhole[6][4] = {"0", "1", "2", "3", "4", "5"};
  return d.half_stars ? std::string_view(kHalf[steps], 3) : std::string_view(kWhole[steps], 1);
}

// A decimal id ready to copy: the ratings hot path writes ids with one 16-byte memcpy.
struct IdText {
  char text[23];
  uint8_t len;
  static IdText Of(int64_t id) {
    IdText t{};
    t.len = static_cast<uint8_t>(std::to_chars(t.text, t.text + sizeof t.text, id).ptr - t.text);
    return t;
  }
};

// Renders rating rows (with '\n').
class RatingRowWriter {
 public:
  // The longest row: two ids (up to 20 digits each), a rating, a date or timestamp, delimiters.
  static constexpr size_t kMaxRow = 3 * 24 + 4 + 3 * 2 + 1;

  explicit RatingRowWriter(const RatingDialect& d) : d_(d) {}

  // "<user id><delim>" once per user.
  IdText UserPrefix(int64_t user_id) const {
    IdText t = IdText::Of(user_id);
    for (char c : d_.delimiter) t.text[t.len++] = c;
    return t;
  }
  // Writes one row at p (room for kMaxRow bytes) and returns the end.
  char* Write(char* p, const IdText& user_prefix, const IdText& movie, float value,
              int64_t ts) const {
    std::memcpy(p, user_prefix.text, sizeof user_prefix.text);
    p += user_prefix.len;
    std::memcpy(p, movie.text, sizeof movie.text);
    p += movie.len;
    p = Delim(p);
    std::string_view r = RatingText(d_, RatingSteps(d_, value));
    std::memcpy(p, r.data(), 4);  // RatingText's storage is padded to 4 bytes
    p += r.size();
    p = Delim(p);
    if (d_.iso_date) {
      std::memcpy(p, dates_.Get(ts / kSecondsPerDay), 10);
      p += 10;
    } else {
      p = std::to_chars(p, p + 24, ts).ptr;
    }
    *p++ = '\n';
    return p;
  }
  // The date/time field text for a timestamp.
  std::string DateText(int64_t ts) const {
    if (d_.iso_date) return std::string(dates_.Get(ts / kSecondsPerDay), 10);
    return std::to_string(ts);
  }
  const RatingDialect& dialect() const { return d_; }

 private:
  char* Delim(char* p) const {
    for (char c : d_.delimiter) *p++ = c;
    return p;
  }
  RatingDialect d_;
  IsoDateTable dates_;
};

}  // namespace movierec::gen

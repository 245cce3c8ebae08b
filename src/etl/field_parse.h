// Typed parsing of single fields, shared by every extractor. All functions are total: they
// report failure through their return value and never throw.
#pragma once

#include <fast_float/fast_float.h>

#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace movierec::etl {

inline std::string_view Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return s.substr(b, e - b);
}

template <class Int>
inline bool ParseInt(std::string_view s, Int& out) {
  s = Trim(s);
  if (s.empty()) return false;
  if (s.front() == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

template <class Float>
inline bool ParseFloat(std::string_view s, Float& out) {
  s = Trim(s);
  if (s.empty()) return false;
  auto [p, ec] = fast_float::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
constexpr int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

constexpr bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr int DaysInMonth(int y, int m) {
  constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Strict yyyy-mm-dd with a real calendar date; returns unix seconds at 00:00 UTC.
inline bool ParseIsoDate(std::string_view s, int64_t& unix_seconds, int* year = nullptr) {
  s = Trim(s);
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  auto digits = [&](size_t b, size_t n, int& v) {
    v = 0;
    for (size_t i = b; i < b + n; ++i) {
      unsigned c = static_cast<unsigned char>(s[i]) - '0';
      if (c > 9) return false;
      v = v * 10 + static_cast<int>(c);
    }
    return true;
  };
  int y, m, d;
  if (!digits(0, 4, y) || !digits(5, 2, m) || !digits(8, 2, d)) return false;
  if (y < 1800 || m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m)) return false;
  unix_seconds = DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) * 86400;
  if (year) *year = y;
  return true;
}

// MovieLens u.item dates: "01-Jan-1995". Returns the ISO form.
inline bool ParseDayMonthNameYear(std::string_view s, std::string& iso, int& year) {
  static constexpr const char* kMonths[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  s = Trim(s);
  if (s.size() != 11 || s[2] != '-' || s[6] != '-') return false;
  int d, y;
  if (!ParseInt(s.substr(0, 2), d) || !ParseInt(s.substr(7, 4), y)) return false;
  int m = 0;
  for (int i = 0; i < 12; ++i) {
    if (s.substr(3, 3) == kMonths[i]) m = i + 1;
  }
  if (m == 0 || y < 1800 || d < 1 || d > DaysInMonth(y, m)) return false;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  iso = buf;
  year = y;
  return true;
}

// Splits "a|b|c" (or with another separator), trimming items and dropping empty ones.
inline std::vector<std::string> SplitList(std::string_view s, std::string_view sep) {
  std::vector<std::string> out;
  s = Trim(s);
  while (!s.empty()) {
    size_t p = s.find(sep);
    std::string_view item = Trim(s.substr(0, p));
    if (!item.empty()) out.emplace_back(item);
    if (p == std::string_view::npos) break;
    s.remove_prefix(p + sep.size());
  }
  return out;
}

// "Toy Story (1995)" → title "Toy Story", year 1995. Leaves the title whole when it has no
// trailing "(yyyy)".
inline void SplitTitleYear(std::string_view s, std::string& title, std::optional<int>& year) {
  s = Trim(s);
  if (s.size() >= 6 && s.back() == ')') {
    size_t open = s.rfind('(');
    int y;
    if (open != std::string_view::npos && s.size() - open == 6 &&
        ParseInt(s.substr(open + 1, 4), y)) {
      title = std::string(Trim(s.substr(0, open)));
      year = y;
      return;
    }
  }
  title = std::string(s);
}

// Lower-case ASCII, whitespace runs collapsed, ends trimmed; with drop_punctuation also ASCII
// punctuation removed. Duplicate detection compares strictly ("Heat" vs " heat "); entity
// resolution across sources also ignores punctuation ("Godfather: Part II" vs "Godfather Part
// II").
inline std::string NormalizeTitle(std::string_view s, bool drop_punctuation = true) {
  std::string out;
  bool space = false;
  for (unsigned char c : s) {
    if (c < 128 && (std::isspace(c) || (drop_punctuation && std::ispunct(c)))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(c < 128 ? std::tolower(c) : c);
  }
  return out;
}

// Shortest text for a number in messages: 1874, 0.05, 1e+11.
inline std::string FormatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace movierec::etl

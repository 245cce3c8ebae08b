// Civil dates as day numbers (days since 1970-01-01), their text forms, and the date window
// ratings fall in (1996-01-01 .. 2024-12-31).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace movierec::gen {

struct CivilDate {
  int year;
  int month;  // 1..12
  int day;    // 1..31
};

// Howard Hinnant's algorithms: exact for the proleptic Gregorian calendar.
constexpr int64_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

constexpr CivilDate CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return CivilDate{static_cast<int>(y + (m <= 2)), static_cast<int>(m), static_cast<int>(d)};
}

constexpr int64_t kFirstRatingDay = DaysFromCivil(1996, 1, 1);
constexpr int64_t kLastRatingDay = DaysFromCivil(2024, 12, 31);
constexpr int64_t kSecondsPerDay = 86400;

// "yyyy-mm-dd" into out[0..10).
void FormatIsoDate(int64_t day, char* out);
std::string IsoDate(int64_t day);
// "01-Jan-1995" (ml-100k u.item).
std::string MovieLensDate(int64_t day);
int DaysInMonth(int year, int month);

// Precomputed "yyyy-mm-dd" strings for the rating window: formatting a rating's date is then
// a 10-byte copy.
class IsoDateTable {
 public:
  IsoDateTable();
  const char* Get(int64_t day) const {
    return text_.data() + static_cast<size_t>(day - kFirstRatingDay) * 10;
  }

 private:
  std::vector<char> text_;
};

}  // namespace movierec::gen

#include "gen/calendar.h"

namespace movierec::gen {

namespace {
void Put2(char* out, int v) {
  out[0] = static_cast<char>('0' + v / 10);
  out[1] = static_cast<char>('0' + v % 10);
}
void Put4(char* out, int v) {
  out[0] = static_cast<char>('0' + v / 1000 % 10);
  out[1] = static_cast<char>('0' + v / 100 % 10);
  out[2] = static_cast<char>('0' + v / 10 % 10);
  out[3] = static_cast<char>('0' + v % 10);
}
}  // namespace

void FormatIsoDate(int64_t day, char* out) {
  CivilDate c = CivilFromDays(day);
  Put4(out, c.year);
  out[4] = '-';
  Put2(out + 5, c.month);
  out[7] = '-';
  Put2(out + 8, c.day);
}

std::string IsoDate(int64_t day) {
  char buf[10];
  FormatIsoDate(day, buf);
  return std::string(buf, 10);
}

std::string MovieLensDate(int64_t day) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  CivilDate c = CivilFromDays(day);
  char buf[12];
  Put2(buf, c.day);
  buf[2] = '-';
  buf[3] = kMonths[c.month - 1][0];
  buf[4] = kMonths[c.month - 1][1];
  buf[5] = kMonths[c.month - 1][2];
  buf[6] = '-';
  Put4(buf + 7, c.year);
  return std::string(buf, 11);
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

IsoDateTable::IsoDateTable() {
  text_.resize(static_cast<size_t>(kLastRatingDay - kFirstRatingDay + 1) * 10);
  for (int64_t d = kFirstRatingDay; d <= kLastRatingDay; ++d) {
    FormatIsoDate(d, text_.data() + (d - kFirstRatingDay) * 10);
  }
}

}  // namespace movierec::gen

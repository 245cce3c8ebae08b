#include "gen/rating_format.h"

namespace movierec::gen {

RatingDialect DialectFor(Format format) {
  switch (format) {
    case Format::kOriginal:
      return {"Ratings.csv", "UserID,MovieID,Rating,Date", ",", true, true, true};
    case Format::kMl100k:
      return {"u.data", "", "\t", false, false, false};
    case Format::kMl1m:
      return {"ratings.dat", "", "::", false, false, false};
    case Format::kMlLatest:
      return {"ratings.csv", "userId,movieId,rating,timestamp", ",", true, false, true};
  }
  return {};
}

}  // namespace movierec::gen

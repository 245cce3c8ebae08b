// The original pipeline's files (DESIGN.md §4): Movies.csv, Persons.csv and
// imdb_top_1000.csv. (Ratings.csv is written by the ratings pipeline.)
#pragma once

#include <string>
#include <vector>

#include "gen/catalog.h"
#include "gen/defects.h"

namespace movierec::gen {

struct WrittenFile {
  std::string name;  // relative to the output directory
  int64_t rows = 0;  // data records (header excluded)
  int64_t bytes = 0;
};

inline constexpr const char* kMoviesCsvHeader =
    "MovieID,OriginalLanguage,OriginalTitle,EnglishTitle,Budget,Revenue,Homepage,Runtime,"
    "ReleaseDate,Genres,CastID,ProductionCompanies,ProductionCountries,SpokenLanguages";
inline constexpr const char* kPersonsCsvHeader = "MovieID,CastID,Name,Gender,Character";
inline constexpr const char* kImdbHeader =
    "Poster_Link,Series_Title,Released_Year,Certificate,Runtime,Genre,IMDB_Rating,Overview,"
    "Meta_score,Director,Star1,Star2,Star3,Star4,No_of_Votes,Gross";

WrittenFile WriteMoviesCsv(const std::string& dir, const Catalog& catalog,
                           const CatalogDefectPlan& plan, std::vector<DefectRecord>& defects);
WrittenFile WritePersonsCsv(const std::string& dir, const Catalog& catalog, double dirty_rate,
                            std::vector<DefectRecord>& defects);
WrittenFile WriteImdbTop(const std::string& dir, const Catalog& catalog);

// "28,341,469".
std::string WithThousands(int64_t v);

}  // namespace movierec::gen

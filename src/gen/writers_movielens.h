// MovieLens layouts (DESIGN.md §4): ml-100k (u.item latin-1, u.user, u.info, u.genre,
// u.occupation), ml-1m (movies.dat, users.dat; titles ASCII-folded so the file is the same in
// latin-1 and UTF-8) and ml-latest (movies.csv, links.csv, tags.csv). Ratings files are
// written by the ratings pipeline.
#pragma once

#include <string>
#include <vector>

#include "gen/catalog.h"
#include "gen/defects.h"
#include "gen/writers_original.h"

namespace movierec::gen {

// ml-100k genre columns in u.item order (index 0 = "unknown").
extern const std::vector<std::string> kMl100kGenres;

// Bits over kMl100kGenres (bit 0 = unknown when nothing else applies); bit 19 = IMAX.
uint32_t MovieLensGenreMask(const Movie& m, uint64_t seed, int64_t item);
// "Adventure|Animation|Children" (ml-latest names) or ml-1m names ("Children's").
std::string MovieLensGenres(uint32_t mask, bool latest);

std::vector<WrittenFile> WriteMl100kCatalog(const std::string& dir, const Catalog& catalog,
                                            const CatalogDefectPlan& plan, int64_t users,
                                            int64_t ratings, std::vector<DefectRecord>& defects);
std::vector<WrittenFile> WriteMl1mCatalog(const std::string& dir, const Catalog& catalog,
                                          const CatalogDefectPlan& plan, int64_t users,
                                          std::vector<DefectRecord>& defects);
std::vector<WrittenFile> WriteMlLatestCatalog(const std::string& dir, const Catalog& catalog,
                                              const CatalogDefectPlan& plan,
                                              std::vector<DefectRecord>& defects);

inline constexpr const char* kMlLatestTagsHeader = "userId,movieId,tag,timestamp";

}  // namespace movierec::gen

// Reads the content features of a set of movies from the SQLite store (io/schema.cpp).
#pragma once

#include <cstdint>
#include <vector>

#include "common/content_catalog.h"
#include "io/sqlite_db.h"

namespace movierec::io {

// How many billed cast members per movie the catalog keeps (by cast_order).
inline constexpr int kCatalogCastPerMovie = 4;

// The catalog aligned with `col_ids` (a RatingMatrix's external movie ids): items[c] holds the
// features of movie col_ids[c]. kVacantId, and ids the database does not hold, get empty
// entries. One scan per table (movie, movie_genres, movie_crew, movie_cast, and imdb_movie
// joined with person for the IMDb stars), never a query per movie. Directors are movie_crew
// rows whose job is 'director' in any case. Throws movierec::Error on SQLite failures.
ContentCatalog ReadContentCatalog(Database& db, const std::vector<int64_t>& col_ids);

}  // namespace movierec::io

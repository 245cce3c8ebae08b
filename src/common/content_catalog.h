// The content features of the movies a model ranks, one entry per item index: what the content
// model (host/content_model.h) turns into item vectors. Read from SQLite by
// io::ReadContentCatalog (io/content_catalog_store.h); tests build it by hand.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace movierec {

// One movie's features. Everything may be empty: a vacant index, a movie missing from the
// database, or a movie the inputs said nothing about.
struct ContentItem {
  std::vector<int64_t> genre_ids;     // genre.genre_id, ascending, distinct
  std::vector<int64_t> director_ids;  // person_id of movie_crew rows with job 'Director'
  // person_id of the first four movie_cast rows by cast_order, then any IMDb star (Star1-4)
  // credited further down; in that order, distinct.
  std::vector<int64_t> cast_ids;
  int release_year = 0;  // 0 = unknown
  std::string language;  // movie.original_language, lower case ("en"); empty = unknown
};

// items[c] describes the movie at item index c of the matrix it was read for (its col_ids).
struct ContentCatalog {
  std::vector<ContentItem> items;

  int64_t size() const { return static_cast<int64_t>(items.size()); }
};

}  // namespace movierec

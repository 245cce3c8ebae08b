#include "io/content_catalog_store.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "common/sparse.h"

namespace movierec::io {
namespace {

std::string NormalizeLanguage(std::string s) {
  auto space = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!s.empty() && space(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t b = 0;
  while (b < s.size() && space(static_cast<unsigned char>(s[b]))) ++b;
  s.erase(0, b);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void AppendDistinct(std::vector<int64_t>& v, int64_t id) {
  if (std::find(v.begin(), v.end(), id) == v.end()) v.push_back(id);
}

}  // namespace

ContentCatalog ReadContentCatalog(Database& db, const std::vector<int64_t>& col_ids) {
  ContentCatalog catalog;
  catalog.items.resize(col_ids.size());
  std::unordered_map<int64_t, size_t> index;
  index.reserve(col_ids.size());
  for (size_t c = 0; c < col_ids.size(); ++c) {
    if (col_ids[c] != kVacantId) index.emplace(col_ids[c], c);
  }
  auto item_of = [&](int64_t movie_id) -> ContentItem* {
    auto it = index.find(movie_id);
    return it == index.end() ? nullptr : &catalog.items[it->second];
  };

  {
    Statement s = db.Prepare("SELECT movie_id, release_year, original_language FROM movie");
    while (s.Step()) {
      ContentItem* item = item_of(s.ColumnInt(0));
      if (!item) continue;
      if (!s.ColumnIsNull(1)) item->release_year = static_cast<int>(s.ColumnInt(1));
      if (!s.ColumnIsNull(2)) item->language = NormalizeLanguage(s.ColumnText(2));
    }
  }
  {
    Statement s = db.Prepare("SELECT movie_id, genre_id FROM movie_genres");
    while (s.Step()) {
      if (ContentItem* item = item_of(s.ColumnInt(0))) item->genre_ids.push_back(s.ColumnInt(1));
    }
  }
  {
    Statement s = db.Prepare(
        "SELECT movie_id, person_id FROM movie_crew WHERE lower(job) = 'director' "
        "ORDER BY movie_id, person_id");
    while (s.Step()) {
      if (ContentItem* item = item_of(s.ColumnInt(0))) {
        AppendDistinct(item->director_ids, s.ColumnInt(1));
      }
    }
  }
  {
    // The primary key's order: a sequential scan, the first rows of each movie are its top
    // billing whatever gaps cast_order has.
    Statement s =
        db.Prepare("SELECT movie_id, person_id FROM movie_cast ORDER BY movie_id, cast_order");
    int64_t current = 0;
    int taken = 0;
    bool first = true;
    while (s.Step()) {
      const int64_t movie = s.ColumnInt(0);
      if (first || movie != current) {
        current = movie;
        taken = 0;
        first = false;
      }
      if (taken >= kCatalogCastPerMovie) continue;
      ContentItem* item = item_of(movie);
      if (!item) continue;
      AppendDistinct(item->cast_ids, s.ColumnInt(1));
      ++taken;
    }
  }
  {
    // The ETL appends IMDb stars after the credits a movie already had, so a well-credited
    // movie may list them past the fourth place: take them by name from imdb_movie.
    Statement s = db.Prepare(
        "SELECT c.movie_id, c.person_id FROM imdb_movie i "
        "JOIN movie_cast c ON c.movie_id = i.movie_id "
        "JOIN person p ON p.person_id = c.person_id "
        "WHERE i.movie_id IS NOT NULL AND p.name IN (i.star1, i.star2, i.star3, i.star4) "
        "ORDER BY c.movie_id, c.cast_order");
    while (s.Step()) {
      if (ContentItem* item = item_of(s.ColumnInt(0)))
        AppendDistinct(item->cast_ids, s.ColumnInt(1));
    }
  }
  for (ContentItem& item : catalog.items) {
    std::sort(item.genre_ids.begin(), item.genre_ids.end());
    item.genre_ids.erase(std::unique(item.genre_ids.begin(), item.genre_ids.end()),
                         item.genre_ids.end());
  }
  return catalog;
}

}  // namespace movierec::io

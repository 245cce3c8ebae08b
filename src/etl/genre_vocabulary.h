// One genre vocabulary for every input layout. Movies.csv (TMDB names), MovieLens
// ("Sci-Fi", "Children's", "(no genres listed)") and IMDb ("Crime, Drama") spell the same genres
// differently; without folding them, one catalogue would hold "Sci-Fi" and "Science Fiction" as
// two genres and every genre feature would be split between them.
//
// Canonical names are TMDB's. Labels are matched on a key that ignores case, spaces, hyphens,
// apostrophes and other ASCII punctuation, so "Sci-Fi", "sci fi", "SciFi" are one label:
//
//   label (any case/spacing/punctuation)        canonical
//   sci-fi, scifi, science-fiction, sf           Science Fiction
//   children's, children, kids, family           Family
//   musical, musicals, music                     Music
//   film-noir, film noir, noir                   Film Noir
//   tv movie, tv-movie, made for tv              TV Movie
//   documentaries, documentary                   Documentary
//   animated, animation                          Animation
//   historical, history                          History
//   sports, sport                                Sport (IMDb; no TMDB genre to fold into)
//   biography                                    Biography (IMDb; likewise)
//   imax                                         IMAX (a format, kept because MovieLens uses it)
//   action, adventure, comedy, crime, drama,     the TMDB spelling (Action, ..., Western)
//   fantasy, horror, mystery, romance, thriller,
//   war, western
//   (no genres listed), unknown, none, n/a, ""   no genre (dropped, counted)
//
// Any other label is kept under a tidy spelling: trimmed, '-' and '_' read as spaces, runs of
// spaces collapsed, each ASCII word capitalised ("martial-arts" -> "Martial Arts"), so two
// spellings of an unknown genre still meet. Non-ASCII bytes are kept as they are.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/dataset.h"

namespace movierec::etl {

// One row of the synonym table above (for documentation, reports and tests).
struct GenreSynonym {
  const char* key;        // the matching key: lower-case ASCII letters and digits only
  const char* canonical;  // "" = the label means "no genre"
};
const std::vector<GenreSynonym>& GenreSynonyms();

// The canonical name of one label, "" when it means "no genre" (or is blank).
std::string CanonicalGenre(std::string_view label);

// Splits a raw list on '|' and ',' ("Drama|Romance", "Crime, Drama"), canonicalises each label,
// drops the "no genre" ones and repeats. Keeps first-seen order.
std::vector<std::string> CanonicalGenres(std::string_view raw);
// The same for a list already split; an element that still holds a separator is split too.
std::vector<std::string> CanonicalGenres(const std::vector<std::string>& labels);

// A genre left out of the vocabulary and why.
struct FoldedGenre {
  std::string name;         // canonical name
  int64_t movie_count = 0;  // movies that had it (= movie-genre links dropped)
  std::string reason;       // "min_frequency" or "max_genres"
};

struct GenreVocabulary {
  std::vector<std::string> names;     // sorted by name; genre_id = index + 1
  std::vector<int64_t> movie_counts;  // movies per genre, parallel to names
  std::vector<FoldedGenre> folded;    // sorted by name
  int64_t folded_links = 0;           // sum of folded[i].movie_count

  // genre_id of a canonical name, 0 when it is not in the vocabulary.
  int Id(std::string_view canonical_name) const;
};

// Counts movies per canonical genre (a movie counts once per genre, however many spellings it
// lists), drops genres used by fewer than `min_frequency` movies, then keeps the `max_genres`
// most frequent (ties: the name that sorts first wins). The result is sorted by name, so the
// same catalogue always gives the same ids. min_frequency <= 1 keeps every genre that occurs;
// max_genres <= 0 means no limit.
GenreVocabulary BuildGenreVocabulary(const std::vector<Movie>& movies, int min_frequency,
                                     int max_genres);

// What rewriting the movies' genre lists changed.
struct GenreRewriteStats {
  int64_t movies_changed = 0;             // movies whose list differs afterwards
  int64_t labels_renamed = 0;             // labels replaced by another spelling
  int64_t duplicates_merged = 0;          // labels that repeated another after canonicalisation
  int64_t no_genre_labels = 0;            // "(no genres listed)" and the like, dropped
  int64_t links_folded = 0;               // canonical genres dropped as not in the vocabulary
  int64_t movies_left_without_genre = 0;  // had a real genre before, none after
  std::map<std::pair<std::string, std::string>, int64_t> renames;  // (label, canonical) -> count
};

// Rewrites every movie's genre list to canonical, in-vocabulary names (first-seen order).
GenreRewriteStats ApplyGenreVocabulary(std::vector<Movie>& movies, const GenreVocabulary& vocab);

// Canonicalises a list in place (IMDb rows) without folding; returns the labels changed or
// dropped.
int64_t CanonicalizeGenreList(std::vector<std::string>& labels);

// The movie_genres rows of movies already rewritten: (movie_id, genre_id), sorted, unique.
std::vector<std::pair<int64_t, int>> BuildMovieGenres(const std::vector<Movie>& movies,
                                                      const GenreVocabulary& vocab);

// data_quality_reports rows for the run report: "genre.synonym" (labels renamed or merged, with
// the most frequent renames as sample) and "genre.folded" (links dropped with the genres that
// lost them); both severity "fix", table movie_genres. Rules with nothing to report still get
// a row with rows_failed 0, so a report always shows that they ran.
std::vector<QualityResult> GenreQualityResults(const GenreVocabulary& vocab,
                                               const GenreRewriteStats& stats,
                                               int64_t movies_checked);

}  // namespace movierec::etl

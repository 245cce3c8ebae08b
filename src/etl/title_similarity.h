// Fuzzy title matching for the data-quality rule movie.fuzzy_title: Jaro-Winkler similarity on
// normalised titles (compared as Unicode code points, never bytes) and a fast search for pairs
// of movies that are probably one film under two ids.
//
// The search compares only movies whose years are equal or differ by at most max_year_gap
// (blocking by year), and rules most pairs out before the full Jaro computation with cheap upper
// bounds: the common-prefix bonus is computed first, then the Jaro length bound
// ((2 + short/long) / 3), then a character-bag bound (matches <= shared characters), and the
// Jaro matching itself stops as soon as the threshold is out of reach.
//
// Sequel guard: titles that differ in a number (digit runs, roman numerals ii..xx, English
// number words one..twenty: "Rocky II" vs "Rocky III", "Toy Story" vs "Toy Story 2", "Part Two"
// vs "Part 3") are never candidates: they are left out, unless keep_number_mismatches asks for
// them (then they come back flagged numbers_differ, for tools that want to list them).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace movierec::etl {

// UTF-8 decoded into code points; a byte that starts no valid sequence, or a truncated,
// overlong or surrogate sequence, becomes one U+FFFD.
std::u32string DecodeUtf8(std::string_view s);

// Jaro similarity in [0, 1] (two empty strings: 1; one empty: 0).
double JaroSimilarity(std::u32string_view a, std::u32string_view b);

// Jaro-Winkler: Jaro + l * prefix_scale * (1 - Jaro), l = common prefix length (at most 4).
// prefix_scale must be in [0, 0.25) (standard: 0.1; UsageError otherwise). The boost is applied
// at every Jaro value (no 0.7 boost threshold).
double JaroWinkler(std::u32string_view a, std::u32string_view b, double prefix_scale = 0.1);
// The same on UTF-8 text, decoded to code points first; no normalisation.
double JaroWinkler(std::string_view a, std::string_view b, double prefix_scale = 0.1);

// The form in which titles are compared: a trailing article moved to the front ("Matrix, The"
// -> "the matrix"; also a, an, les, la, le, l', el, los, las, il, der, die, das), then
// NormalizeTitle with punctuation dropped (ASCII lower case, spaces collapsed), then accented
// Latin letters (Latin-1 and Latin Extended-A) folded to their base letters ("Amélie" ->
// "amelie", "Œuvre" -> "oeuvre", "Łódź" -> "lodz"). Other scripts are kept as they are; invalid
// UTF-8 becomes U+FFFD.
std::u32string FuzzyTitleKey(std::string_view title);

// The numbers a compared title carries, sorted: each run of ASCII digits (its value, leading
// zeros ignored, capped), each word that is a roman numeral ii..xx or an English number word
// one..twenty. "rocky ii" -> {2}; "2001 a space odyssey" -> {2001}.
std::vector<int> TitleNumbers(std::u32string_view key);

// True when two titles can only be spellings of one title: their FuzzyTitleKeys are equal once
// spaces and the word "and" are ignored ("Amélie" / "Amelie", "Spider-Man" / "Spiderman", "Tom &
// Jerry" / "Tom and Jerry", "Matrix, The" / "The Matrix"), or they have the same words but one
// and those two differ by one edit (insert, delete, substitute, or swap two neighbours) and
// have at least 6 characters each ("Redemption" / "Redemtion"). Words that differ otherwise
// are taken for different words: "The Hungry Sun" / "The Hungry Son", "The Lost Island" / "The
// Last Island", "Legacy of the King" / "Legacy of the Kingdom" are not spelling variants.
bool IsSpellingVariant(std::string_view a, std::string_view b);

// Similarity of two titles as the rule sees them: JaroWinkler(FuzzyTitleKey(a), FuzzyTitleKey(b)).
double TitleSimilarity(std::string_view a, std::string_view b, double prefix_scale = 0.1);

struct TitleEntry {
  int64_t id = 0;
  std::string_view title;
  std::optional<int> year;
};

struct FuzzyTitleOptions {
  double report_threshold = 0.92;       // pairs scoring at least this come back
  int max_year_gap = 1;                 // years equal or at most this far apart (0..10)
  double prefix_scale = 0.1;            // Winkler's p, in [0, 0.25)
  bool keep_number_mismatches = false;  // return sequel-guarded pairs, flagged, instead of none
  int workers = 0;  // threads; 0 = up to the machine's cores (one per 1e6 comparisons)
};

struct FuzzyTitlePair {
  int64_t low_id = 0;    // the lower movie id
  int64_t high_id = 0;   // the higher movie id
  size_t low_index = 0;  // their positions in the input
  size_t high_index = 0;
  double score = 0;             // Jaro-Winkler of the two FuzzyTitleKeys
  bool numbers_differ = false;  // only with keep_number_mismatches
};

// Pairs of movies with score >= report_threshold whose years are both known and at most
// max_year_gap apart, sorted by (low_id, high_id, low_index, high_index); the order and content
// do not depend on the number of workers. Movies without a year or with an empty key are not
// compared; two entries with the same id are never paired. Throws UsageError for options out of
// range.
std::vector<FuzzyTitlePair> FindFuzzyTitleCandidates(std::span<const TitleEntry> movies,
                                                     const FuzzyTitleOptions& options = {});

}  // namespace movierec::etl

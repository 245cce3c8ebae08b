// The vocabulary the catalog is built from: title words (English, with some accented words,
// and original-language words for non-English films), person names from several cultures
// (non-ASCII included), genres, languages, countries, companies, tags and MovieLens codes.
#pragma once

#include <span>
#include <string_view>

namespace movierec::gen::words {

using List = std::span<const char* const>;

// English titles. Every word here is latin-1 representable (u.item is latin-1).
extern const List kTitleAdjectives;
extern const List kTitleNouns;
extern const List kTitlePlaces;
extern const List kTitleAccented;  // Café, Déjà Vu, Señorita …
extern const List kTitleVerbsIng;  // Chasing, Finding …

// Original-language titles: words per language and how to join them.
struct OriginalTitleWords {
  std::string_view lang;  // ISO 639-1 code
  List first;
  List second;
  std::string_view joiner;  // " ", "の", "의 " …
};
extern const std::span<const OriginalTitleWords> kOriginalTitles;

// Person names.
struct NameCulture {
  std::string_view tag;
  List female;
  List male;
  List family;
  bool family_first;       // 渡辺 謙, 김민준
  bool no_space;           // 김민준, 张伟
  bool feminine_family_a;  // Петров → Петрова
  double weight;
};
extern const std::span<const NameCulture> kNameCultures;
struct SingleName {
  const char* name;
  int gender;  // 1 female, 2 male
};
extern const std::span<const SingleName> kSingleNames;  // Björk, Cher …

extern const List kCharacterTitles;  // "Dr.", "Detective" …
extern const List kCharacterRoles;   // "Bartender", "Narrator (voice)" …

// The 19 TMDB genres, in this order (bit i of a genre mask).
constexpr int kGenreCount = 19;
extern const List kGenres;

struct Language {
  const char* code;
  const char* name;     // as TMDB writes it: "Français", "日本語"
  const char* country;  // the usual production country code
  double weight;        // share of films in this original language
};
extern const std::span<const Language> kLanguages;

struct Country {
  const char* code;
  const char* name;
};
extern const std::span<const Country> kCountries;

struct Company {
  const char* name;
  const char* country;
};
extern const std::span<const Company> kCompanies;

extern const List kOverviewSubjects;  // "a retired detective"
extern const List kOverviewVerbs;     // "must track down"
extern const List kOverviewObjects;   // "a missing heiress"
extern const List kOverviewTwists;    // "while an old rival closes in"
extern const List kCertificates;
extern const List kTags;
extern const List kMl100kOccupations;  // the 21 ml-100k occupations

}  // namespace movierec::gen::words

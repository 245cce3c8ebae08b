#include "gen/catalog.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <unordered_set>

#include "gen/calendar.h"
#include "gen/rng.h"
#include "gen/word_lists.h"

namespace movierec::gen {

namespace {

using words::List;

const char* Pick(Rng& rng, List list) { return list[rng.Below(list.size())]; }

// Ascending ids with random gaps of mean `mean_gap` (>= 1), starting near `first`.
std::vector<int64_t> ScatteredIds(Rng& rng, int64_t n, int64_t first, double mean_gap) {
  std::vector<int64_t> ids(n);
  int64_t id = first;
  for (int64_t i = 0; i < n; ++i) {
    ids[i] = id;
    int64_t gap = 1;
    if (mean_gap > 1.0) gap += static_cast<int64_t>(rng.Exponential(mean_gap - 1.0));
    id += gap;
  }
  return ids;
}

std::string EnglishTitle(Rng& rng) {
  static constexpr double kPatternWeights[] = {18, 10, 8, 8, 6, 6, 6, 5, 4, 4, 2, 3, 4, 2, 4, 1, 1};
  std::string t;
  auto adj = [&] { return std::string(Pick(rng, words::kTitleAdjectives)); };
  auto noun = [&] { return std::string(Pick(rng, words::kTitleNouns)); };
  auto place = [&] { return std::string(Pick(rng, words::kTitlePlaces)); };
  switch (rng.Weighted(kPatternWeights)) {
    case 0:
      t = "The " + adj() + " " + noun();
      break;
    case 1:
      t = adj() + " " + noun();
      break;
    case 2:
      t = "The " + noun();
      break;
    case 3:
      t = noun() + " of the " + noun();
      break;
    case 4:
      t = noun() + " of " + place();
      break;
    case 5:
      t = "The " + noun() + " of " + place();
      break;
    case 6:
      t = std::string(Pick(rng, words::kTitleVerbsIng)) + " " +
          (rng.Chance(0.5) ? place() : "the " + noun());
      break;
    case 7:
      t = noun();
      break;
    case 8:
      t = "A " + noun() + " in " + place();
      break;
    case 9: {
      static constexpr const char* kSuffix[] = {"2", "3", "II", "III", "IV", "Part II"};
      t = adj() + " " + noun() + " " + kSuffix[rng.Below(6)];
      break;
    }
    case 10:
      t = place();
      break;
    case 11: {
      const auto& en = words::kNameCultures[0];
      t = std::string(rng.Chance(0.5) ? Pick(rng, en.female) : Pick(rng, en.male)) + "'s " + noun();
      break;
    }
    case 12: {
      std::string a = Pick(rng, words::kTitleAccented);
      double v = rng.Uniform();
      t = v < 0.4 ? a : v < 0.7 ? "The " + a : a + " in " + place();
      break;
    }
    case 13:
      t = noun() + ", " + noun() + " and " + noun();
      break;
    case 14:
      t = noun() + ": " + adj() + " " + noun();
      break;
    case 15:
      t = "The " + noun() + ", the " + noun() + " and the " + noun();
      break;
    default:
      t = adj() + " " + noun() + ", " + adj() + " " + noun();
      break;
  }
  return t;
}

std::string OriginalLanguageTitle(Rng& rng, std::string_view lang) {
  for (const auto& w : words::kOriginalTitles) {
    if (w.lang == lang) {
      return std::string(Pick(rng, w.first)) + std::string(w.joiner) + Pick(rng, w.second);
    }
  }
  return {};
}

Person MakePerson(Rng& rng) {
  Person p;
  if (rng.Chance(0.01)) {
    const auto& s = words::kSingleNames[rng.Below(words::kSingleNames.size())];
    p.name = s.name;
    p.gender = s.gender;
    return p;
  }
  std::vector<double> weights;
  for (const auto& c : words::kNameCultures) weights.push_back(c.weight);
  const auto& culture = words::kNameCultures[rng.Weighted(weights)];
  bool female = rng.Chance(0.45);
  std::string given = Pick(rng, female ? culture.female : culture.male);
  std::string family = Pick(rng, culture.family);
  if (culture.feminine_family_a && female) family += "а";
  if (culture.family_first) {
    p.name = family + (culture.no_space ? "" : " ") + given;
  } else if (rng.Chance(0.04)) {
    // A middle initial, as in "Samuel L. Jackson".
    p.name = given + " " + static_cast<char>('A' + rng.Below(26)) + ". " + family;
  } else {
    p.name = given + " " + family;
  }
  p.gender = rng.Chance(0.08) ? 0 : (female ? 1 : 2);
  return p;
}

std::string MakeCharacter(Rng& rng, bool documentary, int gender) {
  const auto& en = words::kNameCultures[0];
  if (documentary && rng.Chance(0.8)) return gender == 1 ? "Herself" : "Himself";
  double v = rng.Uniform();
  auto first = [&] { return std::string(Pick(rng, rng.Chance(0.5) ? en.female : en.male)); };
  if (v < 0.55) return first() + " " + Pick(rng, en.family);
  if (v < 0.75) return first();
  if (v < 0.87) return std::string(Pick(rng, words::kCharacterTitles)) + " " + Pick(rng, en.family);
  return Pick(rng, words::kCharacterRoles);
}

std::string Slug(const std::string& title) {
  std::string s;
  for (char c : AsciiFold(title)) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      s.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return s.empty() ? "movie" : s;
}

int CountryIndex(std::string_view code) {
  for (size_t i = 0; i < words::kCountries.size(); ++i) {
    if (code == words::kCountries[i].code) return static_cast<int>(i);
  }
  return 0;
}

void FillMovieMeta(Rng& rng, Movie& m,
                   const std::vector<std::vector<uint16_t>>& companies_by_country) {
  const auto& lang = words::kLanguages[m.language];
  // Money: often missing, older films cheaper.
  double era = std::pow(std::clamp((m.year - 1915) / 110.0, 0.05, 1.0), 1.5);
  if (rng.Chance(0.45)) {
    double b = rng.LogNormal(std::log(18e6 * era + 2e5), 1.1);
    m.budget = static_cast<int64_t>(b / 1000.0) * 1000;
    if (m.budget < 1000) m.budget = 1000;
  }
  if (rng.Chance(m.budget > 0 ? 0.75 : 0.15)) {
    double base = m.budget > 0 ? static_cast<double>(m.budget) : 12e6 * era + 1e5;
    m.revenue = static_cast<int64_t>(base * rng.LogNormal(0.6, 1.0));
  }
  if (rng.Chance(0.18)) {
    std::string slug = Slug(m.english_title);
    double v = rng.Uniform();
    if (v < 0.5)
      m.homepage = "http://www." + slug + ".com/";
    else if (v < 0.8)
      m.homepage = "https://www." + slug + "movie.com/";
    else
      m.homepage = "http://www.studiosite.com/movies/" + slug + "/";
  }
  bool animation = m.genres & (1u << 2);
  bool documentary = m.genres & (1u << 5);
  if (!rng.Chance(0.04)) {
    double mean = animation ? 88 : documentary ? 92 : 106;
    m.runtime = static_cast<int>(std::clamp(rng.Normal(mean, animation ? 10 : 18), 62.0, 229.0));
  }
  // Countries: the language's home country, English mostly US with some GB/CA/AU/IE/NZ.
  std::string_view home = lang.country;
  if (std::string_view(lang.code) == "en") {
    static constexpr const char* kEn[] = {"US", "GB", "CA", "AU", "IE", "NZ"};
    static constexpr double kW[] = {80, 13, 3, 2, 1, 1};
    home = kEn[rng.Weighted(kW)];
  }
  m.countries.push_back(static_cast<uint16_t>(CountryIndex(home)));
  if (rng.Chance(0.22)) {
    uint16_t other = static_cast<uint16_t>(rng.Below(words::kCountries.size()));
    if (other != m.countries[0]) m.countries.push_back(other);
  }
  // Companies from the home country when it has any.
  int n_comp = rng.Chance(0.1) ? 0 : static_cast<int>(1 + rng.Below(3));
  const auto& local = companies_by_country[m.countries[0]];
  const auto& us = companies_by_country[CountryIndex("US")];
  for (int j = 0; j < n_comp; ++j) {
    const auto& pool = (!local.empty() && rng.Chance(0.8)) ? local : us;
    uint16_t c = pool[rng.Below(pool.size())];
    if (std::find(m.companies.begin(), m.companies.end(), c) == m.companies.end()) {
      m.companies.push_back(c);
    }
  }
  // Spoken languages: the original one, sometimes one more.
  m.spoken.push_back(static_cast<uint16_t>(m.language));
  if (rng.Chance(0.25)) {
    uint16_t other =
        rng.Chance(0.5) ? 0 : static_cast<uint16_t>(rng.Below(words::kLanguages.size()));
    if (other != m.spoken[0]) m.spoken.push_back(other);
  }
}

}  // namespace

std::string Catalog::CreditId(uint64_t credit_index) const {
  static constexpr char kHex[] = "0123456789abcdef";
  // First 8 hex digits look like a 2013-2019 object timestamp; the last 16 are a bijection of
  // the credit index, which makes every id unique.
  uint64_t ts = 0x52fe4000ULL + Mix64(seed ^ 0xc0ffee ^ credit_index) % 0x0c000000ULL;
  uint64_t tail = Mix64(credit_index ^ Mix64(seed + 0x5eed));
  std::string s(24, '0');
  for (int i = 7; i >= 0; --i, ts >>= 4) s[i] = kHex[ts & 15];
  for (int i = 23; i >= 8; --i, tail >>= 4) s[i] = kHex[tail & 15];
  return s;
}

Catalog BuildCatalog(uint64_t seed, Format format, const ItemModel& items) {
  Catalog cat;
  cat.seed = seed;
  const int64_t M = static_cast<int64_t>(items.cluster.size());
  cat.movies.resize(M);

  // Ids.
  Rng idrng(seed, Stream::kMovieIds, 0);
  std::vector<int64_t> tmdb = ScatteredIds(idrng, M, 2 + static_cast<int64_t>(idrng.Below(10)),
                                           std::max(1.0, 600000.0 / static_cast<double>(M)));
  std::vector<int64_t> imdb =
      ScatteredIds(idrng, M, 35423, std::max(1.0, 3000000.0 / static_cast<double>(M)));
  std::vector<int64_t> ml;
  switch (format) {
    case Format::kOriginal:
      ml = tmdb;
      break;
    case Format::kMl100k:
      ml = ScatteredIds(idrng, M, 1, 1.0);
      break;
    case Format::kMl1m:
      ml = ScatteredIds(idrng, M, 1, 1.05);
      break;
    case Format::kMlLatest:
      ml = ScatteredIds(idrng, M, 1, std::max(1.0, 190000.0 / static_cast<double>(M)));
      break;
  }

  std::vector<std::vector<uint16_t>> companies_by_country(words::kCountries.size());
  for (size_t c = 0; c < words::kCompanies.size(); ++c) {
    companies_by_country[CountryIndex(words::kCompanies[c].country)].push_back(
        static_cast<uint16_t>(c));
  }
  std::vector<double> lang_weights;
  for (const auto& l : words::kLanguages) lang_weights.push_back(l.weight);

  std::unordered_set<std::string> seen_titles;
  seen_titles.reserve(static_cast<size_t>(M) * 2);
  for (int64_t i = 0; i < M; ++i) {
    Movie& m = cat.movies[i];
    Rng rng(seed, Stream::kMovieMeta, static_cast<uint64_t>(i));
    m.id = ml[i];
    m.tmdb_id = tmdb[i];
    m.imdb_id = imdb[i];
    m.genres = items.genres[i];
    m.year = 1920 + static_cast<int>(105.0 * std::pow(rng.Uniform(), 0.45));
    m.year = std::min(m.year, 2024);
    int month = static_cast<int>(1 + rng.Below(12));
    int day = static_cast<int>(1 + rng.Below(static_cast<uint64_t>(DaysInMonth(m.year, month))));
    m.release_day = DaysFromCivil(m.year, month, day);
    m.language = static_cast<int>(rng.Weighted(lang_weights));
    // English title, unique per (normalised title, year) so entity resolution is well posed.
    for (int attempt = 0;; ++attempt) {
      std::string t = EnglishTitle(rng);
      if (attempt >= 20) t += " " + std::to_string(attempt);
      std::string key = NormalizedTitle(t) + "|" + std::to_string(m.year);
      if (seen_titles.insert(key).second) {
        m.english_title = std::move(t);
        break;
      }
    }
    std::string_view code = words::kLanguages[m.language].code;
    m.original_title = m.english_title;
    if (code != "en" && rng.Chance(0.55)) {
      std::string o = OriginalLanguageTitle(rng, code);
      if (!o.empty()) m.original_title = std::move(o);
    }
    m.quote_titles = rng.Chance(0.05);
    FillMovieMeta(rng, m, companies_by_country);
  }
  cat.max_id = M > 0 ? cat.movies.back().id : 0;

  // Person pool with Zipf-like career lengths.
  const int64_t P = std::max<int64_t>(30, M * 3 / 2);
  cat.persons.resize(P);
  for (int64_t p = 0; p < P; ++p) {
    Rng rng(seed, Stream::kPersons, static_cast<uint64_t>(p));
    cat.persons[p] = MakePerson(rng);
  }
  std::vector<double> person_weight(P);
  for (int64_t p = 0; p < P; ++p) {
    // Rank order is a hash of the index: independent of name, heavy-tailed.
    Rng rng(seed, Stream::kPersons, static_cast<uint64_t>(P + p));
    person_weight[p] =
        1.0 / std::pow(20.0 + static_cast<double>(rng.Below(static_cast<uint64_t>(P))), 0.8);
  }
  AliasTable person_alias(person_weight);

  // Credits: about 60% of movies list a cast.
  for (int64_t i = 0; i < M; ++i) {
    Movie& m = cat.movies[i];
    Rng rng(seed, Stream::kCredits, static_cast<uint64_t>(i));
    m.credit_begin = m.credit_end = static_cast<uint32_t>(cat.credits.size());
    if (!rng.Chance(0.6)) continue;
    m.listed_cast = true;
    int64_t size = 3 + static_cast<int64_t>(rng.LogNormal(std::log(7.0), 0.7));
    size = std::min<int64_t>({size, 80, P});
    std::vector<uint32_t> cast;
    for (int tries = 0; static_cast<int64_t>(cast.size()) < size && tries < size * 20; ++tries) {
      uint32_t p = person_alias.Sample(rng);
      if (std::find(cast.begin(), cast.end(), p) == cast.end()) cast.push_back(p);
    }
    // Well-known actors get top billing.
    std::stable_sort(cast.begin(), cast.end(),
                     [&](uint32_t a, uint32_t b) { return person_weight[a] > person_weight[b]; });
    bool documentary = m.genres & (1u << 5);
    for (uint32_t p : cast) {
      cat.credits.push_back(Credit{static_cast<uint32_t>(i), p,
                                   MakeCharacter(rng, documentary, cat.persons[p].gender)});
    }
    m.credit_end = static_cast<uint32_t>(cat.credits.size());
  }

  // IMDb top list: the best-rated among popular films.
  const int64_t N = std::min<int64_t>(1000, M);
  std::vector<uint32_t> order(M);
  for (int64_t i = 0; i < M; ++i) order[i] = static_cast<uint32_t>(i);
  double max_pop = 0;
  for (double p : items.popularity) max_pop = std::max(max_pop, p);
  auto quality = [&](uint32_t i) {
    return static_cast<double>(items.bias[i]) + 0.12 * std::log(items.popularity[i] / max_pop);
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return quality(a) > quality(b); });
  cat.imdb.resize(N);
  for (int64_t j = 0; j < N; ++j) {
    ImdbEntry& e = cat.imdb[j];
    uint32_t i = order[j];
    const Movie& m = cat.movies[i];
    Rng rng(seed, Stream::kImdb, i);
    e.movie = i;
    static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::string code;
    for (int k = 0; k < 38; ++k) code.push_back(kB64[rng.Below(62)]);
    e.poster_link =
        "https://m.media-amazon.com/images/M/MV5B" + code + "@._V1_UX67_CR0,0,67,98_AL_.jpg";
    if (!rng.Chance(0.1)) {
      static constexpr double kCertW[] = {17, 15, 13, 15, 9, 8, 2, 3, 2, 1, 1, 1, 1, 1, 1};
      e.certificate = words::kCertificates[rng.Weighted(kCertW)];
    }
    double frac = N > 1 ? 1.0 - static_cast<double>(j) / static_cast<double>(N - 1) : 1.0;
    e.rating = std::round((7.6 + 1.7 * std::pow(frac, 2.5)) * 10.0) / 10.0;
    std::string subject = Pick(rng, words::kOverviewSubjects);
    if (rng.Chance(0.4)) subject += std::string(" in ") + Pick(rng, words::kTitlePlaces);
    e.overview = subject + " " + Pick(rng, words::kOverviewVerbs) + " " +
                 Pick(rng, words::kOverviewObjects) + ", " + Pick(rng, words::kOverviewTwists) +
                 ".";
    if (!rng.Chance(0.16)) {
      e.meta_score = static_cast<int>(std::clamp(std::round(rng.Normal(78, 12)), 28.0, 100.0));
    }
    e.director = person_alias.Sample(rng);
    int have = 0;
    for (uint32_t c = m.credit_begin; c < m.credit_end && have < 4; ++c) {
      e.stars[have++] = cat.credits[c].person;
    }
    while (have < 4) e.stars[have++] = person_alias.Sample(rng);
    double pop = items.popularity[i] / max_pop;
    e.votes = 25000 + static_cast<int64_t>(2.3e6 * std::pow(pop, 0.6) * rng.LogNormal(0, 0.3));
    if (!rng.Chance(0.17)) {
      double g = m.revenue > 0 ? static_cast<double>(m.revenue) * rng.Uniform() * 0.6 + 1e4
                               : rng.LogNormal(std::log(3e7), 1.5);
      e.gross = static_cast<int64_t>(g);
    }
    e.runtime = m.runtime > 0 ? m.runtime : static_cast<int>(90 + rng.Below(60));
  }
  return cat;
}

std::string MovieLensTitle(const Movie& m) {
  std::string t = m.english_title;
  for (const char* article : {"The ", "A ", "An "}) {
    size_t n = std::char_traits<char>::length(article);
    if (t.size() > n && t.compare(0, n, article) == 0) {
      t = t.substr(n) + ", " + std::string(article, n - 1);
      break;
    }
  }
  return t + " (" + std::to_string(m.year) + ")";
}

namespace {
// Decodes one UTF-8 code point at s[i] (assumes valid input); advances i.
uint32_t NextCodePoint(const std::string& s, size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k < len && i + k < s.size(); ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  }
  i += len;
  return cp;
}
}  // namespace

std::string Utf8ToLatin1(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = NextCodePoint(s, i);
    out.push_back(cp <= 0xFF ? static_cast<char>(cp) : '?');
  }
  return out;
}

std::string AsciiFold(const std::string& s) {
  // U+00C0 .. U+00FF folded to ASCII ("" = dropped).
  static constexpr const char* kFold[64] = {
      "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I",
      "D", "N", "O", "O", "O", "O", "O",  "x", "O", "U", "U", "U", "U", "Y", "",  "ss",
      "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
      "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "",  "y"};
  std::string out;
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = NextCodePoint(s, i);
    if (cp < 0x80)
      out.push_back(static_cast<char>(cp));
    else if (cp >= 0xC0 && cp <= 0xFF)
      out += kFold[cp - 0xC0];
  }
  return out;
}

std::string NormalizedTitle(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

}  // namespace movierec::gen

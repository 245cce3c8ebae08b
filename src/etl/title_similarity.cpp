#include "etl/title_similarity.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <thread>

#include "common/error.h"
#include "etl/field_parse.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace movierec::etl {
namespace {

constexpr char32_t kReplacement = 0xFFFD;
constexpr int kBagSize = 32;
constexpr int kMaxPrefix = 4;

// Matching of a against b (Jaro's definition). Returns the Jaro similarity, or -1 as soon as
// fewer than m_min matches are still possible. fa and fb hold at least la and lb bytes.
double JaroCore(const char32_t* a, int la, const char32_t* b, int lb, int m_min, uint8_t* fa,
                uint8_t* fb) {
  if (la == 0 && lb == 0) return 1.0;
  if (la == 0 || lb == 0) return m_min > 0 ? -1.0 : 0.0;
  const int window = std::max(0, std::max(la, lb) / 2 - 1);
  std::fill(fa, fa + la, uint8_t{0});
  std::fill(fb, fb + lb, uint8_t{0});
  int m = 0;
  for (int i = 0; i < la; ++i) {
    const int lo = std::max(0, i - window);
    const int hi = std::min(lb - 1, i + window);
    const char32_t c = a[i];
    for (int j = lo; j <= hi; ++j) {
      if (!fb[j] && b[j] == c) {
        fa[i] = fb[j] = 1;
        ++m;
        break;
      }
    }
    if (m + (la - 1 - i) < m_min) return -1.0;
  }
  if (m == 0) return 0.0;
  int half = 0;
  for (int i = 0, k = 0; i < la; ++i) {
    if (!fa[i]) continue;
    while (!fb[k]) ++k;
    half += a[i] != b[k];
    ++k;
  }
  const double dm = m;
  return (dm / la + dm / lb + (dm - half / 2.0) / dm) / 3.0;
}

int CommonPrefix(std::u32string_view a, std::u32string_view b) {
  const size_t n = std::min({a.size(), b.size(), static_cast<size_t>(kMaxPrefix)});
  size_t l = 0;
  while (l < n && a[l] == b[l]) ++l;
  return static_cast<int>(l);
}

void CheckPrefixScale(double p) {
  if (!(p >= 0 && p < 0.25)) {
    throw UsageError("Jaro-Winkler prefix scale " + FormatNumber(p) + " is outside [0, 0.25)");
  }
}

bool EqualsAsciiNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool IsWordChar(char32_t c) { return c != U' '; }

// Value of a roman numeral ii..xx or an English number word one..twenty, else 0.
int NumberWord(std::u32string_view w) {
  static constexpr const char32_t* kRoman[] = {
      U"ii",  U"iii",  U"iv",  U"v",  U"vi",  U"vii",  U"viii",  U"ix",  U"x", U"xi",
      U"xii", U"xiii", U"xiv", U"xv", U"xvi", U"xvii", U"xviii", U"xix", U"xx"};
  static constexpr const char32_t* kWords[] = {
      U"one",     U"two",     U"three",     U"four",     U"five",     U"six",      U"seven",
      U"eight",   U"nine",    U"ten",       U"eleven",   U"twelve",   U"thirteen", U"fourteen",
      U"fifteen", U"sixteen", U"seventeen", U"eighteen", U"nineteen", U"twenty"};
  if (w.empty() || w.size() > 9) return 0;
  if (w[0] == U'i' || w[0] == U'v' || w[0] == U'x') {
    for (int k = 0; k < 19; ++k) {
      if (w == kRoman[k]) return k + 2;
    }
  } else if (std::u32string_view(U"eftson").find(w[0]) != std::u32string_view::npos) {
    for (int k = 0; k < 20; ++k) {
      if (w == kWords[k]) return k + 1;
    }
  }
  return 0;
}

// One comparable title. The search reads the hot fields (length, packed prefix, character
// bag) from arrays of their own, in the same order as the entries.
struct Entry {
  size_t index;  // in the input
  int64_t id;
  int year;
  uint32_t offset;  // into the code-point pool
  int len;
  uint32_t num_offset;  // into the numbers pool
  uint32_t num_len;
};

// Counts of a title's characters in 32 buckets (a..z, digits, space, four for the rest).
struct alignas(16) Bag {
  uint8_t count[kBagSize];
};

int Bucket(char32_t c) {
  if (c >= U'a' && c <= U'z') return static_cast<int>(c - U'a');
  if (c >= U'0' && c <= U'9') return 26;
  if (c == U' ') return 27;
  return 28 + static_cast<int>(c & 3);
}

// Upper bound on the Jaro matches of two titles: the characters they share, counted per bucket
// (merging characters into buckets can only raise the sum of the minima).
inline int BagOverlap(const Bag& x, const Bag& y) {
#if defined(__SSE2__)
  const __m128i zero = _mm_setzero_si128();
  const auto* px = reinterpret_cast<const __m128i*>(x.count);
  const auto* py = reinterpret_cast<const __m128i*>(y.count);
  const __m128i m0 = _mm_min_epu8(_mm_load_si128(px), _mm_load_si128(py));
  const __m128i m1 = _mm_min_epu8(_mm_load_si128(px + 1), _mm_load_si128(py + 1));
  const __m128i sum = _mm_add_epi64(_mm_sad_epu8(m0, zero), _mm_sad_epu8(m1, zero));
  return _mm_cvtsi128_si32(sum) + _mm_extract_epi16(sum, 4);
#else
  int s = 0;
  for (int k = 0; k < kBagSize; ++k) s += std::min(x.count[k], y.count[k]);
  return s;
#endif
}

// The first four code points, 16 bits each: equal 16-bit fields from the bottom up give an
// upper bound on the common prefix (code points equal in their low 16 bits may still differ).
uint64_t PackPrefix(std::u32string_view key) {
  uint64_t p = 0;
  for (int k = 0; k < kMaxPrefix && k < static_cast<int>(key.size()); ++k) {
    p |= static_cast<uint64_t>(key[k] & 0xFFFF) << (16 * k);
  }
  return p;
}

inline int PrefixBound(uint64_t a, uint64_t b, int pmax) {
  const uint64_t x = a ^ b;
  const int l = x == 0 ? kMaxPrefix : std::countr_zero(x) / 16;
  return std::min(l, pmax);
}

struct Block {
  int year;
  size_t begin, end;  // into the sorted entries
};

struct Unit {  // compare block a with itself (a == b) or with block b
  size_t a, b;
  double cost;
};

class Search {
 public:
  Search(std::span<const TitleEntry> movies, const FuzzyTitleOptions& opt) : opt_(opt) {
    struct Built {
      Entry entry;
      Bag bag;
      uint64_t prefix;
      bool bag_valid;
    };
    std::vector<Built> built;
    for (size_t i = 0; i < movies.size(); ++i) {
      if (!movies[i].year) continue;
      std::u32string key = FuzzyTitleKey(movies[i].title);
      if (key.empty()) continue;
      Built b{};
      Entry& e = b.entry;
      e.index = i;
      e.id = movies[i].id;
      e.year = *movies[i].year;
      e.offset = static_cast<uint32_t>(pool_.size());
      e.len = static_cast<int>(key.size());
      b.prefix = PackPrefix(key);
      b.bag_valid = e.len <= 255;  // counts fit in a byte
      if (b.bag_valid) {
        for (char32_t c : key) ++b.bag.count[Bucket(c)];
      }
      std::vector<int> nums = TitleNumbers(key);
      e.num_offset = static_cast<uint32_t>(numbers_.size());
      e.num_len = static_cast<uint32_t>(nums.size());
      numbers_.insert(numbers_.end(), nums.begin(), nums.end());
      pool_.insert(pool_.end(), key.begin(), key.end());
      max_len_ = std::max(max_len_, e.len);
      built.push_back(b);
    }
    // Blocks of one year, each sorted by length, so a length window is a contiguous range.
    std::sort(built.begin(), built.end(), [](const Built& x, const Built& y) {
      if (x.entry.year != y.entry.year) return x.entry.year < y.entry.year;
      if (x.entry.len != y.entry.len) return x.entry.len < y.entry.len;
      return x.entry.index < y.entry.index;
    });
    for (const Built& b : built) {
      entries_.push_back(b.entry);
      lens_.push_back(b.entry.len);
      prefixes_.push_back(b.prefix);
      bags_.push_back(b.bag);
      bag_valid_.push_back(b.bag_valid);
    }
    for (size_t i = 0; i < entries_.size();) {
      size_t j = i;
      while (j < entries_.size() && entries_[j].year == entries_[i].year) ++j;
      blocks_.push_back(Block{entries_[i].year, i, j});
      i = j;
    }
    // A pair with common prefix l must reach Jaro need = (t - l p) / (1 - l p). Since
    // Jaro <= (m/la + m/lb + 1) / 3, it needs m >= c * la * lb / (la + lb), c = 3 need - 1.
    for (int l = 0; l <= kMaxPrefix; ++l) {
      const double lp = l * opt_.prefix_scale;
      c_[l] = 3.0 * ((opt_.report_threshold - lp) / (1.0 - lp)) - 1.0;
    }
  }

  std::vector<FuzzyTitlePair> Run() {
    std::vector<Unit> units;
    double total = 0;
    for (size_t a = 0; a < blocks_.size(); ++a) {
      const double na = static_cast<double>(blocks_[a].end - blocks_[a].begin);
      units.push_back(Unit{a, a, na * na / 2});
      for (size_t b = a + 1;
           b < blocks_.size() && blocks_[b].year - blocks_[a].year <= opt_.max_year_gap; ++b) {
        units.push_back(Unit{a, b, na * static_cast<double>(blocks_[b].end - blocks_[b].begin)});
      }
    }
    for (const auto& u : units) total += u.cost;
    // Largest first, so that the last unit to finish is a small one.
    std::stable_sort(units.begin(), units.end(),
                     [](const Unit& x, const Unit& y) { return x.cost > y.cost; });
    // Asked-for workers are used as asked; by default, about one per million comparisons.
    int workers = opt_.workers;
    if (workers <= 0) {
      workers = std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1,
                           static_cast<int>(std::min<double>(total / 1e6 + 1, 64)));
    }
    workers = std::max(1, std::min(workers, static_cast<int>(units.size())));

    std::vector<std::vector<FuzzyTitlePair>> found(static_cast<size_t>(workers));
    std::atomic<size_t> next{0};
    auto work = [&](int w) {
      std::vector<uint8_t> fa(static_cast<size_t>(max_len_) + 1),
          fb(static_cast<size_t>(max_len_) + 1);
      for (size_t u = next++; u < units.size(); u = next++) {
        Compare(units[u], fa.data(), fb.data(), found[static_cast<size_t>(w)]);
      }
    };
    if (workers == 1) {
      work(0);
    } else {
      std::vector<std::thread> threads;
      for (int w = 0; w < workers; ++w) threads.emplace_back(work, w);
      for (auto& t : threads) t.join();
    }
    std::vector<FuzzyTitlePair> out;
    for (auto& f : found) out.insert(out.end(), f.begin(), f.end());
    std::sort(out.begin(), out.end(), [](const FuzzyTitlePair& x, const FuzzyTitlePair& y) {
      if (x.low_id != y.low_id) return x.low_id < y.low_id;
      if (x.high_id != y.high_id) return x.high_id < y.high_id;
      if (x.low_index != y.low_index) return x.low_index < y.low_index;
      return x.high_index < y.high_index;
    });
    return out;
  }

 private:
  // The fewest Jaro matches with which titles of these lengths and this common prefix can
  // still reach the threshold (more than min(la, lb) when they cannot).
  int MinMatches(int la, int lb, int prefix) const {
    const double c = c_[prefix];
    if (c <= 0) return 0;
    const double need = c * la * lb / (la + lb);
    return std::max(1, static_cast<int>(std::ceil(need - 1e-9)));
  }

  void Compare(const Unit& u, uint8_t* fa, uint8_t* fb, std::vector<FuzzyTitlePair>& out) const {
    const Block& A = blocks_[u.a];
    const Block& B = blocks_[u.b];
    const bool same = u.a == u.b;
    // Length window from the Jaro length bound with the largest prefix bonus:
    // (2 + short/long) / 3 >= need  <=>  short >= (c - 1) * long (every length when c <= 1).
    const double wc = c_[kMaxPrefix] - 1.0;
    int mm[kMaxPrefix + 1];
    for (size_t i = A.begin; i < A.end; ++i) {
      const int la = lens_[i];
      int len_lo = 1, len_hi = max_len_;
      if (wc > 0) {
        len_lo = std::max(1, static_cast<int>(std::floor(wc * la - 1e-9)));
        len_hi = static_cast<int>(std::min<double>(max_len_, std::ceil(la / wc + 1e-9)));
      }
      auto first_of_len = [&](int len) {
        return static_cast<size_t>(
            std::lower_bound(lens_.begin() + static_cast<std::ptrdiff_t>(B.begin),
                             lens_.begin() + static_cast<std::ptrdiff_t>(B.end), len) -
            lens_.begin());
      };
      size_t j = first_of_len(len_lo);
      const size_t end = first_of_len(len_hi + 1);
      if (same) j = std::max(j, i + 1);
      const uint64_t pa = prefixes_[i];
      const Bag& bag_a = bags_[i];
      const bool valid_a = bag_valid_[i];
      while (j < end) {
        // One run of equal length: the bounds depend on the prefix only.
        const int lb = lens_[j];
        size_t run_end = j;
        while (run_end < end && lens_[run_end] == lb) ++run_end;
        const int shorter = std::min(la, lb);
        const int pmax = std::min({kMaxPrefix, la, lb});
        for (int l = 0; l <= pmax; ++l) mm[l] = MinMatches(la, lb, l);
        if (mm[pmax] > shorter) {  // the Jaro length bound, even with the full prefix bonus
          j = run_end;
          continue;
        }
        for (; j < run_end; ++j) {
          const int m_min = mm[PrefixBound(pa, prefixes_[j], pmax)];
          if (m_min > shorter) continue;
          if (valid_a && bag_valid_[j] && BagOverlap(bag_a, bags_[j]) < m_min) continue;
          Pair(entries_[i], entries_[j], fa, fb, out);
        }
      }
    }
  }

  void Pair(const Entry& x, const Entry& y, uint8_t* fa, uint8_t* fb,
            std::vector<FuzzyTitlePair>& out) const {
    if (x.id == y.id) return;
    // Score with the lower id first, so the value is that of TitleSimilarity(low, high).
    const bool x_low = x.id < y.id;
    const Entry& lo = x_low ? x : y;
    const Entry& hi = x_low ? y : x;
    const std::u32string_view a(pool_.data() + lo.offset, static_cast<size_t>(lo.len));
    const std::u32string_view b(pool_.data() + hi.offset, static_cast<size_t>(hi.len));
    const int prefix = CommonPrefix(a, b);
    const int m_min = MinMatches(lo.len, hi.len, prefix);
    if (m_min > std::min(lo.len, hi.len)) return;
    const double jaro = JaroCore(a.data(), lo.len, b.data(), hi.len, m_min, fa, fb);
    if (jaro < 0) return;
    const double score = jaro + prefix * opt_.prefix_scale * (1.0 - jaro);
    if (score < opt_.report_threshold) return;
    const bool differ =
        x.num_len != y.num_len ||
        !std::equal(numbers_.begin() + x.num_offset, numbers_.begin() + x.num_offset + x.num_len,
                    numbers_.begin() + y.num_offset);
    if (differ && !opt_.keep_number_mismatches) return;
    out.push_back(FuzzyTitlePair{lo.id, hi.id, lo.index, hi.index, score, differ});
  }

  const FuzzyTitleOptions& opt_;
  std::vector<Entry> entries_;
  std::vector<int> lens_;
  std::vector<uint64_t> prefixes_;
  std::vector<Bag> bags_;
  std::vector<uint8_t> bag_valid_;
  std::vector<char32_t> pool_;
  std::vector<int> numbers_;
  std::vector<Block> blocks_;
  int max_len_ = 0;
  double c_[kMaxPrefix + 1] = {};
};

}  // namespace

std::u32string DecodeUtf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      out.push_back(c);
      ++i;
      continue;
    }
    size_t len;
    char32_t cp, min;
    if ((c >> 5) == 0x6) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c >> 4) == 0xE) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c >> 3) == 0x1E) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      out.push_back(kReplacement);
      ++i;
      continue;
    }
    size_t k = 1;
    for (; k < len && i + k < n && (p[i + k] & 0xC0) == 0x80; ++k)
      cp = (cp << 6) | (p[i + k] & 0x3F);
    if (k < len || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      out.push_back(kReplacement);
      i += k;
      continue;
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

double JaroSimilarity(std::u32string_view a, std::u32string_view b) {
  std::vector<uint8_t> fa(a.size()), fb(b.size());
  return JaroCore(a.data(), static_cast<int>(a.size()), b.data(), static_cast<int>(b.size()), 0,
                  fa.data(), fb.data());
}

double JaroWinkler(std::u32string_view a, std::u32string_view b, double prefix_scale) {
  CheckPrefixScale(prefix_scale);
  const double j = JaroSimilarity(a, b);
  return j + CommonPrefix(a, b) * prefix_scale * (1.0 - j);
}

double JaroWinkler(std::string_view a, std::string_view b, double prefix_scale) {
  return JaroWinkler(DecodeUtf8(a), DecodeUtf8(b), prefix_scale);
}

std::u32string FuzzyTitleKey(std::string_view title) {
  static constexpr const char* kArticles[] = {"the", "a",   "an",  "les", "la",  "le",  "l'",
                                              "el",  "los", "las", "il",  "der", "die", "das"};
  // Base letters of U+00E0..U+00FF (capitals are lowered first) and U+0100..U+017F; "" = kept.
  static constexpr const char* kLatin1[32] = {
      "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
      "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y"};
  static constexpr const char* kExtendedA[128] = {
      "a", "a", "a",  "a",  "a", "a", "c", "c", "c", "c", "c", "c", "c", "c", "d", "d",
      "d", "d", "e",  "e",  "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g",
      "g", "g", "g",  "g",  "h", "h", "h", "h", "i", "i", "i", "i", "i", "i", "i", "i",
      "i", "i", "ij", "ij", "j", "j", "k", "k", "k", "l", "l", "l", "l", "l", "l", "l",
      "l", "l", "l",  "n",  "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o",
      "o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s", "s", "s", "s", "s",
      "s", "s", "t",  "t",  "t", "t", "t", "t", "u", "u", "u", "u", "u", "u", "u", "u",
      "u", "u", "u",  "u",  "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s"};
  std::string_view t = Trim(title);
  std::string moved;
  const size_t comma = t.rfind(", ");
  if (comma != std::string_view::npos) {
    const std::string_view tail = Trim(t.substr(comma + 2));
    for (const char* article : kArticles) {
      if (EqualsAsciiNoCase(tail, article)) {
        moved =
            std::string(tail) + (tail.back() == '\'' ? "" : " ") + std::string(t.substr(0, comma));
        t = moved;
        break;
      }
    }
  }
  std::u32string out;
  for (char32_t c : DecodeUtf8(NormalizeTitle(t, /*drop_punctuation=*/true))) {
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) c += 0x20;  // Latin-1 capitals
    const char* fold = c == 0xDF                  ? "ss"
                       : c >= 0xE0 && c <= 0xFF   ? kLatin1[c - 0xE0]
                       : c >= 0x100 && c <= 0x17F ? kExtendedA[c - 0x100]
                                                  : nullptr;
    if (!fold || !*fold) {
      out.push_back(c);
      continue;
    }
    for (const char* f = fold; *f; ++f) out.push_back(static_cast<char32_t>(*f));
  }
  return out;
}

std::vector<int> TitleNumbers(std::u32string_view key) {
  std::vector<int> out;
  size_t i = 0;
  while (i < key.size()) {
    while (i < key.size() && !IsWordChar(key[i])) ++i;
    const size_t start = i;
    while (i < key.size() && IsWordChar(key[i])) ++i;
    const std::u32string_view word = key.substr(start, i - start);
    if (word.empty()) continue;
    bool any_digit = false;
    for (size_t k = 0; k < word.size();) {
      if (word[k] < U'0' || word[k] > U'9') {
        ++k;
        continue;
      }
      int v = 0;
      for (; k < word.size() && word[k] >= U'0' && word[k] <= U'9'; ++k) {
        v = std::min(v * 10 + static_cast<int>(word[k] - U'0'), 999999999);
      }
      out.push_back(v);
      any_digit = true;
    }
    if (!any_digit) {
      if (int v = NumberWord(word)) out.push_back(v);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

std::vector<std::u32string_view> Words(std::u32string_view s) {
  std::vector<std::u32string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == U' ') ++i;
    const size_t start = i;
    while (i < s.size() && s[i] != U' ') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

// One insertion, deletion, substitution or swap of neighbours turns a into b (or a == b).
bool WithinOneEdit(std::u32string_view a, std::u32string_view b) {
  if (a.size() > b.size()) std::swap(a, b);
  if (b.size() - a.size() > 1) return false;
  size_t i = 0;
  while (i < a.size() && a[i] == b[i]) ++i;
  if (i == a.size()) return true;
  if (a.size() < b.size()) return a.substr(i) == b.substr(i + 1);
  if (a.substr(i + 1) == b.substr(i + 1)) return true;
  return i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i] &&
         a.substr(i + 2) == b.substr(i + 2);
}

}  // namespace

bool IsSpellingVariant(std::string_view a, std::string_view b) {
  const std::u32string ka = FuzzyTitleKey(a), kb = FuzzyTitleKey(b);
  const std::vector<std::u32string_view> wa = Words(ka), wb = Words(kb);
  auto joined = [](const std::vector<std::u32string_view>& words) {
    std::u32string s;
    for (auto w : words) {
      if (w != U"and") s += w;
    }
    return s;
  };
  if (joined(wa) == joined(wb)) return true;
  if (wa.size() != wb.size()) return false;
  int differing = 0;
  for (size_t i = 0; i < wa.size(); ++i) {
    if (wa[i] == wb[i]) continue;
    if (++differing > 1 || wa[i].size() < 6 || wb[i].size() < 6 || !WithinOneEdit(wa[i], wb[i])) {
      return false;
    }
  }
  return true;
}

double TitleSimilarity(std::string_view a, std::string_view b, double prefix_scale) {
  return JaroWinkler(FuzzyTitleKey(a), FuzzyTitleKey(b), prefix_scale);
}

std::vector<FuzzyTitlePair> FindFuzzyTitleCandidates(std::span<const TitleEntry> movies,
                                                     const FuzzyTitleOptions& options) {
  CheckPrefixScale(options.prefix_scale);
  if (!(options.report_threshold > 0 && options.report_threshold <= 1)) {
    throw UsageError("fuzzy title report threshold " + FormatNumber(options.report_threshold) +
                     " is outside (0, 1]");
  }
  if (options.max_year_gap < 0 || options.max_year_gap > 10) {
    throw UsageError("fuzzy title year gap " + std::to_string(options.max_year_gap) +
                     " is outside [0, 10]");
  }
  Search search(movies, options);
  return search.Run();
}

}  // namespace movierec::etl

// Content-based recommendation as cosine similarity between a user's taste profile and each
// movie's feature vector, both L2-normalised, so the score is a plain dot product and goes
// through the same top-N path as every other model (host/scoring_vectors.h, host/topn.h).
//
// Item vector of movie i: four blocks, each L2-normalised on its own (when not all zero), then
// multiplied by its weight from ContentParams, then the whole vector L2-normalised:
//
//  genre     genre_weight     TF-IDF over genres: 1 * idf(g) for each genre of the movie,
//                             idf(g) = ln((1 + N) / (1 + df(g))) + 1 (N = items with a genre,
//                             df(g) = items with genre g). One slot per genre, most frequent
//                             first, up to kContentMaxGenreDims; past that (rare: the ETL's
//                             canonical vocabulary has about two dozen genres) the rarer
//                             genres share slots by the signed hash below.
//  people    people_weight    directors and billed cast (ContentItem::director_ids,
//                             cast_ids), each person once per movie with the same idf formula
//                             over people, hashed into kContentPeopleBuckets buckets: bucket =
//                             h(seed, person) mod B, sign = top bit of h (a "hashing trick"
//                             with a sign hash, Weinberger et al. 2009). Only people credited on
//                             at least two catalog movies count: a single-movie credit can
//                             never make two movies similar and would only add collision noise.
//  decade    year_weight      release decade with a Gaussian kernel over decades, exp(-d^2 /
//                             (2 * 0.6^2)) for decade distance d (1.0, 0.25, 0.004 ...), so a
//                             1990s movie is still a little like a 2000s one (block cosine 0.44
//                             for adjacent decades, 0.06 two apart); slots 1910s-and-before,
//                             1920s, ..., 2020s-and-after (kContentDecadeDims).
//  language  language_weight  one-hot original language: the most frequent languages get a
//                             slot each; with more than kContentMaxLanguageDims languages the
//                             15 most frequent keep theirs and the rest share an "other" slot.
//
// A block whose feature no catalog item has gets no dimensions; the widest layout is
// 32 + 32 + 12 + 16 = 92, typically about 80 (20 genres): about the size of a factor model's
// vectors, so content scoring costs the top-N GEMM no more than collaborative scoring does.
//
// Why 32 people buckets: the people block is about a fifth of the vector's squared norm at the
// default weights (0.5^2 of 1 + 0.25 + 0.0625 + 0.0625), the part that tells two dramas of the
// same decade apart. With B buckets two different people collide with probability 1/B and,
// thanks to the sign hash, a collision adds +1 or -1 with equal odds: noise with mean zero,
// never a systematic pull towards similarity. Two unrelated movies with five hashed people each
// collide on about 25/B pairs; at B = 32 the noise in their people-block cosine has a standard
// deviation of about sqrt(25/32)/5 = 0.18, against 0.2 for one genuinely shared person, and
// after the block weight it moves the whole cosine by about 0.03 either way. A user's profile
// sums many movies, so a person the user liked repeatedly adds up linearly while collisions add
// up as a random walk. Doubling B would halve the collision variance but add a third to the
// GEMM's inner dimension; kContentPeopleBuckets is the one constant to change for that trade.
//
// User profile: sum_i w_ui * v_i over the user's training ratings, L2-normalised, with
//   w_ui = r_ui - nu_u,   nu_u = min(mean rating of u, params.min_rating).
// Ratings above the user's neutral point nu_u pull the profile towards a movie and ratings
// below push it away; a rating at or above min_rating never pushes away, so a generous user
// (mean 4.5) still counts a 4 as liked, while a harsh user's (mean 2.2) 3s count as liked too.
// Centring on the mean also cancels what every rated movie shares (most are English, many are
// dramas), which would otherwise dominate the profile. Users with no ratings, or whose ratings
// are all equal to nu_u (e.g. everything rated 2), get a zero vector: every item scores 0 and
// the hybrid's popularity component decides their list.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/content_catalog.h"
#include "common/model_params.h"
#include "common/sparse.h"
#include "host/scoring_vectors.h"

namespace movierec {

inline constexpr int kContentMaxGenreDims = 32;
inline constexpr int kContentPeopleBuckets = 32;
inline constexpr int kContentDecadeDims = 12;
inline constexpr int kContentMaxLanguageDims = 16;
inline constexpr int kContentFirstDecade = 1910;  // slot 0: the 1910s and everything before

// Where each block lives in an item vector; dims 0 = block absent.
struct ContentLayout {
  int genre_offset = 0, genre_dims = 0;
  int people_offset = 0, people_dims = 0;
  int decade_offset = 0, decade_dims = 0;
  int language_offset = 0, language_dims = 0;
  int dim = 0;                              // the sum of the blocks, at least 1
  std::vector<int64_t> genre_slots;         // genre id of each dedicated slot
  std::vector<std::string> language_slots;  // language of each dedicated slot
  bool language_other = false;              // the last language slot is "other"
};

struct ContentModel {
  ContentLayout layout;
  int64_t items = 0;
  std::vector<float> item_vectors;  // items x layout.dim, each row unit length or all zero
  const float* ItemRow(int64_t i) const { return item_vectors.data() + i * layout.dim; }
};

// The item vectors of `catalog` (item index c = catalog.items[c]); `seed` drives the people
// (and overflow genre) sign hash. Throws movierec::Error for a negative weight.
ContentModel BuildContentModel(const ContentCatalog& catalog, const ContentParams& params,
                               uint64_t seed = 42);

// One user's unit-length profile (or zeros) from that user's ratings: item indexes and
// values, as in one CSR row. `out` receives model.layout.dim floats.
void ContentUserProfile(const ContentModel& model, const int32_t* items, const float* ratings,
                        int64_t count, const ContentParams& params, float* out);

// Profiles of every row of `train` (users x items, items aligned with the model's), on
// `workers` threads; the result does not depend on the worker count.
std::vector<float> ContentUserProfiles(const ContentModel& model, const RatingMatrix& train,
                                       const ContentParams& params, int workers = 1);

// The content model as scoring vectors: user = profiles, item = item vectors, so
// Score(u, i) = cosine(profile_u, v_i). Throws movierec::Error when the catalog and the
// matrix disagree on the number of items.
ScoringVectors ContentScoringVectors(const ContentModel& model, const RatingMatrix& train,
                                     const ContentParams& params, int workers = 1);

}  // namespace movierec

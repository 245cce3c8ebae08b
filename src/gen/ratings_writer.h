// The ratings file, generated and written in parallel: users are cut into fixed blocks (the
// cut does not depend on the thread count), workers render blocks into private text buffers
// with std::to_chars, and the calling thread writes them in block order with large writes, so
// the bytes are identical for any --threads. Inserted defect rows and (ml-latest) tags are
// produced per block alongside.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gen/catalog.h"
#include "gen/defects.h"
#include "gen/rating_format.h"
#include "gen/ratings_sampler.h"

namespace movierec::gen {

struct RatingsJob {
  const RatingSampler* sampler = nullptr;
  const Catalog* catalog = nullptr;
  const CatalogDefectPlan* plan = nullptr;
  const ItemModel* items = nullptr;
  RatingDialect dialect;
  const std::vector<int32_t>* counts = nullptr;
  double dirty_rate = 0;
  bool tags = false;  // ml-latest: also produce tags.csv rows
  int threads = 1;
};

struct RatingsOutput {
  int64_t clean_rows = 0;     // = sum of counts
  int64_t inserted_rows = 0;  // defect rows
  int64_t bytes = 0;
  std::vector<DefectRecord> defects;
  std::string tags_text;  // tags.csv body (no header)
  int64_t tag_rows = 0;
};

RatingsOutput WriteRatingsFile(const std::string& path, const RatingsJob& job);

}  // namespace movierec::gen

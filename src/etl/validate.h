// The validate stage: data-quality rules (etl/quality_rules.h) that fix, quarantine, warn or
// fail, each reported with rows checked, rows failed, the action and a sample. Row rules run
// on extracted rows before transform (quarantined rows move to `rejected`); table rules run on
// the transformed dataset. A `fail` rule with failures stops the run before anything is
// published (the pipeline exits 3 and the database stays as it was).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/dataset.h"
#include "etl/extract.h"
#include "etl/quality_rules.h"

namespace movierec::etl {

// What the previous successful run loaded, for the rules that compare runs.
struct RunHistory {
  std::optional<int64_t> movies;
  std::optional<int64_t> ratings;
  std::vector<double> rating_histogram;  // shares of 0.5, 1.0, ..., 5.0 (10 bins)
};

struct ValidateOptions {
  int64_t now = 0;  // unix seconds
  RuleSet rules;
  RunHistory previous;
  size_t sample_size = 5;
};

// Row rules, in place. Returns one result per rule and table.
std::vector<QualityResult> Validate(ExtractedData& data, const ValidateOptions& options);

// Table rules on the transformed data (counts, distributions, drift, activity).
std::vector<QualityResult> ValidateDataset(const Dataset& data, const ValidateOptions& options);

// Shares of each half star 0.5 .. 5.0 among the ratings.
std::vector<double> RatingHistogram(const std::vector<Rating>& ratings);

// The first result whose severity is fail and that failed rows, or null.
const QualityResult* FirstFailure(const std::vector<QualityResult>& results);

// Replaces every invalid UTF-8 sequence with U+FFFD; true when something changed.
bool RepairUtf8(std::string& s);

}  // namespace movierec::etl

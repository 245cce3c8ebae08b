// The validate stage: row rules that fix, quarantine or warn, each reported with counts and a
// sample. Runs on extracted rows before transform; quarantined rows move to `rejected`.
#pragma once

#include <cstdint>
#include <vector>

#include "common/dataset.h"
#include "etl/extract.h"

namespace movierec::etl {

struct ValidateOptions {
  int64_t now = 0;  // unix seconds; dates after now + 1 day are in the future
};

// Applies the rules in place and returns one result per rule and table.
std::vector<QualityResult> Validate(ExtractedData& data, const ValidateOptions& options);

// Replaces every invalid UTF-8 sequence with U+FFFD; true when something changed.
bool RepairUtf8(std::string& s);

}  // namespace movierec::etl

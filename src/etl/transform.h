// The transform stage: turns validated rows into load-ready tables: duplicate ratings merged
// (latest wins), dense indexes, the genre vocabulary, people and cast lists, IMDb rows
// resolved to movies, and the per-file accounting (read = loaded + merged + quarantined).
#pragma once

#include "common/dataset.h"
#include "etl/extract.h"

namespace movierec::etl {

Dataset Transform(ExtractedData&& data, std::vector<QualityResult> quality, int workers = 1);

}  // namespace movierec::etl

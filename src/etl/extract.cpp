#include "etl/extract.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "common/error.h"
#include "etl/extract_common.h"

namespace movierec::etl {

OpenedSource OpenSource(SourceKind kind, const std::string& path) {
  if (!std::filesystem::exists(path)) {
    throw UsageError(std::string("data_sources.csv_files.") + SourceKindName(kind) + ": " + path +
                     " does not exist");
  }
  io::InputFile file = io::InputFile::Open(path);
  DetectedLayout layout = DetectLayout(kind, path, file.text());
  if (layout.latin1) file.TranscodeLatin1ToUtf8();
  OpenedSource src{std::move(file), std::move(layout)};
  if (src.layout.has_header) {
    io::CsvHeader header = io::ReadHeader(src.file.text(), src.layout.dialect);
    src.data_pos = header.data_pos;
    src.data_line = header.data_line;
  }
  spdlog::debug("{}: {} ({} bytes{})", path, src.layout.name, src.file.text().size(),
                src.file.was_gzip() ? ", gzip" : "");
  return src;
}

const std::string& SourcePath(const std::vector<SourceStats>& sources, const char* kind) {
  static const std::string none;
  for (const auto& s : sources) {
    if (s.kind == kind) return s.path;
  }
  return none;
}

ExtractedData Extract(const io::SourcesConfig& sources, const ExtractOptions& options) {
  ExtractedData out;
  const int w = options.workers;
  auto run = [&](const std::string& path,
                 SourceStats (*fn)(const std::string&, int, ExtractedData&)) {
    if (path.empty()) return;
    SourceStats stats = fn(path, w, out);
    spdlog::info("extract {}: {} rows read, {} rejected ({})", path, stats.rows_read,
                 stats.rows_quarantined, stats.format);
    out.sources.push_back(std::move(stats));
  };
  run(sources.movies, ExtractMoviesFile);
  run(sources.links, ExtractLinksFile);
  run(sources.persons, ExtractPersonsFile);
  run(sources.imdb, ExtractImdbFile);
  run(sources.ratings, ExtractRatingsFile);
  run(sources.tags, ExtractTagsFile);
  return out;
}

}  // namespace movierec::etl

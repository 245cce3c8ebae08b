// The output layouts `movierec generate --format` can write (DESIGN.md §4 "Input formats").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace movierec::gen {

enum class Format { kOriginal, kMl100k, kMl1m, kMlLatest };

inline std::string_view FormatName(Format f) {
  switch (f) {
    case Format::kOriginal:
      return "original";
    case Format::kMl100k:
      return "ml-100k";
    case Format::kMl1m:
      return "ml-1m";
    case Format::kMlLatest:
      return "ml-latest";
  }
  return "?";
}

inline std::optional<Format> ParseFormat(std::string_view s) {
  for (Format f : {Format::kOriginal, Format::kMl100k, Format::kMl1m, Format::kMlLatest}) {
    if (s == FormatName(f)) return f;
  }
  return std::nullopt;
}

// MovieLens 1m/100k store whole stars 1..5; the others half stars 0.5..5.0.
inline bool HalfStars(Format f) { return f == Format::kOriginal || f == Format::kMlLatest; }

}  // namespace movierec::gen

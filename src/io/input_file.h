// The bytes of one input file, ready for the CSV reader: memory-mapped when plain,
// inflated when gzip (detected from the magic bytes, not the name), UTF-8 BOM removed,
// optionally transcoded from latin-1 to UTF-8.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace movierec::io {

class InputFile {
 public:
  // Throws movierec::Error ("cannot open <path>: <reason>", "corrupt gzip data in <path>") on
  // failure. An empty file is valid and yields empty text().
  static InputFile Open(const std::string& path);

  InputFile(InputFile&&) noexcept;
  InputFile& operator=(InputFile&&) noexcept;
  ~InputFile();

  const std::string& path() const { return path_; }
  // The text without a leading UTF-8 BOM.
  std::string_view text() const { return text_; }
  bool was_gzip() const { return was_gzip_; }

  // Replaces the text by its UTF-8 transcoding from latin-1 (ISO-8859-1), e.g. ml-100k u.item.
  void TranscodeLatin1ToUtf8();

 private:
  InputFile() = default;
  std::string path_;
  std::string_view text_;
  std::string owned_;            // inflated or transcoded bytes
  void* map_ = nullptr;          // mmap region for plain files
  size_t map_size_ = 0;
  bool was_gzip_ = false;
};

// True when the bytes are valid UTF-8 (overlongs, surrogates and > U+10FFFF are invalid).
bool IsValidUtf8(std::string_view s);

}  // namespace movierec::io

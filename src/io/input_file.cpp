#include "io/input_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <utility>

#include "common/error.h"

namespace movierec::io {
namespace {

constexpr unsigned char kGzipMagic0 = 0x1f;
constexpr unsigned char kGzipMagic1 = 0x8b;

[[noreturn]] void ThrowOpen(const std::string& path, int err) {
  throw Error("cannot open " + path + ": " + std::strerror(err));
}

[[noreturn]] void ThrowCorrupt(const std::string& path, const std::string& why) {
  throw Error("corrupt gzip data in " + path + ": " + why);
}

struct FdCloser {
  int fd;
  ~FdCloser() { ::close(fd); }
};

void Unmap(void*& map, size_t& size) {
  if (map != nullptr) ::munmap(map, size);
  map = nullptr;
  size = 0;
}

bool IsGzip(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == kGzipMagic0 &&
         static_cast<unsigned char>(bytes[1]) == kGzipMagic1;
}

// Pipes and character devices cannot be mapped; read them whole.
std::string ReadAll(int fd, const std::string& path) {
  std::string out;
  size_t used = 0;
  out.resize(size_t{1} << 16);
  for (;;) {
    if (used == out.size()) out.resize(out.size() * 2);
    const ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error("cannot read " + path + ": " + std::strerror(errno));
    }
    used += static_cast<size_t>(n);
  }
  out.resize(used);
  return out;
}

// Inflates every member of a (possibly multi-member) gzip stream.
std::string Inflate(std::string_view in, const std::string& path) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw Error("cannot initialise zlib for " + path);
  struct Ender {
    z_stream* zs;
    ~Ender() { inflateEnd(zs); }
  } ender{&zs};

  // The trailer's ISIZE is the last member's size mod 2^32; for the usual single member it
  // sizes the output exactly and saves regrowing (and recopying) hundreds of megabytes.
  size_t guess = in.size() * 4;
  if (in.size() >= 18) {
    const auto* t = reinterpret_cast<const unsigned char*>(in.data() + in.size() - 4);
    const size_t isize = size_t{t[0]} | size_t{t[1]} << 8 | size_t{t[2]} << 16 | size_t{t[3]} << 24;
    if (isize >= in.size() / 2 && isize / 1100 <= in.size()) guess = isize;
  }
  std::string out;
  out.resize(std::max<size_t>(guess + 64, 4096));

  constexpr size_t kStep = size_t{1} << 30;  // zlib counts in 32-bit unsigned
  const auto* next_in = reinterpret_cast<const unsigned char*>(in.data());
  size_t left = in.size();
  size_t produced = 0;
  for (;;) {
    if (produced == out.size()) out.resize(out.size() * 2);
    const size_t in_step = std::min(left, kStep);
    const size_t out_step = std::min(out.size() - produced, kStep);
    zs.next_in = const_cast<unsigned char*>(next_in);
    zs.avail_in = static_cast<uInt>(in_step);
    zs.next_out = reinterpret_cast<unsigned char*>(out.data() + produced);
    zs.avail_out = static_cast<uInt>(out_step);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    const size_t consumed = in_step - zs.avail_in;
    next_in += consumed;
    left -= consumed;
    produced += out_step - zs.avail_out;

    if (rc == Z_STREAM_END) {
      if (left == 0) break;
      if (IsGzip(std::string_view(reinterpret_cast<const char*>(next_in), left))) {
        inflateReset(&zs);  // the next member of a concatenated gzip
        continue;
      }
      // Some tools pad with zeros; anything else after the data is not ours to ignore.
      if (std::all_of(next_in, next_in + left, [](unsigned char c) { return c == 0; })) break;
      ThrowCorrupt(path, "trailing garbage after the compressed data");
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR) {
      if (zs.avail_out == 0) continue;  // grows on the next round
      if (left == 0) ThrowCorrupt(path, "unexpected end of file (truncated?)");
      continue;
    }
    if (rc == Z_MEM_ERROR) throw Error("out of memory while inflating " + path);
    ThrowCorrupt(path, zs.msg != nullptr ? zs.msg : "inflate error " + std::to_string(rc));
  }
  out.resize(produced);
  out.shrink_to_fit();
  return out;
}

}  // namespace

InputFile InputFile::Open(const std::string& path) {
  InputFile file;
  file.path_ = path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) ThrowOpen(path, errno);
  FdCloser closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) ThrowOpen(path, errno);
  if (S_ISDIR(st.st_mode)) ThrowOpen(path, EISDIR);

  std::string_view bytes;
  if (S_ISREG(st.st_mode)) {
    const auto size = static_cast<size_t>(st.st_size);
    if (size > 0) {  // mmap rejects a zero length; an empty file is simply empty text
      void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
      if (map == MAP_FAILED) ThrowOpen(path, errno);
      file.map_ = map;
      file.map_size_ = size;
      ::madvise(map, size, MADV_SEQUENTIAL);
      bytes = std::string_view(static_cast<const char*>(map), size);
    }
  } else {
    file.owned_ = ReadAll(fd, path);
    bytes = file.owned_;
  }

  if (IsGzip(bytes)) {
    std::string inflated = Inflate(bytes, path);
    Unmap(file.map_, file.map_size_);
    file.owned_ = std::move(inflated);
    bytes = file.owned_;
    file.was_gzip_ = true;
  }
  if (bytes.size() >= 3 && bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  file.text_ = bytes;
  return file;
}

InputFile::InputFile(InputFile&& other) noexcept { *this = std::move(other); }

InputFile& InputFile::operator=(InputFile&& other) noexcept {
  if (this == &other) return *this;
  Unmap(map_, map_size_);
  // text_ is a suffix of owned_ when it is not in the map (only a prefix BOM is ever cut);
  // a moved std::string may relocate short contents, so the view is rebuilt, not copied.
  const bool in_owned = other.map_ == nullptr && !other.text_.empty();
  const size_t text_size = other.text_.size();
  path_ = std::move(other.path_);
  owned_ = std::move(other.owned_);
  map_ = std::exchange(other.map_, nullptr);
  map_size_ = std::exchange(other.map_size_, 0);
  was_gzip_ = other.was_gzip_;
  text_ = in_owned ? std::string_view(owned_).substr(owned_.size() - text_size) : other.text_;
  other.text_ = {};
  other.owned_.clear();
  return *this;
}

InputFile::~InputFile() { Unmap(map_, map_size_); }

void InputFile::TranscodeLatin1ToUtf8() {
  size_t high = 0;
  for (char c : text_) high += static_cast<unsigned char>(c) >> 7;
  if (high == 0) return;  // ASCII is already UTF-8
  std::string out;
  out.resize(text_.size() + high);
  char* o = out.data();
  for (char c : text_) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80) {
      *o++ = c;
    } else {
      *o++ = static_cast<char>(0xC0 | (u >> 6));
      *o++ = static_cast<char>(0x80 | (u & 0x3F));
    }
  }
  owned_ = std::move(out);
  text_ = owned_;
  Unmap(map_, map_size_);
}

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const unsigned char* const end = p + s.size();
  while (p < end) {
    // Most text is ASCII: skip it eight bytes at a time.
    while (end - p >= 8) {
      uint64_t v;
      std::memcpy(&v, p, sizeof v);
      if ((v & 0x8080808080808080ULL) != 0) break;
      p += 8;
    }
    if (p == end) break;
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    // Ranges of the second byte from Unicode Table 3-7, which exclude overlongs (C0, C1,
    // E0 80..9F, F0 80..8F), surrogates (ED A0..BF) and code points above U+10FFFF (F4 90..,
    // F5..FF).
    int len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (end - p < len) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (int i = 2; i < len; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
    }
    p += len;
  }
  return true;
}

}  // namespace movierec::io

#include "io/npy.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string_view>
#include <utility>

#include "common/error.h"

namespace movierec::io {

// Files are little-endian; the element bytes are copied as they are.
static_assert(std::endian::native == std::endian::little, "npy I/O assumes a little-endian host");

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
constexpr size_t kAlign = 64;  // numpy pads the header so the data starts 64-byte aligned

[[noreturn]] void Fail(const std::string& name, const std::string& what) {
  throw Error("invalid .npy file " + name + ": " + what);
}

std::string ShapeRepr(std::span<const int64_t> shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

// Element count of a shape, with overflow and sign checks.
bool CountElements(std::span<const int64_t> shape, int64_t& count) {
  count = 1;
  for (int64_t d : shape) {
    if (d < 0) return false;
    if (d != 0 && count > std::numeric_limits<int64_t>::max() / d) return false;
    count *= d;
  }
  return true;
}

// A tiny reader for the Python dict literal numpy writes, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& name) : t_(text), name_(name) {}

  void Parse(std::string& descr, bool& fortran, std::vector<int64_t>& shape) {
    bool have_descr = false, have_fortran = false, have_shape = false;
    SkipSpace();
    Expect('{');
    while (true) {
      SkipSpace();
      if (Peek() == '}') break;
      std::string key = ParseString();
      SkipSpace();
      Expect(':');
      SkipSpace();
      if (key == "descr") {
        descr = ParseString();
        have_descr = true;
      } else if (key == "fortran_order") {
        fortran = ParseBool();
        have_fortran = true;
      } else if (key == "shape") {
        shape = ParseTuple();
        have_shape = true;
      } else {
        Fail(name_, "unexpected header key '" + key + "'");
      }
      SkipSpace();
      if (Peek() == ',') {
        ++p_;
        continue;
      }
      SkipSpace();
      if (Peek() != '}') Fail(name_, "malformed header dictionary");
    }
    if (!have_descr || !have_fortran || !have_shape) {
      Fail(name_, "header lacks one of 'descr', 'fortran_order', 'shape'");
    }
  }

 private:
  char Peek() const { return p_ < t_.size() ? t_[p_] : '\0'; }
  void SkipSpace() {
    while (p_ < t_.size() && std::isspace(static_cast<unsigned char>(t_[p_]))) ++p_;
  }
  void Expect(char c) {
    if (Peek() != c) Fail(name_, std::string("malformed header (expected '") + c + "')");
    ++p_;
  }
  std::string ParseString() {
    char q = Peek();
    if (q != '\'' && q != '"') Fail(name_, "malformed header (expected a quoted string)");
    ++p_;
    size_t start = p_;
    while (p_ < t_.size() && t_[p_] != q) ++p_;
    if (p_ >= t_.size()) Fail(name_, "malformed header (unterminated string)");
    std::string s(t_.substr(start, p_ - start));
    ++p_;
    return s;
  }
  bool ParseBool() {
    if (t_.substr(p_, 4) == "True") {
      p_ += 4;
      return true;
    }
    if (t_.substr(p_, 5) == "False") {
      p_ += 5;
      return false;
    }
    Fail(name_, "malformed header (fortran_order is not True/False)");
  }
  std::vector<int64_t> ParseTuple() {
    std::vector<int64_t> dims;
    Expect('(');
    while (true) {
      SkipSpace();
      if (Peek() == ')') {
        ++p_;
        return dims;
      }
      if (!std::isdigit(static_cast<unsigned char>(Peek()))) {
        Fail(name_, "malformed header (shape is not a tuple of non-negative integers)");
      }
      int64_t v = 0;
      while (std::isdigit(static_cast<unsigned char>(Peek()))) {
        int digit = Peek() - '0';
        if (v > (std::numeric_limits<int64_t>::max() - digit) / 10) {
          Fail(name_, "shape dimension too large");
        }
        v = v * 10 + digit;
        ++p_;
      }
      // numpy may write 3L on Python 2; accept and ignore the suffix.
      if (Peek() == 'L') ++p_;
      dims.push_back(v);
      SkipSpace();
      if (Peek() == ',')
        ++p_;
      else if (Peek() != ')')
        Fail(name_, "malformed header (bad shape tuple)");
    }
  }

  std::string_view t_;
  const std::string& name_;
  size_t p_ = 0;
};

bool DtypeFromDescr(const std::string& descr, NpyDtype& out) {
  // One-byte types have no order ('|').
  if (descr == "|u1") {
    out = NpyDtype::kUint8;
    return true;
  }
  // '=' is native order, little-endian here.
  if (descr.size() != 3 || (descr[0] != '<' && descr[0] != '=')) return false;
  std::string_view code(descr.data() + 1, 2);
  if (code == "f4")
    out = NpyDtype::kFloat32;
  else if (code == "f8")
    out = NpyDtype::kFloat64;
  else if (code == "i4")
    out = NpyDtype::kInt32;
  else if (code == "i8")
    out = NpyDtype::kInt64;
  else
    return false;
  return true;
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open " + path + " for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error("cannot read " + path);
  return ss.str();
}

}  // namespace

const char* NpyDescr(NpyDtype dtype) {
  switch (dtype) {
    case NpyDtype::kFloat32:
      return "<f4";
    case NpyDtype::kFloat64:
      return "<f8";
    case NpyDtype::kInt32:
      return "<i4";
    case NpyDtype::kInt64:
      return "<i8";
    case NpyDtype::kUint8:
      return "|u1";
  }
  return "?";
}

const char* NpyDtypeName(NpyDtype dtype) {
  switch (dtype) {
    case NpyDtype::kFloat32:
      return "float32";
    case NpyDtype::kFloat64:
      return "float64";
    case NpyDtype::kInt32:
      return "int32";
    case NpyDtype::kInt64:
      return "int64";
    case NpyDtype::kUint8:
      return "uint8";
  }
  return "?";
}

size_t NpyItemSize(NpyDtype dtype) {
  switch (dtype) {
    case NpyDtype::kFloat32:
    case NpyDtype::kInt32:
      return 4;
    case NpyDtype::kFloat64:
    case NpyDtype::kInt64:
      return 8;
    case NpyDtype::kUint8:
      return 1;
  }
  return 0;
}

int64_t NpyArray::size() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

template <class T>
std::vector<T> NpyArray::As() const {
  if (dtype != NpyTraits<T>::kDtype) {
    throw Error(std::string("npy array holds ") + NpyDtypeName(dtype) + ", not " +
                NpyDtypeName(NpyTraits<T>::kDtype));
  }
  std::vector<T> out(static_cast<size_t>(size()));
  if (!out.empty()) std::memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
  return out;
}

template std::vector<float> NpyArray::As<float>() const;
template std::vector<double> NpyArray::As<double>() const;
template std::vector<int32_t> NpyArray::As<int32_t>() const;
template std::vector<int64_t> NpyArray::As<int64_t>() const;
template std::vector<uint8_t> NpyArray::As<uint8_t>() const;

std::string EncodeNpyHeader(NpyDtype dtype, std::span<const int64_t> shape) {
  int64_t count = 0;
  if (!CountElements(shape, count)) throw Error("npy: invalid shape " + ShapeRepr(shape));
  // Byte-for-byte what numpy.save writes: the dict, spaces so the first dimension can grow in
  // place (GROWTH_AXIS_MAX_DIGITS = 21), then padding to a 64-byte boundary and '\n'.
  std::string dict = std::string("{'descr': '") + NpyDescr(dtype) +
                     "', 'fortran_order': False, 'shape': " + ShapeRepr(shape) + ", }";
  if (!shape.empty()) {
    size_t digits = std::to_string(shape[0]).size();
    if (digits < 21) dict.append(21 - digits, ' ');
  }
  size_t prefix = kMagicLen + 2 + 2;
  int major = 1;
  size_t padded = prefix + dict.size() + 1;
  padded += kAlign - padded % kAlign;
  if (padded - prefix > 0xFFFF) {
    // Version 1.0 stores the header length in 2 bytes; 2.0 uses 4.
    major = 2;
    prefix = kMagicLen + 2 + 4;
    padded = prefix + dict.size() + 1;
    padded += kAlign - padded % kAlign;
  }
  const size_t total = prefix + dict.size() + 1;  // without the padding
  size_t header_len = padded - prefix;

  std::string out;
  out.reserve(padded);
  out.append(kMagic, kMagicLen);
  out.push_back(static_cast<char>(major));
  out.push_back('\0');
  for (size_t i = 0; i < (major == 1 ? 2u : 4u); ++i) {
    out.push_back(static_cast<char>((header_len >> (8 * i)) & 0xFF));
  }
  out += dict;
  out.append(padded - total, ' ');
  out.push_back('\n');
  return out;
}

std::string EncodeNpy(NpyDtype dtype, std::span<const int64_t> shape, const void* data) {
  std::string out = EncodeNpyHeader(dtype, shape);
  int64_t count = 0;
  CountElements(shape, count);  // valid: EncodeNpyHeader checked it
  const size_t data_bytes = static_cast<size_t>(count) * NpyItemSize(dtype);
  if (data_bytes > 0) {
    out.reserve(out.size() + data_bytes);
    out.append(static_cast<const char*>(data), data_bytes);
  }
  return out;
}

int64_t NpyHeader::size() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

NpyHeader DecodeNpyHeader(std::string_view contents, uint64_t file_size, const std::string& name) {
  if (contents.size() < kMagicLen + 4 || std::memcmp(contents.data(), kMagic, kMagicLen) != 0) {
    Fail(name, "not a .npy file (bad magic)");
  }
  auto byte = [&](size_t i) { return static_cast<unsigned char>(contents[i]); };
  int major = byte(kMagicLen);
  size_t header_len = 0;
  size_t prefix = 0;
  if (major == 1) {
    header_len = byte(8) | (static_cast<size_t>(byte(9)) << 8);
    prefix = 10;
  } else if (major == 2 || major == 3) {
    if (contents.size() < 12) Fail(name, "truncated header");
    header_len = byte(8) | (static_cast<size_t>(byte(9)) << 8) |
                 (static_cast<size_t>(byte(10)) << 16) | (static_cast<size_t>(byte(11)) << 24);
    prefix = 12;
  } else {
    Fail(name, "unsupported format version " + std::to_string(major));
  }
  if (contents.size() < prefix + header_len) Fail(name, "truncated header");

  std::string descr;
  bool fortran = false;
  NpyHeader array;
  HeaderParser(contents.substr(prefix, header_len), name).Parse(descr, fortran, array.shape);
  if (!DtypeFromDescr(descr, array.dtype)) {
    Fail(name, "unsupported dtype '" + descr +
                   "' (expected little-endian float32, float64, int32 or int64)");
  }
  if (fortran) Fail(name, "Fortran-ordered arrays are not supported (save with C order)");
  int64_t count = 0;
  if (!CountElements(array.shape, count)) Fail(name, "invalid shape");
  size_t item = NpyItemSize(array.dtype);
  if (static_cast<uint64_t>(count) > (std::numeric_limits<size_t>::max() / item)) {
    Fail(name, "shape too large");
  }
  size_t expected = static_cast<size_t>(count) * item;
  if (file_size < std::max<uint64_t>(contents.size(), prefix + header_len)) {
    Fail(name, "file size smaller than its header");
  }
  const uint64_t have = file_size - prefix - header_len;
  if (have < expected) {
    Fail(name, "truncated data (" + std::to_string(have) + " bytes, expected " +
                   std::to_string(expected) + " for shape " + ShapeRepr(array.shape) + ")");
  }
  if (have > expected) {
    Fail(name, "trailing bytes after the data (" + std::to_string(have - expected) + ")");
  }
  array.data_offset = prefix + header_len;
  return array;
}

NpyArray DecodeNpy(const std::string& contents, const std::string& name) {
  NpyHeader header = DecodeNpyHeader(contents, contents.size(), name);
  NpyArray array;
  array.dtype = header.dtype;
  array.shape = std::move(header.shape);
  const size_t bytes = static_cast<size_t>(array.size()) * NpyItemSize(array.dtype);
  array.bytes.resize(bytes);
  if (bytes > 0) std::memcpy(array.bytes.data(), contents.data() + header.data_offset, bytes);
  return array;
}

void WriteNpy(const std::string& path, NpyDtype dtype, std::span<const int64_t> shape,
              const void* data) {
  std::string bytes = EncodeNpy(dtype, shape, data);
  // Write beside the target and rename, so a reader never sees a half-written model file.
  std::string tmp = path + ".tmp";
  {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw Error("cannot open " + tmp + " for writing");
    size_t n = std::fwrite(bytes.data(), 1, bytes.size(), f);
    bool ok = n == bytes.size();
    ok = (std::fclose(f) == 0) && ok;
    if (!ok) {
      std::remove(tmp.c_str());
      throw Error("cannot write " + path);
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw Error("cannot write " + path + ": " + ec.message());
  }
}

template <class T>
void WriteNpy(const std::string& path, std::span<const T> data, std::vector<int64_t> shape) {
  int64_t count = 0;
  if (!CountElements(shape, count) || static_cast<uint64_t>(count) != data.size()) {
    throw Error("npy: " + std::to_string(data.size()) + " elements do not fill shape " +
                ShapeRepr(shape) + " for " + path);
  }
  WriteNpy(path, NpyTraits<T>::kDtype, shape, data.data());
}

template void WriteNpy<float>(const std::string&, std::span<const float>, std::vector<int64_t>);
template void WriteNpy<double>(const std::string&, std::span<const double>, std::vector<int64_t>);
template void WriteNpy<int32_t>(const std::string&, std::span<const int32_t>, std::vector<int64_t>);
template void WriteNpy<int64_t>(const std::string&, std::span<const int64_t>, std::vector<int64_t>);
template void WriteNpy<uint8_t>(const std::string&, std::span<const uint8_t>, std::vector<int64_t>);

NpyArray ReadNpy(const std::string& path) { return DecodeNpy(ReadWholeFile(path), path); }

namespace {
template <class T>
void CheckDtype(const NpyArray& a, const std::string& path) {
  if (a.dtype != NpyTraits<T>::kDtype) {
    Fail(path, std::string("dtype is ") + NpyDtypeName(a.dtype) + ", expected " +
                   NpyDtypeName(NpyTraits<T>::kDtype));
  }
}
}  // namespace

template <class T>
std::vector<T> ReadNpy1D(const std::string& path, int64_t expected_length) {
  NpyArray a = ReadNpy(path);
  CheckDtype<T>(a, path);
  if (a.shape.size() != 1) {
    Fail(path, "expected a 1-D array, found shape " + ShapeRepr(a.shape));
  }
  if (expected_length >= 0 && a.shape[0] != expected_length) {
    Fail(path, "expected length " + std::to_string(expected_length) + ", found " +
                   std::to_string(a.shape[0]));
  }
  return a.As<T>();
}

template <class T>
NpyMatrix<T> ReadNpy2D(const std::string& path, int64_t expected_rows, int64_t expected_cols) {
  NpyArray a = ReadNpy(path);
  CheckDtype<T>(a, path);
  if (a.shape.size() != 2) {
    Fail(path, "expected a 2-D array, found shape " + ShapeRepr(a.shape));
  }
  if ((expected_rows >= 0 && a.shape[0] != expected_rows) ||
      (expected_cols >= 0 && a.shape[1] != expected_cols)) {
    Fail(path, "expected shape (" + (expected_rows >= 0 ? std::to_string(expected_rows) : "*") +
                   ", " + (expected_cols >= 0 ? std::to_string(expected_cols) : "*") + "), found " +
                   ShapeRepr(a.shape));
  }
  NpyMatrix<T> m;
  m.rows = a.shape[0];
  m.cols = a.shape[1];
  m.data = a.As<T>();
  return m;
}

template std::vector<float> ReadNpy1D<float>(const std::string&, int64_t);
template std::vector<double> ReadNpy1D<double>(const std::string&, int64_t);
template std::vector<uint8_t> ReadNpy1D<uint8_t>(const std::string&, int64_t);
template std::vector<int32_t> ReadNpy1D<int32_t>(const std::string&, int64_t);
template std::vector<int64_t> ReadNpy1D<int64_t>(const std::string&, int64_t);
template NpyMatrix<float> ReadNpy2D<float>(const std::string&, int64_t, int64_t);
template NpyMatrix<double> ReadNpy2D<double>(const std::string&, int64_t, int64_t);
template NpyMatrix<int32_t> ReadNpy2D<int32_t>(const std::string&, int64_t, int64_t);
template NpyMatrix<int64_t> ReadNpy2D<int64_t>(const std::string&, int64_t, int64_t);

}  // namespace movierec::io

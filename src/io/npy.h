// NumPy .npy files (format 1.0, C order, little-endian), the on-disk form of factor matrices,
// biases and id maps (DESIGN.md §4 "Model files"): what this writes numpy.load reads as is,
// and what numpy.save writes for float32/float64/int32/int64 this reads back.
//
// Any rank is accepted (0-D scalars included); the typed helpers cover the 1-D and 2-D cases
// that model files use. Bad files (wrong magic, unsupported dtype, Fortran order, truncated
// data, a dtype or shape other than the one asked for) throw movierec::Error naming the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace movierec::io {

enum class NpyDtype { kFloat32, kFloat64, kInt32, kInt64, kUint8 };

// "<f4", "<f8", "<i4", "<i8", "|u1".
const char* NpyDescr(NpyDtype dtype);
// "float32", "float64", "int32", "int64", "uint8" (for messages).
const char* NpyDtypeName(NpyDtype dtype);
size_t NpyItemSize(NpyDtype dtype);

template <class T>
struct NpyTraits;
template <>
struct NpyTraits<float> {
  static constexpr NpyDtype kDtype = NpyDtype::kFloat32;
};
template <>
struct NpyTraits<double> {
  static constexpr NpyDtype kDtype = NpyDtype::kFloat64;
};
template <>
struct NpyTraits<int32_t> {
  static constexpr NpyDtype kDtype = NpyDtype::kInt32;
};
template <>
struct NpyTraits<int64_t> {
  static constexpr NpyDtype kDtype = NpyDtype::kInt64;
};
template <>
struct NpyTraits<uint8_t> {
  static constexpr NpyDtype kDtype = NpyDtype::kUint8;
};

// An array read from a file: dtype, shape and the raw little-endian element bytes.
struct NpyArray {
  NpyDtype dtype = NpyDtype::kFloat32;
  std::vector<int64_t> shape;
  std::vector<std::byte> bytes;

  int64_t size() const;  // product of shape (1 for a 0-D array)
  // The elements as T; throws movierec::Error when T is not the stored dtype.
  template <class T>
  std::vector<T> As() const;
};

// The complete file contents (header + data) for an array; data holds prod(shape) elements.
std::string EncodeNpy(NpyDtype dtype, std::span<const int64_t> shape, const void* data);
// Parses file contents; `name` is used in error messages.
NpyArray DecodeNpy(const std::string& contents, const std::string& name);

// The header alone (magic, version, padded dict): EncodeNpy is this followed by the element
// bytes. Lets large arrays be written (and checksummed) straight from their own memory.
std::string EncodeNpyHeader(NpyDtype dtype, std::span<const int64_t> shape);

// What DecodeNpy checks, without the data: `head` is the start of a file of `file_size` bytes
// (at least the whole header), and the elements are the size() * NpyItemSize(dtype) bytes from
// data_offset to the end of the file (a shorter or longer file is an error). Lets a reader put
// the elements straight into their final memory.
struct NpyHeader {
  NpyDtype dtype = NpyDtype::kFloat32;
  std::vector<int64_t> shape;
  size_t data_offset = 0;
  int64_t size() const;  // product of shape (1 for a 0-D array)
};
NpyHeader DecodeNpyHeader(std::string_view head, uint64_t file_size, const std::string& name);

// Writes the array to `path` (replacing it). Throws movierec::Error on I/O failure or when
// data.size() does not match the shape.
void WriteNpy(const std::string& path, NpyDtype dtype, std::span<const int64_t> shape,
              const void* data);
template <class T>
void WriteNpy(const std::string& path, std::span<const T> data, std::vector<int64_t> shape);
template <class T>
void WriteNpy1D(const std::string& path, std::span<const T> data) {
  WriteNpy<T>(path, data, {static_cast<int64_t>(data.size())});
}
template <class T>
void WriteNpy2D(const std::string& path, std::span<const T> data, int64_t rows, int64_t cols) {
  WriteNpy<T>(path, data, {rows, cols});
}

NpyArray ReadNpy(const std::string& path);

// A row-major matrix read back from a 2-D file.
template <class T>
struct NpyMatrix {
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<T> data;  // rows * cols, C order
  const T* row(int64_t r) const { return data.data() + r * cols; }
};

// Typed readers: throw movierec::Error when the file's dtype is not T, its rank is wrong, or
// (when given, i.e. >= 0) its length / column count differs from the expected one.
template <class T>
std::vector<T> ReadNpy1D(const std::string& path, int64_t expected_length = -1);
template <class T>
NpyMatrix<T> ReadNpy2D(const std::string& path, int64_t expected_rows = -1,
                       int64_t expected_cols = -1);

}  // namespace movierec::io

// .npy writer and reader (src/io/npy): byte compatibility with numpy.save, round trips, and
// clear errors on bad files.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "common/error.h"
#include "io/npy.h"
#include "test_support.h"

namespace movierec {
namespace {

using io::NpyDtype;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

std::string FromHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// What numpy 2.x np.save writes for a small array: magic, version 1.0, header length 118, the
// dict padded with spaces to a 128-byte header, then the data.
std::string NumpyFile(const std::string& dict, const std::string& data_hex) {
  std::string header = dict;
  header.append(117 - dict.size(), ' ');
  header.push_back('\n');
  return std::string("\x93NUMPY\x01\x00\x76\x00", 10) + header + FromHex(data_hex);
}

const std::string kF32x2x3 =
    NumpyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
              "000000000000803f0000004000004040000080400000a040");
const std::string kI64x3 = NumpyFile("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }",
                                     "0100000000000000feffffffffffffff0300000000000000");
const std::string kF64Scalar =
    NumpyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", "0000000000000440");
const std::string kI32x0x4 =
    NumpyFile("{'descr': '<i4', 'fortran_order': False, 'shape': (0, 4), }", "");
const std::string kF64x2x1x2 =
    NumpyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1, 2), }",
              "000000000000f83f00000000000000c000000000000008400000000000001040");

TEST(Npy, EncodesExactlyWhatNumpySaveWrites) {
  std::vector<float> f = {0, 1, 2, 3, 4, 5};
  std::vector<int64_t> shape = {2, 3};
  EXPECT_EQ(io::EncodeNpy(NpyDtype::kFloat32, shape, f.data()), kF32x2x3);

  std::vector<int64_t> i = {1, -2, 3};
  std::vector<int64_t> shape1 = {3};
  EXPECT_EQ(io::EncodeNpy(NpyDtype::kInt64, shape1, i.data()), kI64x3);

  double scalar = 2.5;
  EXPECT_EQ(io::EncodeNpy(NpyDtype::kFloat64, std::span<const int64_t>{}, &scalar), kF64Scalar);

  std::vector<int64_t> shape0 = {0, 4};
  EXPECT_EQ(io::EncodeNpy(NpyDtype::kInt32, shape0, nullptr), kI32x0x4);

  std::vector<double> d = {1.5, -2, 3, 4};
  std::vector<int64_t> shape3 = {2, 1, 2};
  EXPECT_EQ(io::EncodeNpy(NpyDtype::kFloat64, shape3, d.data()), kF64x2x1x2);
}

TEST(Npy, HeaderIsAlignedTo64Bytes) {
  for (int64_t rows : {0LL, 1LL, 7LL, 12345LL}) {
    for (int64_t cols : {1LL, 16LL, 300LL}) {
      std::vector<float> data(static_cast<size_t>(rows * cols));
      std::string b =
          io::EncodeNpy(NpyDtype::kFloat32, std::vector<int64_t>{rows, cols}, data.data());
      size_t header_end = b.find('\n') + 1;
      EXPECT_EQ(header_end % 64, 0u) << rows << "x" << cols;
      EXPECT_EQ(b.size(), header_end + data.size() * 4);
    }
  }
}

TEST(Npy, DecodesNumpyFiles) {
  io::NpyArray a = io::DecodeNpy(kF32x2x3, "a.npy");
  EXPECT_EQ(a.dtype, NpyDtype::kFloat32);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.As<float>(), (std::vector<float>{0, 1, 2, 3, 4, 5}));

  io::NpyArray b = io::DecodeNpy(kI64x3, "b.npy");
  EXPECT_EQ(b.As<int64_t>(), (std::vector<int64_t>{1, -2, 3}));

  io::NpyArray c = io::DecodeNpy(kF64Scalar, "c.npy");
  EXPECT_TRUE(c.shape.empty());
  EXPECT_EQ(c.size(), 1);
  EXPECT_EQ(c.As<double>(), (std::vector<double>{2.5}));

  io::NpyArray e = io::DecodeNpy(kI32x0x4, "e.npy");
  EXPECT_EQ(e.shape, (std::vector<int64_t>{0, 4}));
  EXPECT_TRUE(e.As<int32_t>().empty());

  io::NpyArray t = io::DecodeNpy(kF64x2x1x2, "t.npy");
  EXPECT_EQ(t.shape, (std::vector<int64_t>{2, 1, 2}));
  EXPECT_EQ(t.As<double>(), (std::vector<double>{1.5, -2, 3, 4}));
}

TEST(Npy, AcceptsHeaderVariantsOtherWritersProduce) {
  // Double-quoted keys, no trailing comma, key order changed, version 2.0 length field.
  std::string dict = "{\"shape\": (2,), \"fortran_order\": False, \"descr\": \"<i4\"}";
  std::string header = dict + std::string(128 - 12 - dict.size() - 1, ' ') + "\n";
  std::string file = std::string("\x93NUMPY\x02\x00", 8);
  uint32_t len = static_cast<uint32_t>(header.size());
  file.append(reinterpret_cast<const char*>(&len), 4);
  file += header;
  int32_t data[2] = {7, -9};
  file.append(reinterpret_cast<const char*>(data), sizeof data);
  io::NpyArray a = io::DecodeNpy(file, "v2.npy");
  EXPECT_EQ(a.As<int32_t>(), (std::vector<int32_t>{7, -9}));
}

TEST(Npy, RoundTripsEveryDtype1DAnd2D) {
  TempDir dir;
  std::vector<float> f = {1.5f, -2.25f, 3e-8f, 1e30f, 0.0f, -0.0f};
  std::vector<double> d = {1.0 / 3.0, -1e300, 2.5};
  std::vector<int32_t> i32 = {0, -1, 2147483647, -2147483647 - 1};
  std::vector<int64_t> i64 = {0, -1, 9223372036854775807LL, 42};

  io::WriteNpy2D<float>((dir / "f.npy").string(), f, 2, 3);
  io::WriteNpy1D<double>((dir / "d.npy").string(), d);
  io::WriteNpy2D<int32_t>((dir / "i.npy").string(), i32, 4, 1);
  io::WriteNpy1D<int64_t>((dir / "l.npy").string(), i64);

  io::NpyMatrix<float> fm = io::ReadNpy2D<float>((dir / "f.npy").string(), 2, 3);
  EXPECT_EQ(fm.rows, 2);
  EXPECT_EQ(fm.cols, 3);
  EXPECT_EQ(fm.data, f);
  EXPECT_EQ(fm.row(1)[0], 1e30f);
  EXPECT_EQ(io::ReadNpy1D<double>((dir / "d.npy").string(), 3), d);
  EXPECT_EQ(io::ReadNpy2D<int32_t>((dir / "i.npy").string()).data, i32);
  EXPECT_EQ(io::ReadNpy1D<int64_t>((dir / "l.npy").string()), i64);
  // No temporary file is left behind.
  EXPECT_FALSE(std::filesystem::exists(dir / "f.npy.tmp"));
}

TEST(Npy, WriteRejectsDataThatDoesNotFillTheShape) {
  TempDir dir;
  std::vector<float> f = {1, 2, 3};
  EXPECT_THROW(io::WriteNpy2D<float>((dir / "x.npy").string(), f, 2, 2), Error);
  EXPECT_THROW(io::WriteNpy<float>((dir / "x.npy").string(), f, {-3}), Error);
  EXPECT_THROW(io::WriteNpy1D<float>((dir / "no_such_dir/x.npy").string(), f), Error);
}

// Expects `fn` to throw movierec::Error whose message contains `needle`.
template <class Fn>
void ExpectError(Fn fn, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "no error; expected one mentioning '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(Npy, RejectsCorruptFilesWithClearErrors) {
  ExpectError([] { io::DecodeNpy("", "empty.npy"); }, "bad magic");
  ExpectError([] { io::DecodeNpy("PK\x03\x04 this is a zip file", "zip.npy"); }, "bad magic");
  std::string truncated = kF32x2x3.substr(0, kF32x2x3.size() - 3);
  ExpectError([&] { io::DecodeNpy(truncated, "t.npy"); }, "truncated data");
  ExpectError([&] { io::DecodeNpy(kF32x2x3.substr(0, 40), "t.npy"); }, "truncated header");
  ExpectError([&] { io::DecodeNpy(kF32x2x3 + "xx", "t.npy"); }, "trailing bytes");

  auto with_dict = [](const std::string& dict) { return NumpyFile(dict, "00000000"); };
  ExpectError(
      [&] {
        io::DecodeNpy(with_dict("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }"),
                      "be.npy");
      },
      "unsupported dtype '>f4'");
  ExpectError(
      [&] {
        io::DecodeNpy(with_dict("{'descr': '<U1', 'fortran_order': False, 'shape': (1,), }"),
                      "u.npy");
      },
      "unsupported dtype");
  ExpectError(
      [&] {
        io::DecodeNpy(with_dict("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }"),
                      "f.npy");
      },
      "Fortran");
  ExpectError([&] { io::DecodeNpy(with_dict("{'descr': '<f4', 'shape': (1,), }"), "k.npy"); },
              "lacks");
  ExpectError(
      [&] {
        io::DecodeNpy(with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"),
                      "s.npy");
      },
      "shape");
  ExpectError([&] { io::DecodeNpy(with_dict("not a dict at all"), "d.npy"); }, "malformed header");
  std::string v9 = kF32x2x3;
  v9[6] = 9;
  ExpectError([&] { io::DecodeNpy(v9, "v.npy"); }, "version 9");
}

TEST(Npy, TypedReadersCheckDtypeRankAndShape) {
  TempDir dir;
  const std::string path = (dir / "m.npy").string();
  WriteFile(path, kF32x2x3);
  ExpectError([&] { io::ReadNpy1D<float>(path); }, "expected a 1-D array");
  ExpectError([&] { io::ReadNpy2D<double>(path); }, "dtype is float32, expected float64");
  ExpectError([&] { io::ReadNpy2D<float>(path, 2, 4); }, "expected shape (2, 4), found (2, 3)");
  ExpectError([&] { io::ReadNpy2D<float>(path, 3); }, "expected shape (3, *)");
  EXPECT_NO_THROW(io::ReadNpy2D<float>(path, 2, 3));
  ExpectError([&] { io::ReadNpy1D<int64_t>((dir / "missing.npy").string()); }, "cannot open");
  io::NpyArray a = io::ReadNpy(path);
  ExpectError([&] { (void)a.As<int32_t>(); }, "holds float32, not int32");
}

}  // namespace
}  // namespace movierec

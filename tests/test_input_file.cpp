#include <gtest/gtest.h>
#include <zlib.h>

#include <stdexcept>
#include <string>
#include <utility>

#include "common/error.h"
#include "io/input_file.h"
#include "test_support.h"

namespace movierec::io {
namespace {

using movierec::testing::TempDir;
using movierec::testing::WriteFile;

// One gzip member holding `data`.
std::string Gzip(const std::string& data) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2");
  }
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(zs.total_out);
  return out;
}

std::string ErrorOf(const std::string& path) {
  try {
    InputFile::Open(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(InputFile, PlainFileIsMapped) {
  TempDir dir;
  WriteFile(dir / "ratings.csv", "userId,movieId\n1,2\n");
  const InputFile f = InputFile::Open((dir / "ratings.csv").string());
  EXPECT_EQ(f.text(), "userId,movieId\n1,2\n");
  EXPECT_FALSE(f.was_gzip());
  EXPECT_EQ(f.path(), (dir / "ratings.csv").string());
}

TEST(InputFile, EmptyFileIsEmptyText) {
  TempDir dir;
  WriteFile(dir / "empty.csv", "");
  const InputFile f = InputFile::Open((dir / "empty.csv").string());
  EXPECT_TRUE(f.text().empty());
}

TEST(InputFile, BomIsStripped) {
  TempDir dir;
  WriteFile(dir / "bom.csv", "\xEF\xBB\xBFid,name\n1,x\n");
  WriteFile(dir / "bom_only.csv", "\xEF\xBB\xBF");
  WriteFile(dir / "bom.csv.gz", Gzip("\xEF\xBB\xBFid\n"));
  EXPECT_EQ(InputFile::Open((dir / "bom.csv").string()).text(), "id,name\n1,x\n");
  EXPECT_EQ(InputFile::Open((dir / "bom_only.csv").string()).text(), "");
  EXPECT_EQ(InputFile::Open((dir / "bom.csv.gz").string()).text(), "id\n");
}

TEST(InputFile, GzipIsDetectedByMagicBytesNotName) {
  TempDir dir;
  std::string big;
  for (int i = 0; i < 200000; ++i)
    big += std::to_string(i) + "," + std::to_string(i % 97) + ",3.5\n";
  WriteFile(dir / "ratings.csv", Gzip(big));  // compressed under a plain name
  WriteFile(dir / "plain.gz", "not,compressed\n");
  const InputFile gz = InputFile::Open((dir / "ratings.csv").string());
  EXPECT_TRUE(gz.was_gzip());
  EXPECT_EQ(gz.text(), big);
  const InputFile plain = InputFile::Open((dir / "plain.gz").string());
  EXPECT_FALSE(plain.was_gzip());
  EXPECT_EQ(plain.text(), "not,compressed\n");
}

TEST(InputFile, MultiMemberGzipIsConcatenated) {
  TempDir dir;
  std::string second(100000, 'x');
  WriteFile(dir / "multi.gz", Gzip("a,b\n") + Gzip("1,2\n") + Gzip(second) + Gzip(""));
  const InputFile f = InputFile::Open((dir / "multi.gz").string());
  EXPECT_EQ(f.text(), "a,b\n1,2\n" + second);
}

TEST(InputFile, CorruptOrTruncatedGzipThrowsNamingThePath) {
  TempDir dir;
  std::string data;
  for (int i = 0; i < 5000; ++i) data += "line " + std::to_string(i) + "\n";
  const std::string gz = Gzip(data);

  std::string flipped = gz;
  for (size_t i = 20; i < 40; ++i) flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
  const std::string truncated = gz.substr(0, gz.size() - 9);
  const std::string garbage = gz + "junk";
  std::string bad_crc = gz;
  bad_crc[gz.size() - 8] = static_cast<char>(bad_crc[gz.size() - 8] ^ 1);

  for (const auto& [name, bytes] : {std::pair<std::string, std::string>{"flipped.gz", flipped},
                                    {"truncated.gz", truncated},
                                    {"garbage.gz", garbage},
                                    {"crc.gz", bad_crc},
                                    {"magic_only.gz", "\x1f\x8b"}}) {
    WriteFile(dir / name, bytes);
    const std::string path = (dir / name).string();
    const std::string what = ErrorOf(path);
    EXPECT_NE(what.find("corrupt gzip data in " + path), std::string::npos) << name << ": " << what;
  }
  // Zero padding after the last member is tolerated.
  WriteFile(dir / "padded.gz", gz + std::string(16, '\0'));
  EXPECT_EQ(InputFile::Open((dir / "padded.gz").string()).text(), data);
}

TEST(InputFile, MissingFileOrDirectoryThrows) {
  TempDir dir;
  const std::string missing = (dir / "nope.csv").string();
  EXPECT_EQ(ErrorOf(missing), "cannot open " + missing + ": No such file or directory");
  EXPECT_EQ(ErrorOf(dir.path().string()),
            "cannot open " + dir.path().string() + ": Is a directory");
  try {
    InputFile::Open(missing);
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), kExitRuntime);
  }
}

TEST(InputFile, CharacterDeviceIsRead) {
  const InputFile f = InputFile::Open("/dev/null");
  EXPECT_TRUE(f.text().empty());
}

TEST(InputFile, MoveKeepsTextValid) {
  TempDir dir;
  WriteFile(dir / "small.gz",
            Gzip(std::string("\xEF\xBB\xBF") + "ab"));  // short enough for std::string's SSO
  WriteFile(dir / "plain.csv", "\xEF\xBB\xBFplain text\n");
  InputFile a = InputFile::Open((dir / "small.gz").string());
  InputFile b = std::move(a);
  EXPECT_EQ(b.text(), "ab");
  InputFile c = InputFile::Open((dir / "plain.csv").string());
  c = std::move(b);
  EXPECT_EQ(c.text(), "ab");
  EXPECT_TRUE(c.was_gzip());
  InputFile d = InputFile::Open((dir / "plain.csv").string());
  InputFile e = std::move(d);
  EXPECT_EQ(e.text(), "plain text\n");
}

TEST(InputFile, Latin1IsTranscodedToUtf8) {
  TempDir dir;
  WriteFile(dir / "u.item", "1|Caf\xE9 (1995)|\xFF\xA0x\n2|plain\n");
  InputFile f = InputFile::Open((dir / "u.item").string());
  EXPECT_FALSE(IsValidUtf8(f.text()));
  f.TranscodeLatin1ToUtf8();
  EXPECT_EQ(f.text(), "1|Caf\xC3\xA9 (1995)|\xC3\xBF\xC2\xA0x\n2|plain\n");
  EXPECT_TRUE(IsValidUtf8(f.text()));
  InputFile moved = std::move(f);
  EXPECT_EQ(moved.text(), "1|Caf\xC3\xA9 (1995)|\xC3\xBF\xC2\xA0x\n2|plain\n");

  WriteFile(dir / "ascii.txt", "only ascii\n");
  InputFile ascii = InputFile::Open((dir / "ascii.txt").string());
  ascii.TranscodeLatin1ToUtf8();
  EXPECT_EQ(ascii.text(), "only ascii\n");
}

TEST(IsValidUtf8, AcceptsWellFormed) {
  for (const std::string s :
       {"", "plain ascii that is longer than eight bytes", "caf\xC3\xA9", "\xE2\x82\xAC",
        "\xF0\x9D\x84\x9E", "\xF4\x8F\xBF\xBF", "\xEF\xBF\xBF", "\xED\x9F\xBF", "\xEE\x80\x80",
        "0123456789abcdef\xC2\x80\xDF\xBF\xE0\xA0\x80 tail"}) {
    EXPECT_TRUE(IsValidUtf8(s)) << ::testing::PrintToString(s);
  }
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));
}

TEST(IsValidUtf8, RejectsMalformed) {
  for (const std::string bad : {
           "\xC0\x80",          // overlong NUL
           "\xC1\xBF",          // overlong
           "\xE0\x80\x80",      // overlong
           "\xE0\x9F\xBF",      // overlong
           "\xF0\x8F\xBF\xBF",  // overlong
           "\xED\xA0\x80",      // surrogate U+D800
           "\xED\xBF\xBF",      // surrogate U+DFFF
           "\xF4\x90\x80\x80",  // above U+10FFFF
           "\xF5\x80\x80\x80", "\xFF", "\x80", "\xBF",
           "\xE2\x82",          // truncated
           "\xF0\x9D\x84",      // truncated
           "\xE2\x28\xA1",      // bad continuation
           "\xF0\x9D\x28\x9E",  // bad continuation
       }) {
    EXPECT_FALSE(IsValidUtf8(bad)) << ::testing::PrintToString(bad);
    // The same after a long ASCII run (the eight-byte fast path) and before more text.
    EXPECT_FALSE(IsValidUtf8("0123456789abcdefghi" + bad)) << ::testing::PrintToString(bad);
    EXPECT_FALSE(IsValidUtf8("0123456" + bad + "0123456789")) << ::testing::PrintToString(bad);
  }
}

}  // namespace
}  // namespace movierec::io

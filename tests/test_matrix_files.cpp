// The rating matrix folder beside the database (src/io/matrix_files): round trips, files that
// parse as plain .npy, corruption caught with the file named, and atomic replacement.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/sparse.h"
#include "io/matrix_files.h"
#include "io/npy.h"
#include "test_support.h"

namespace movierec {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

RatingMatrix RandomMatrix(uint64_t seed, int64_t rows = 50, int64_t cols = 40) {
  std::mt19937_64 rng(seed);
  RatingMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.indptr = {0};
  for (int64_t r = 0; r < rows; ++r) {
    std::set<int32_t> picked;
    const auto count = 1 + rng() % static_cast<uint64_t>(std::min<int64_t>(15, cols - 5));
    while (picked.size() < count) picked.insert(static_cast<int32_t>(rng() % (cols - 5)));
    for (int32_t c : picked) {
      m.indices.push_back(c);
      m.values.push_back(0.5f * static_cast<float>(1 + rng() % 10));
      m.timestamps.push_back(1600000000 + static_cast<int64_t>(rng() % 100000));
    }
    m.indptr.push_back(static_cast<int64_t>(m.indices.size()));
    m.row_ids.push_back(10 + 2 * r);
  }
  for (int64_t c = 0; c < cols; ++c) m.col_ids.push_back(1000 + c);
  return m;
}

void ExpectSame(const RatingMatrix& a, const RatingMatrix& b) {
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.cols, b.cols);
  EXPECT_EQ(a.indptr, b.indptr);
  EXPECT_EQ(a.indices, b.indices);
  EXPECT_EQ(a.values, b.values);
  EXPECT_EQ(a.timestamps, b.timestamps);
  EXPECT_EQ(a.row_ids, b.row_ids);
  EXPECT_EQ(a.col_ids, b.col_ids);
}

// yyyy-mm-ddThh:mm:ssZ
bool IsUtcTimestamp(const std::string& s) {
  const std::string pattern = "dddd-dd-ddTdd:dd:ddZ";
  if (s.size() != pattern.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool ok = pattern[i] == 'd' ? (s[i] >= '0' && s[i] <= '9') : s[i] == pattern[i];
    if (!ok) return false;
  }
  return true;
}

io::SaveMatrixOptions Fast() {
  io::SaveMatrixOptions o;
  o.sync = false;
  return o;
}

// Runs fn, expecting a movierec::Error whose message holds every one of `parts`.
template <class Fn>
void ExpectError(Fn fn, const std::vector<std::string>& parts) {
  try {
    fn();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    for (const auto& p : parts) {
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what() << "\nlacks: " << p;
    }
  }
}

TEST(MatrixFiles, RoundTripWithManifestAndRebuiltCsc) {
  TempDir dir;
  const std::string db = (dir / "movies_recommendation.db").string();
  const RatingMatrix m = RandomMatrix(1);
  io::SaveMatrixOptions options;  // with fsync, as in production
  options.run_id = 17;
  io::SaveRatingMatrix(db, m, options);
  EXPECT_EQ(io::MatrixFolderPath(db), db + ".matrix");
  EXPECT_TRUE(fs::is_directory(db + ".matrix"));
  EXPECT_FALSE(fs::exists(db + ".matrix.tmp"));
  EXPECT_FALSE(fs::exists(db + ".matrix.old"));

  for (int workers : {1, 3}) {
    io::LoadMatrixOptions lo;
    lo.workers = workers;
    const io::LoadedRatingMatrix loaded = io::LoadRatingMatrix(db, lo);
    ExpectSame(loaded.csr, m);
    const CscMatrix csc = ToCsc(m);
    EXPECT_EQ(loaded.csc.indptr, csc.indptr);
    EXPECT_EQ(loaded.csc.indices, csc.indices);
    EXPECT_EQ(loaded.csc.values, csc.values);
    EXPECT_EQ(loaded.csc.timestamps, csc.timestamps);
    EXPECT_EQ(loaded.manifest.rows, m.rows);
    EXPECT_EQ(loaded.manifest.cols, m.cols);
    EXPECT_EQ(loaded.manifest.nnz, m.nnz());
    EXPECT_EQ(loaded.manifest.run_id, 17);
    EXPECT_TRUE(IsUtcTimestamp(loaded.manifest.created)) << loaded.manifest.created;
    EXPECT_EQ(loaded.folder, db + ".matrix");
  }
  io::LoadMatrixOptions no_csc;
  no_csc.build_csc = false;
  EXPECT_TRUE(io::LoadRatingMatrix(db, no_csc).csc.indptr.empty());
}

TEST(MatrixFiles, FilesArePlainNpyWithTheDocumentedDtypes) {
  TempDir dir;
  const std::string db = (dir / "x.db").string();
  const RatingMatrix m = RandomMatrix(2);
  io::SaveRatingMatrix(db, m, Fast());
  const std::string f = db + ".matrix/";
  // What numpy.load would see: the generic reader, checking dtype and length.
  EXPECT_EQ(io::ReadNpy1D<int64_t>(f + "csr_indptr.npy", m.rows + 1), m.indptr);
  EXPECT_EQ(io::ReadNpy1D<int32_t>(f + "csr_indices.npy", m.nnz()), m.indices);
  EXPECT_EQ(io::ReadNpy1D<float>(f + "csr_values.npy", m.nnz()), m.values);
  EXPECT_EQ(io::ReadNpy1D<int64_t>(f + "csr_timestamps.npy", m.nnz()), m.timestamps);
  EXPECT_EQ(io::ReadNpy1D<int64_t>(f + "user_ids.npy", m.rows), m.row_ids);
  EXPECT_EQ(io::ReadNpy1D<int64_t>(f + "movie_ids.npy", m.cols), m.col_ids);
  // Byte for byte what numpy.save writes for the same array.
  EXPECT_EQ(ReadFile(f + "csr_values.npy"),
            io::EncodeNpy(io::NpyDtype::kFloat32, std::vector<int64_t>{m.nnz()}, m.values.data()));

  const auto manifest = nlohmann::json::parse(ReadFile(f + "manifest.json"));
  EXPECT_EQ(manifest["format"], "movierec.rating_matrix");
  EXPECT_EQ(manifest["version"], 1);
  EXPECT_EQ(manifest["rows"], m.rows);
  EXPECT_EQ(manifest["cols"], m.cols);
  EXPECT_EQ(manifest["nnz"], m.nnz());
  EXPECT_TRUE(manifest["run_id"].is_null());
  for (const char* name : {"csr_indptr.npy", "csr_indices.npy", "csr_values.npy",
                           "csr_timestamps.npy", "user_ids.npy", "movie_ids.npy"}) {
    const std::string bytes = ReadFile(f + name);
    const auto& entry = manifest["files"][name];
    EXPECT_EQ(entry["bytes"], bytes.size()) << name;
    // zlib.crc32(open(path, 'rb').read()) in Python gives the same number.
    EXPECT_EQ(entry["crc32"].get<uint32_t>(),
              crc32_z(0, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()))
        << name;
  }
  EXPECT_EQ(manifest["files"]["csr_indices.npy"]["dtype"], "int32");
  EXPECT_EQ(manifest["files"]["csr_values.npy"]["dtype"], "float32");
  EXPECT_EQ(manifest["files"]["csr_indptr.npy"]["shape"], nlohmann::json::array({m.rows + 1}));
}

TEST(MatrixFiles, SplitsRideAlongAsUint8FilesAndAreChecked) {
  TempDir dir;
  const std::string db = (dir / "s.db").string();
  const RatingMatrix m = RandomMatrix(5);
  io::SaveMatrixOptions options = Fast();
  io::StoredSplit split{"time:0.2", 42, {}};
  for (int64_t i = 0; i < m.nnz(); ++i) split.part.push_back(static_cast<uint8_t>(i % 3 == 0));
  options.splits.push_back(split);
  io::SaveRatingMatrix(db, m, options);
  const std::string file = db + ".matrix/split_0.npy";
  EXPECT_EQ(io::ReadNpy1D<uint8_t>(file, m.nnz()), split.part);
  EXPECT_EQ(ReadFile(file).substr(0, 60).find("'descr': '|u1'") != std::string::npos, true);

  io::LoadedRatingMatrix loaded = io::LoadRatingMatrix(db);
  ASSERT_EQ(loaded.splits.size(), 1u);
  EXPECT_EQ(loaded.splits[0].spec, "time:0.2");
  EXPECT_EQ(loaded.splits[0].seed, 42u);
  EXPECT_EQ(loaded.splits[0].part, split.part);
  io::LoadMatrixOptions no_splits;
  no_splits.load_splits = false;
  EXPECT_TRUE(io::LoadRatingMatrix(db, no_splits).splits.empty());

  // A flipped byte is caught by the checksum, naming the file.
  std::string bytes = ReadFile(file);
  bytes.back() = static_cast<char>(bytes.back() ^ 1);
  WriteFile(file, bytes);
  ExpectError([&] { io::LoadRatingMatrix(db); }, {file, "checksum mismatch"});

  // A split of the wrong length is refused before anything is written.
  options.splits[0].part.pop_back();
  ExpectError([&] { io::SaveRatingMatrix(db, m, options); }, {"split time:0.2 holds"});
}

TEST(MatrixFiles, EmptyAndVacantRoundTrip) {
  TempDir dir;
  RatingMatrix empty;
  empty.indptr = {0};
  io::SaveRatingMatrix((dir / "a.db").string(), empty, Fast());
  ExpectSame(io::LoadRatingMatrix((dir / "a.db").string()).csr, empty);

  RatingMatrix gaps = RandomMatrix(3, 6, 8);
  // A vacant user (its row emptied) and a vacant movie (RandomMatrix never rates the last five
  // columns).
  gaps.row_ids[2] = kVacantId;
  const int64_t removed = gaps.indptr[3] - gaps.indptr[2];
  gaps.indices.erase(gaps.indices.begin() + gaps.indptr[2], gaps.indices.begin() + gaps.indptr[3]);
  gaps.values.erase(gaps.values.begin() + gaps.indptr[2], gaps.values.begin() + gaps.indptr[3]);
  gaps.timestamps.erase(gaps.timestamps.begin() + gaps.indptr[2],
                        gaps.timestamps.begin() + gaps.indptr[3]);
  for (size_t r = 3; r < gaps.indptr.size(); ++r) gaps.indptr[r] -= removed;
  gaps.col_ids[7] = kVacantId;
  ASSERT_EQ(io::CheckRatingMatrix(gaps), "");
  io::SaveRatingMatrix((dir / "b.db").string(), gaps, Fast());
  ExpectSame(io::LoadRatingMatrix((dir / "b.db").string()).csr, gaps);
}

TEST(MatrixFiles, MissingFolderIsAClearError) {
  TempDir dir;
  ExpectError([&] { io::LoadRatingMatrix((dir / "none.db").string()); },
              {"no rating matrix at", "none.db.matrix"});
}

// --- corruption --------------------------------------------------------------------------

class MatrixFilesCorruption : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = (dir_ / "c.db").string();
    folder_ = db_ + ".matrix/";
    m_ = RandomMatrix(4);
    io::SaveRatingMatrix(db_, m_, Fast());
  }
  io::LoadedRatingMatrix Load(bool verify) {
    io::LoadMatrixOptions o;
    o.verify_checksums = verify;
    o.workers = 2;
    return io::LoadRatingMatrix(db_, o);
  }
  TempDir dir_;
  std::string db_, folder_;
  RatingMatrix m_;
};

TEST_F(MatrixFilesCorruption, TruncatedFile) {
  const std::string path = folder_ + "csr_values.npy";
  const std::string bytes = ReadFile(path);
  WriteFile(path, bytes.substr(0, bytes.size() - 6));
  ExpectError([&] { Load(true); }, {path, "truncated data"});
  ExpectError([&] { Load(false); }, {path, "truncated data"});
}

TEST_F(MatrixFilesCorruption, ChangedDtype) {
  const std::string path = folder_ + "csr_indices.npy";
  std::vector<int64_t> wide(m_.indices.begin(), m_.indices.end());
  io::WriteNpy1D<int64_t>(path, wide);
  ExpectError([&] { Load(true); }, {path, "dtype is int64, expected int32"});
  ExpectError([&] { Load(false); }, {path, "dtype is int64, expected int32"});
}

TEST_F(MatrixFilesCorruption, NonMonotoneIndptr) {
  const std::string path = folder_ + "csr_indptr.npy";
  std::vector<int64_t> indptr = m_.indptr;
  std::swap(indptr[3], indptr[4]);
  ASSERT_NE(indptr[3], indptr[4]);
  io::WriteNpy1D<int64_t>(path, indptr);
  ExpectError([&] { Load(true); }, {path, "checksum mismatch"});
  ExpectError([&] { Load(false); }, {path, "not monotone at row 3"});
}

TEST_F(MatrixFilesCorruption, IndptrNotEndingAtNnz) {
  const std::string path = folder_ + "csr_indptr.npy";
  std::vector<int64_t> indptr = m_.indptr;
  indptr.back() -= 1;
  io::WriteNpy1D<int64_t>(path, indptr);
  ExpectError([&] { Load(false); }, {path, "ends at"});
}

TEST_F(MatrixFilesCorruption, IndexOutOfRangeOrUnsorted) {
  const std::string path = folder_ + "csr_indices.npy";
  std::vector<int32_t> indices = m_.indices;
  indices[5] = static_cast<int32_t>(m_.cols);
  io::WriteNpy1D<int32_t>(path, indices);
  ExpectError([&] { Load(false); }, {path, "outside [0, 40)"});
  indices = m_.indices;
  const int64_t k = m_.indptr[1];  // row 1 starts here; make its second column repeat its first
  ASSERT_GE(m_.indptr[2] - k, 2);
  indices[static_cast<size_t>(k) + 1] = indices[static_cast<size_t>(k)];
  io::WriteNpy1D<int32_t>(path, indices);
  ExpectError([&] { Load(false); }, {path, "not strictly ascending"});
}

TEST_F(MatrixFilesCorruption, WrongLengthAgainstTheManifest) {
  const std::string path = folder_ + "user_ids.npy";
  std::vector<int64_t> ids = m_.row_ids;
  ids.pop_back();
  io::WriteNpy1D<int64_t>(path, ids);
  ExpectError([&] { Load(false); }, {path, "expected (50,)"});
}

TEST_F(MatrixFilesCorruption, FlippedByteCaughtByChecksum) {
  const std::string path = folder_ + "csr_values.npy";
  std::string bytes = ReadFile(path);
  bytes[bytes.size() - 3] ^= 0x01;  // still a valid float, so only the checksum can tell
  WriteFile(path, bytes);
  ExpectError([&] { Load(true); }, {path, "checksum mismatch"});
  EXPECT_NO_THROW(Load(false));
}

TEST_F(MatrixFilesCorruption, DuplicateIds) {
  const std::string path = folder_ + "movie_ids.npy";
  std::vector<int64_t> ids = m_.col_ids;
  ids[3] = ids[2];
  io::WriteNpy1D<int64_t>(path, ids);
  ExpectError([&] { Load(false); }, {path, "appears twice"});
}

TEST_F(MatrixFilesCorruption, BadOrMissingManifest) {
  const std::string path = folder_ + "manifest.json";
  WriteFile(path, "{\"format\": \"movierec.rating_matrix\", \"version\": 1, \"rows\": ");
  ExpectError([&] { Load(true); }, {path, "bad manifest"});
  WriteFile(path, R"({"format": "something else", "version": 1})");
  ExpectError([&] { Load(true); }, {path, "not a movierec.rating_matrix manifest"});
  fs::remove(path);
  ExpectError([&] { Load(true); }, {path});
}

// --- atomic replacement --------------------------------------------------------------------

TEST(MatrixFiles, FailedSaveLeavesThePreviousFolder) {
  TempDir dir;
  const std::string db = (dir / "r.db").string();
  const RatingMatrix a = RandomMatrix(5);
  const RatingMatrix b = RandomMatrix(6, 70, 30);
  io::SaveRatingMatrix(db, a, Fast());
  for (const char* failing :
       {"csr_indptr.npy", "csr_values.npy", "movie_ids.npy", "manifest.json"}) {
    SCOPED_TRACE(failing);
    io::SaveMatrixOptions o = Fast();
    o.after_file = [&](const std::string& file) {
      if (file == failing) throw Error("simulated failure after " + file);
    };
    ExpectError([&] { io::SaveRatingMatrix(db, b, o); }, {"simulated failure"});
    ExpectSame(io::LoadRatingMatrix(db).csr, a);
    EXPECT_FALSE(fs::exists(db + ".matrix.tmp"));
  }
  io::SaveRatingMatrix(db, b, Fast());
  ExpectSame(io::LoadRatingMatrix(db).csr, b);
}

TEST(MatrixFiles, KilledSaveLeavesAStaleTempFolderThatIsIgnoredAndCleared) {
  TempDir dir;
  const std::string db = (dir / "k.db").string();
  const RatingMatrix a = RandomMatrix(7);
  io::SaveRatingMatrix(db, a, Fast());
  // What a save killed mid-write leaves: a partial folder under the temporary name.
  fs::create_directories(db + ".matrix.tmp");
  WriteFile(db + ".matrix.tmp/csr_indptr.npy", "\x93NUMPY half");
  ExpectSame(io::LoadRatingMatrix(db).csr, a);
  const RatingMatrix b = RandomMatrix(8);
  io::SaveRatingMatrix(db, b, Fast());
  ExpectSame(io::LoadRatingMatrix(db).csr, b);
  EXPECT_FALSE(fs::exists(db + ".matrix.tmp"));
}

TEST(MatrixFiles, KilledBetweenTheRenamesLoadsAndRecoversTheOldFolder) {
  TempDir dir;
  const std::string db = (dir / "s.db").string();
  const RatingMatrix a = RandomMatrix(9);
  const RatingMatrix b = RandomMatrix(10);
  io::SaveRatingMatrix(db, a, Fast());
  // State after "rename old away", before "rename new in": only .old (and a complete .tmp).
  fs::rename(db + ".matrix", db + ".matrix.old");
  io::SaveRatingMatrix((dir / "other.db").string(), b, Fast());
  fs::rename((dir / "other.db.matrix"), db + ".matrix.tmp");
  const io::LoadedRatingMatrix loaded = io::LoadRatingMatrix(db);
  ExpectSame(loaded.csr, a);
  EXPECT_EQ(loaded.folder, db + ".matrix.old");
  // The next save restores, then replaces, and leaves no side folders.
  const RatingMatrix c = RandomMatrix(11);
  io::SaveRatingMatrix(db, c, Fast());
  ExpectSame(io::LoadRatingMatrix(db).csr, c);
  EXPECT_FALSE(fs::exists(db + ".matrix.old"));
  EXPECT_FALSE(fs::exists(db + ".matrix.tmp"));
}

TEST(MatrixFiles, ReplacingRemovesEveryOldFile) {
  TempDir dir;
  const std::string db = (dir / "z.db").string();
  io::SaveRatingMatrix(db, RandomMatrix(12), Fast());
  WriteFile(db + ".matrix/stray.txt", "from an older version");
  io::SaveRatingMatrix(db, RandomMatrix(13), Fast());
  EXPECT_FALSE(fs::exists(db + ".matrix/stray.txt"));
}

TEST(MatrixFiles, CheckRatingMatrixAcceptsBuiltMatricesAndNamesTheBadArray) {
  const RatingMatrix m = RandomMatrix(14);
  EXPECT_EQ(io::CheckRatingMatrix(m, 1), "");
  EXPECT_EQ(io::CheckRatingMatrix(m, 4), "");
  RatingMatrix bad = m;
  bad.values[3] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(io::CheckRatingMatrix(bad, 3).rfind("csr_values.npy:", 0), 0u);
  bad = m;
  bad.timestamps.pop_back();
  EXPECT_EQ(io::CheckRatingMatrix(bad).rfind("csr_timestamps.npy:", 0), 0u);
}

}  // namespace
}  // namespace movierec

#include "io/matrix_files.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <span>
#include <utility>
#include <vector>

#include "common/error.h"
#include "io/npy.h"

namespace movierec::io {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kFormat = "movierec.rating_matrix";
constexpr int kVersion = 1;
constexpr const char* kManifest = "manifest.json";

// One array file of the folder: its name and dtype (the order of kFiles is the order of Source).
struct ArrayFile {
  const char* name;
  NpyDtype dtype;
};
constexpr ArrayFile kIndptr{"csr_indptr.npy", NpyDtype::kInt64};
constexpr ArrayFile kIndices{"csr_indices.npy", NpyDtype::kInt32};
constexpr ArrayFile kValues{"csr_values.npy", NpyDtype::kFloat32};
constexpr ArrayFile kTimestamps{"csr_timestamps.npy", NpyDtype::kInt64};
constexpr ArrayFile kUserIds{"user_ids.npy", NpyDtype::kInt64};
constexpr ArrayFile kMovieIds{"movie_ids.npy", NpyDtype::kInt64};
constexpr ArrayFile kFiles[] = {kIndptr, kIndices, kValues, kTimestamps, kUserIds, kMovieIds};

// (pointer, element count) of file i of kFiles in m.
std::pair<const void*, int64_t> Source(const RatingMatrix& m, size_t i) {
  switch (i) {
    case 0:
      return {m.indptr.data(), static_cast<int64_t>(m.indptr.size())};
    case 1:
      return {m.indices.data(), static_cast<int64_t>(m.indices.size())};
    case 2:
      return {m.values.data(), static_cast<int64_t>(m.values.size())};
    case 3:
      return {m.timestamps.data(), static_cast<int64_t>(m.timestamps.size())};
    case 4:
      return {m.row_ids.data(), static_cast<int64_t>(m.row_ids.size())};
    default:
      return {m.col_ids.data(), static_cast<int64_t>(m.col_ids.size())};
  }
}

// The expected length of file i for a matrix of the given shape.
int64_t ExpectedLength(size_t i, int64_t rows, int64_t cols, int64_t nnz) {
  switch (i) {
    case 0:
      return rows + 1;
    case 1:
    case 2:
    case 3:
      return nnz;
    case 4:
      return rows;
    default:
      return cols;
  }
}

uint32_t Crc32(uint32_t crc, const void* data, size_t n) {
  if (n == 0) return crc;  // zlib answers a null buffer with the initial value, not `crc`
  return static_cast<uint32_t>(crc32_z(crc, static_cast<const Bytef*>(data), n));
}

void SyncPath(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) throw Error("cannot open " + path + " to sync it: " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw Error("cannot sync " + path + ": " + std::strerror(err));
}

// Writes `head` then `data` to a new file at `path`, fsync'ed when `sync`.
void WriteFileBytes(const std::string& path, const void* head, size_t head_bytes, bool sync,
                    const void* data = nullptr, size_t data_bytes = 0) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw Error("cannot open " + path + " for writing: " + std::strerror(errno));
  bool ok = std::fwrite(head, 1, head_bytes, f) == head_bytes;
  ok = ok && (data_bytes == 0 || std::fwrite(data, 1, data_bytes, f) == data_bytes);
  ok = ok && std::fflush(f) == 0;
  ok = ok && (!sync || ::fsync(::fileno(f)) == 0);
  const int err = errno;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) throw Error("cannot write " + path + ": " + std::strerror(err));
}

// Writes a 1-D array straight from its memory (no encoded copy), returning the CRC-32 of the
// whole file as zlib.crc32 computes it over the file's bytes.
uint32_t WriteArrayFile(const std::string& path, NpyDtype dtype, const void* data, int64_t count,
                        bool sync) {
  const int64_t shape[1] = {count};
  const std::string header = EncodeNpyHeader(dtype, shape);
  const size_t data_bytes = static_cast<size_t>(count) * NpyItemSize(dtype);
  WriteFileBytes(path, header.data(), header.size(), sync, data, data_bytes);
  return Crc32(Crc32(0, header.data(), header.size()), data, data_bytes);
}

std::string ReadContents(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw Error("cannot open " + path + ": " + std::strerror(errno));
  std::string out;
  bool ok = std::fseek(f, 0, SEEK_END) == 0;
  const long size = ok ? std::ftell(f) : -1;
  ok = ok && size >= 0 && std::fseek(f, 0, SEEK_SET) == 0;
  if (ok) {
    out.resize(static_cast<size_t>(size));
    ok = std::fread(out.data(), 1, out.size(), f) == out.size();
  }
  std::fclose(f);
  if (!ok) throw Error("cannot read " + path);
  return out;
}

std::string UtcNow() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void RemoveAll(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) throw Error("cannot remove " + path + ": " + ec.message());
}

void Rename(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::rename(from, to, ec);
  if (ec) throw Error("cannot rename " + from + " to " + to + ": " + ec.message());
}

// A save killed between "old away" and "new in" leaves only `<folder>.old`: put it back.
void RecoverInterruptedSwap(const std::string& folder) {
  const std::string old = folder + ".old";
  if (!fs::exists(folder) && fs::is_directory(old)) Rename(old, folder);
}

[[noreturn]] void Corrupt(const std::string& path, const std::string& what) {
  throw Error("rating matrix file " + path + " is corrupt: " + what);
}

// Reads one array file straight into `out` (no intermediate copy of up to 200 MB): the header
// first, checked against the manifest's dtype and length, then the elements, then the CRC-32 of
// header + elements against the manifest.
template <class T>
void ReadArrayFile(const std::string& path, NpyDtype dtype, int64_t want, const json& entry,
                   bool verify, const MatrixManifest& mf, std::vector<T>& out) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw Error("cannot open rating matrix file " + path + ": " + std::strerror(errno));
  struct Closer {
    std::FILE* f;
    ~Closer() { std::fclose(f); }
  } closer{f};
  if (std::fseek(f, 0, SEEK_END) != 0) throw Error("cannot read " + path);
  const long size = std::ftell(f);
  if (size < 0 || std::fseek(f, 0, SEEK_SET) != 0) throw Error("cannot read " + path);
  // Our headers are 128 bytes; numpy's stay far below this for a 1-D array.
  std::string head(static_cast<size_t>(std::min<long>(size, 1 << 16)), '\0');
  if (std::fread(head.data(), 1, head.size(), f) != head.size()) throw Error("cannot read " + path);
  const NpyHeader h = DecodeNpyHeader(head, static_cast<uint64_t>(size), path);
  if (h.dtype != dtype) {
    Corrupt(path,
            std::string("dtype is ") + NpyDtypeName(h.dtype) + ", expected " + NpyDtypeName(dtype));
  }
  if (h.shape.size() != 1 || h.shape[0] != want) {
    std::string shape;
    for (int64_t d : h.shape) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
    Corrupt(path, "shape is (" + shape + "), expected (" + std::to_string(want) +
                      ",) for the manifest's " + std::to_string(mf.rows) + " x " +
                      std::to_string(mf.cols) + " matrix with " + std::to_string(mf.nnz) +
                      " entries");
  }
  ResizePrefaulted(out, static_cast<size_t>(want));
  const size_t bytes = out.size() * sizeof(T);
  auto* dst = reinterpret_cast<char*>(out.data());
  const size_t in_head = std::min(bytes, head.size() - h.data_offset);
  if (in_head > 0) std::memcpy(dst, head.data() + h.data_offset, in_head);
  if (bytes > in_head && std::fread(dst + in_head, 1, bytes - in_head, f) != bytes - in_head) {
    throw Error("cannot read " + path);
  }
  if (verify) {
    const uint32_t crc = Crc32(Crc32(0, head.data(), h.data_offset), dst, bytes);
    if (crc != entry.at("crc32").get<uint32_t>()) {
      Corrupt(path, "checksum mismatch (CRC-32 " + std::to_string(crc) + ", manifest says " +
                        entry.at("crc32").dump() + "): the file changed after it was written");
    }
  }
}

}  // namespace

std::string MatrixFolderPath(const std::string& db_path) { return db_path + ".matrix"; }

std::string CheckRatingMatrix(const RatingMatrix& m, int workers) {
  auto n = [](const auto& v) { return static_cast<int64_t>(v.size()); };
  auto len_error = [](const char* file, int64_t have, int64_t want, const char* of) {
    return std::string(file) + ": " + std::to_string(have) + " elements, expected " +
           std::to_string(want) + " (" + of + ")";
  };
  if (m.rows < 0 || m.cols < 0) return "manifest.json: negative shape";
  if (m.cols > int64_t{1} << 31) return "manifest.json: more columns than 32-bit indexes hold";
  if (n(m.indptr) != m.rows + 1)
    return len_error(kIndptr.name, n(m.indptr), m.rows + 1, "rows + 1");
  const int64_t nnz = n(m.indices);
  if (n(m.values) != nnz) return len_error(kValues.name, n(m.values), nnz, "one per index");
  if (n(m.timestamps) != nnz) {
    return len_error(kTimestamps.name, n(m.timestamps), nnz, "one per index");
  }
  if (n(m.row_ids) != m.rows) return len_error(kUserIds.name, n(m.row_ids), m.rows, "rows");
  if (n(m.col_ids) != m.cols) return len_error(kMovieIds.name, n(m.col_ids), m.cols, "columns");
  if (m.indptr.front() != 0) return std::string(kIndptr.name) + ": does not start at 0";
  if (m.indptr.back() != nnz) {
    return std::string(kIndptr.name) + ": ends at " + std::to_string(m.indptr.back()) +
           ", not at the " + std::to_string(nnz) + " entries";
  }
  for (size_t r = 0; r + 1 < m.indptr.size(); ++r) {
    if (m.indptr[r + 1] < m.indptr[r]) {
      return std::string(kIndptr.name) + ": not monotone at row " + std::to_string(r);
    }
  }
  for (const auto* ids : {&m.row_ids, &m.col_ids}) {
    std::vector<int64_t> sorted;
    sorted.reserve(ids->size());
    for (int64_t id : *ids) {
      if (id != kVacantId) sorted.push_back(id);
    }
    std::sort(sorted.begin(), sorted.end());
    auto dup = std::adjacent_find(sorted.begin(), sorted.end());
    if (dup != sorted.end()) {
      return std::string(ids == &m.row_ids ? kUserIds.name : kMovieIds.name) + ": id " +
             std::to_string(*dup) + " appears twice";
    }
  }
  for (size_t r = 0; r < m.row_ids.size(); ++r) {
    if (m.row_ids[r] == kVacantId && m.indptr[r + 1] != m.indptr[r]) {
      return std::string(kUserIds.name) + ": vacant row " + std::to_string(r) + " has ratings";
    }
  }
  std::vector<uint8_t> vacant_col(m.col_ids.size());
  for (size_t c = 0; c < m.col_ids.size(); ++c) vacant_col[c] = m.col_ids[c] == kVacantId;

  const std::vector<int64_t> cuts = BalancedRowCuts(m.indptr, workers);
  std::vector<std::string> errors(cuts.size() - 1);
  ForEachRange(cuts, [&](int part, int64_t r0, int64_t r1) {
    std::string& error = errors[static_cast<size_t>(part)];
    for (int64_t r = r0; r < r1 && error.empty(); ++r) {
      int64_t prev = -1;
      for (int64_t k = m.indptr[static_cast<size_t>(r)]; k < m.indptr[static_cast<size_t>(r) + 1];
           ++k) {
        const int64_t c = m.indices[static_cast<size_t>(k)];
        if (c < 0 || c >= m.cols) {
          error = std::string(kIndices.name) + ": entry " + std::to_string(k) + " (row " +
                  std::to_string(r) + ") has column " + std::to_string(c) + ", outside [0, " +
                  std::to_string(m.cols) + ")";
        } else if (c <= prev) {
          error = std::string(kIndices.name) + ": columns of row " + std::to_string(r) +
                  " are not strictly ascending at entry " + std::to_string(k);
        } else if (vacant_col[static_cast<size_t>(c)]) {
          error =
              std::string(kMovieIds.name) + ": vacant column " + std::to_string(c) + " has ratings";
        } else if (!std::isfinite(m.values[static_cast<size_t>(k)])) {
          error = std::string(kValues.name) + ": entry " + std::to_string(k) + " is not finite";
        }
        if (!error.empty()) break;
        prev = c;
      }
    }
  });
  for (const auto& e : errors) {
    if (!e.empty()) return e;  // the lowest row's problem, whatever the thread count
  }
  return "";
}

void SaveRatingMatrix(const std::string& db_path, const RatingMatrix& m,
                      const SaveMatrixOptions& options) {
  // Lengths only: a full CheckRatingMatrix pass is the loader's job, the writer trusts its
  // builder (and a malformed matrix would be caught on load, naming the file).
  if (static_cast<int64_t>(m.indptr.size()) != m.rows + 1 ||
      static_cast<int64_t>(m.row_ids.size()) != m.rows ||
      static_cast<int64_t>(m.col_ids.size()) != m.cols || m.values.size() != m.indices.size() ||
      m.timestamps.size() != m.indices.size()) {
    throw Error("SaveRatingMatrix: the matrix's array lengths do not match its shape");
  }
  for (const StoredSplit& split : options.splits) {
    if (static_cast<int64_t>(split.part.size()) != m.nnz()) {
      throw Error("SaveRatingMatrix: split " + split.spec + " holds " +
                  std::to_string(split.part.size()) + " entries for " + std::to_string(m.nnz()) +
                  " ratings");
    }
  }
  const std::string folder = MatrixFolderPath(db_path);
  const std::string tmp = folder + ".tmp";
  const std::string old = folder + ".old";
  RecoverInterruptedSwap(folder);
  RemoveAll(old);  // the folder itself is complete: a leftover .old is garbage now
  RemoveAll(tmp);  // a killed save's half-written folder
  {
    std::error_code ec;
    fs::create_directories(tmp, ec);
    if (ec) throw Error("cannot create " + tmp + ": " + ec.message());
  }

  try {
    constexpr size_t kCount = std::size(kFiles);
    std::vector<uint32_t> crc(kCount);
    // One thread per file: the writes and their checksums overlap, the biggest file (the
    // timestamps) sets the pace.
    std::vector<int64_t> cuts(kCount + 1);
    for (size_t i = 0; i <= kCount; ++i) cuts[i] = static_cast<int64_t>(i);
    ForEachRange(cuts, [&](int i, int64_t, int64_t) {
      const auto f = static_cast<size_t>(i);
      const auto [data, count] = Source(m, f);
      crc[f] =
          WriteArrayFile(tmp + "/" + kFiles[f].name, kFiles[f].dtype, data, count, options.sync);
    });
    json files = json::object();
    for (size_t f = 0; f < kCount; ++f) {
      if (options.after_file) options.after_file(kFiles[f].name);
      const int64_t count = Source(m, f).second;
      const int64_t shape[1] = {count};
      files[kFiles[f].name] = {
          {"dtype", NpyDtypeName(kFiles[f].dtype)},
          {"shape", {count}},
          {"bytes", EncodeNpyHeader(kFiles[f].dtype, shape).size() +
                        static_cast<size_t>(count) * NpyItemSize(kFiles[f].dtype)},
          {"crc32", crc[f]},
      };
    }
    json splits = json::array();
    for (size_t i = 0; i < options.splits.size(); ++i) {
      const StoredSplit& split = options.splits[i];
      const std::string name = "split_" + std::to_string(i) + ".npy";
      const auto count = static_cast<int64_t>(split.part.size());
      const uint32_t split_crc = WriteArrayFile(tmp + "/" + name, NpyDtype::kUint8,
                                                split.part.data(), count, options.sync);
      if (options.after_file) options.after_file(name);
      const int64_t shape[1] = {count};
      files[name] = {
          {"dtype", NpyDtypeName(NpyDtype::kUint8)},
          {"shape", {count}},
          {"bytes", EncodeNpyHeader(NpyDtype::kUint8, shape).size() + split.part.size()},
          {"crc32", split_crc},
      };
      splits.push_back({{"file", name}, {"spec", split.spec}, {"seed", split.seed}});
    }
    json manifest = {
        {"format", kFormat},
        {"version", kVersion},
        {"rows", m.rows},
        {"cols", m.cols},
        {"nnz", m.nnz()},
        {"created", UtcNow()},
        {"run_id", options.run_id ? json(*options.run_id) : json(nullptr)},
        {"csc", "not stored; rebuilt from the CSR on load"},
        {"files", files},
        {"splits", splits},
    };
    const std::string text = manifest.dump(2) + "\n";
    WriteFileBytes(tmp + "/" + kManifest, text.data(), text.size(), options.sync);
    if (options.after_file) options.after_file(kManifest);
    if (options.sync) SyncPath(tmp, true);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }

  // The swap. Between the two renames only `old` exists; load and the next save handle that.
  const bool had_old = fs::exists(folder);
  if (had_old) Rename(folder, old);
  try {
    Rename(tmp, folder);
  } catch (...) {
    std::error_code ec;
    if (had_old) fs::rename(old, folder, ec);
    fs::remove_all(tmp, ec);
    throw;
  }
  if (options.sync) {
    const fs::path parent = fs::absolute(folder).parent_path();
    SyncPath(parent.string(), true);
  }
  if (had_old) RemoveAll(old);
}

LoadedRatingMatrix LoadRatingMatrix(const std::string& db_path, const LoadMatrixOptions& options) {
  LoadedRatingMatrix out;
  out.folder = MatrixFolderPath(db_path);
  if (!fs::is_directory(out.folder)) {
    // Killed between the two renames of a save: the previous matrix is complete under .old.
    if (fs::is_directory(out.folder + ".old")) {
      out.folder += ".old";
    } else {
      throw Error("no rating matrix at " + out.folder +
                  " (the transform stage writes it beside the database)");
    }
  }
  const std::string manifest_path = out.folder + "/" + kManifest;
  json manifest;
  try {
    manifest = json::parse(ReadContents(manifest_path));
    if (manifest.at("format") != kFormat) {
      throw Error("rating matrix file " + manifest_path + " is not a " + kFormat + " manifest");
    }
    if (manifest.at("version") != kVersion) {
      throw Error("rating matrix file " + manifest_path + " has version " +
                  manifest.at("version").dump() + "; this build reads version " +
                  std::to_string(kVersion));
    }
    out.manifest.rows = manifest.at("rows").get<int64_t>();
    out.manifest.cols = manifest.at("cols").get<int64_t>();
    out.manifest.nnz = manifest.at("nnz").get<int64_t>();
    out.manifest.created = manifest.at("created").get<std::string>();
    if (!manifest.at("run_id").is_null()) out.manifest.run_id = manifest["run_id"].get<int64_t>();
    for (const ArrayFile& f : kFiles) (void)manifest.at("files").at(f.name).at("crc32");
  } catch (const json::exception& e) {
    Corrupt(manifest_path, std::string("bad manifest (") + e.what() + ")");
  }
  const MatrixManifest& mf = out.manifest;
  constexpr int64_t kPlausible = int64_t{1} << 48;  // keeps rows + 1 and byte counts exact
  if (mf.rows < 0 || mf.cols < 0 || mf.nnz < 0 || mf.rows > kPlausible || mf.cols > kPlausible ||
      mf.nnz > kPlausible) {
    Corrupt(manifest_path, "implausible shape " + std::to_string(mf.rows) + " x " +
                               std::to_string(mf.cols) + ", " + std::to_string(mf.nnz) +
                               " entries");
  }

  RatingMatrix& m = out.csr;
  m.rows = mf.rows;
  m.cols = mf.cols;
  constexpr size_t kCount = std::size(kFiles);
  const int threads = std::clamp(options.workers, 1, static_cast<int>(kCount));
  std::vector<int64_t> cuts;
  for (int t = 0; t <= threads; ++t) cuts.push_back(static_cast<int64_t>(kCount) * t / threads);
  const json& files = std::as_const(manifest).at("files");
  ForEachRange(cuts, [&](int, int64_t f0, int64_t f1) {
    for (auto f = static_cast<size_t>(f0); f < static_cast<size_t>(f1); ++f) {
      const ArrayFile& file = kFiles[f];
      const std::string path = out.folder + "/" + file.name;
      const json& entry = files.at(file.name);
      const int64_t want = ExpectedLength(f, mf.rows, mf.cols, mf.nnz);
      switch (f) {
        case 0:
          ReadArrayFile(path, file.dtype, want, entry, options.verify_checksums, mf, m.indptr);
          break;
        case 1:
          ReadArrayFile(path, file.dtype, want, entry, options.verify_checksums, mf, m.indices);
          break;
        case 2:
          ReadArrayFile(path, file.dtype, want, entry, options.verify_checksums, mf, m.values);
          break;
        case 3:
          ReadArrayFile(path, file.dtype, want, entry, options.verify_checksums, mf, m.timestamps);
          break;
        case 4:
          ReadArrayFile(path, file.dtype, want, entry, options.verify_checksums, mf, m.row_ids);
          break;
        default:
          ReadArrayFile(path, file.dtype, want, entry, options.verify_checksums, mf, m.col_ids);
          break;
      }
    }
  });

  const std::string problem = CheckRatingMatrix(m, options.workers);
  if (!problem.empty()) {
    // The message starts with the file's name; make it a path.
    Corrupt(out.folder + "/" + problem.substr(0, problem.find(':')),
            problem.substr(problem.find(':') + 2));
  }
  if (options.load_splits && manifest.contains("splits")) {
    try {
      for (const json& entry : manifest.at("splits")) {
        StoredSplit split;
        split.spec = entry.at("spec").get<std::string>();
        split.seed = entry.at("seed").get<uint64_t>();
        const std::string name = entry.at("file").get<std::string>();
        ReadArrayFile(out.folder + "/" + name, NpyDtype::kUint8, mf.nnz, files.at(name),
                      options.verify_checksums, mf, split.part);
        out.splits.push_back(std::move(split));
      }
    } catch (const json::exception& e) {
      Corrupt(manifest_path, std::string("bad split entry (") + e.what() + ")");
    }
  }
  if (options.build_csc) out.csc = ToCsc(m, options.workers);
  return out;
}

}  // namespace movierec::io

// The rating matrix saved beside the database, so training can start without re-reading the
// ratings table: `<database path>.matrix/`, e.g. data/movies_recommendation.db.matrix/, holding
//
//   csr_indptr.npy      int64   (rows + 1,)  row offsets
//   csr_indices.npy     int32   (nnz,)       movie index per rating, ascending within a row
//   csr_values.npy      float32 (nnz,)       rating
//   csr_timestamps.npy  int64   (nnz,)       unix seconds
//   user_ids.npy        int64   (rows,)      external user id per row (INT64_MIN = vacant)
//   movie_ids.npy       int64   (cols,)      external movie id per column (INT64_MIN = vacant)
//   split_<n>.npy       uint8   (nnz,)       optional: train/test splits, one byte per rating in
//                                            CSR order (etl/splits.h: 0 train / 1 test, or the
//                                            fold id), so evaluate reuses what was saved
//   manifest.json       format, version, shape, nnz, created (UTC), run_id, per file its
//                       dtype, shape, size in bytes and CRC-32 (zlib.crc32 of the whole file),
//                       and per split its file, spec ("time:0.2") and seed
//
// Plain .npy files (format 1.0, little-endian, C order) that numpy loads as they are:
//   indptr = np.load("csr_indptr.npy"); ...
//   scipy.sparse.csr_matrix((values, indices, indptr), shape=(len(user_ids), len(movie_ids)))
//
// Only the CSR is stored; the CSC is rebuilt on load (ToCsc, ~0.1 s per 25M ratings on two
// cores), which keeps one source of truth on disk and halves its size.
//
// Writing is atomic: the new folder is written and fsync'ed under `<folder>.tmp`, the old one is
// renamed to `<folder>.old`, the new one renamed in, then the old one deleted. A run killed at
// any point leaves either the old or the new complete folder: a stale .tmp is ignored (and
// removed by the next save), and when only `<folder>.old` exists (killed between the two
// renames) loading uses it and the next save puts it back first.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/sparse.h"

namespace movierec::io {

// "<db_path>.matrix".
std::string MatrixFolderPath(const std::string& db_path);

struct MatrixManifest {
  int64_t rows = 0;
  int64_t cols = 0;
  int64_t nnz = 0;
  std::string created;            // ISO 8601 UTC, e.g. 2026-11-24T10:15:00Z
  std::optional<int64_t> run_id;  // the etl_runs row that wrote the matrix, when known
};

// A split stored with the matrix (see etl/splits.h for what the bytes mean).
struct StoredSplit {
  std::string spec;  // canonical text, e.g. "time:0.2", "kfold:5"
  uint64_t seed = 0;
  std::vector<uint8_t> part;  // one per rating, CSR order
};

struct SaveMatrixOptions {
  std::optional<int64_t> run_id;
  std::vector<StoredSplit> splits;  // each must hold nnz bytes
  // fsync files and folders before the swap, so the rename order also holds across a power
  // loss; tests turn it off for speed.
  bool sync = true;
  // Test hook, called with each file name after it is written into the temporary folder; a
  // throw there simulates a failure mid-write.
  std::function<void(const std::string& file)> after_file;
};

// Saves `m` (must be well-formed) to MatrixFolderPath(db_path), replacing any previous folder
// atomically. Throws movierec::Error on I/O failure; the previous folder is then untouched.
void SaveRatingMatrix(const std::string& db_path, const RatingMatrix& m,
                      const SaveMatrixOptions& options = {});

struct LoadMatrixOptions {
  int workers = 1;               // threads for reading, checking and the CSC rebuild
  bool verify_checksums = true;  // compare each file's CRC-32 with the manifest
  bool build_csc = true;
  bool load_splits = true;
};

struct LoadedRatingMatrix {
  RatingMatrix csr;
  CscMatrix csc;  // empty unless options.build_csc
  std::vector<StoredSplit> splits;  // empty unless options.load_splits
  MatrixManifest manifest;
  std::string folder;  // where it was read from
};

// Loads and checks the folder saved for `db_path`: dtypes and shapes against the manifest,
// checksums, indptr starting at 0, monotone and ending at nnz, column indexes in range and
// strictly ascending within each row, ids unique. Throws movierec::Error naming the file on any
// inconsistency, and when no folder exists.
LoadedRatingMatrix LoadRatingMatrix(const std::string& db_path,
                                    const LoadMatrixOptions& options = {});

// The same checks on an in-memory matrix; returns "" when it is well-formed, else what is
// wrong, starting with the offending array's file name (e.g. "csr_indptr.npy: ...").
std::string CheckRatingMatrix(const RatingMatrix& m, int workers = 1);

}  // namespace movierec::io

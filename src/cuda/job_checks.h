// Checks every job makes at the plugin boundary before anything is uploaded: the host adapters
// check user input first, so a failure here is a bug in the caller, said as std::invalid_argument
// "<algorithm> (cuda): ...".
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace movierec::cuda {

[[noreturn]] inline void BadJob(const char* algorithm, const std::string& what) {
  throw std::invalid_argument(std::string(algorithm) + " (cuda): " + what);
}

// indptr: rows + 1 offsets from 0 to nnz, never decreasing.
inline void CheckIndptr(const char* algorithm, const int64_t* indptr, int64_t rows, int64_t nnz,
                        const char* which) {
  if (indptr == nullptr) BadJob(algorithm, std::string(which) + " indptr is null");
  if (indptr[0] != 0 || indptr[rows] != nnz) {
    BadJob(algorithm,
           std::string(which) + " indptr does not span its " + std::to_string(nnz) + " entries");
  }
  for (int64_t r = 0; r < rows; ++r) {
    if (indptr[r] > indptr[r + 1]) BadJob(algorithm, std::string(which) + " indptr is not monotone");
  }
}

}  // namespace movierec::cuda

// The model API: stateful trainers behind one factory, a CPU and (issue 5) a CUDA
// implementation of each algorithm, chosen by the Context (DESIGN.md §3). Trainers read the
// sparse matrices of common/sparse.h and return plain host models (common/model.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/model.h"
#include "common/model_params.h"
#include "common/sparse.h"
#include "host/context.h"

namespace movierec {

struct TrainOptions {
  uint64_t seed = 42;
  bool progress = true;  // a bar on a terminal, log lines otherwise
  // Called after every iteration (epoch) with the loss and training RMSE; may be empty.
  std::function<void(const IterationLog&)> on_iteration;
};

// A latent-factor trainer (als, ials, svd).
class FactorTrainer {
 public:
  virtual ~FactorTrainer() = default;
  // Trains on `csr` (users x items; `csc` its column form) from a seeded initialisation.
  // The model carries csr's row_ids / col_ids. Throws movierec::Error on unusable input.
  virtual FactorModel Train(const RatingMatrix& csr, const CscMatrix& csc,
                            const TrainOptions& options) = 0;
  // The user's factor row computed against fixed item factors from that user's ratings (the
  // indices / values of one CSR row): how `recommend` serves users added after training.
  virtual std::vector<float> FoldInUser(const FactorModel& model, const int32_t* items,
                                        const float* ratings, int64_t count) const = 0;
};

// "als" | "ials" | "svd". UsageError for another name; on a CUDA context, the CUDA trainer
// (a CPU-only build never gets one: ResolveContext refuses gpu there).
std::unique_ptr<FactorTrainer> MakeFactorTrainer(const Context& ctx, const std::string& algorithm,
                                                 const ModelsConfig& config);

bool IsFactorAlgorithm(const std::string& algorithm);

}  // namespace movierec

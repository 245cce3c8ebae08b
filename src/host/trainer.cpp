#include "host/trainer.h"

#include "common/error.h"
#include "host/cpu_als.h"
#include "host/cpu_ials.h"
#include "host/cpu_svd.h"
#include "host/cuda_trainers.h"

namespace movierec {

bool IsFactorAlgorithm(const std::string& algorithm) {
  return algorithm == "als" || algorithm == "ials" || algorithm == "svd";
}

std::unique_ptr<FactorTrainer> MakeFactorTrainer(const Context& ctx, const std::string& algorithm,
                                                 const ModelsConfig& config) {
  if (algorithm == "als") {
    return ctx.IsCuda() ? MakeCudaAlsTrainer(ctx, config.als) : MakeCpuAlsTrainer(ctx, config.als);
  }
  if (algorithm == "ials") {
    return ctx.IsCuda() ? MakeCudaIalsTrainer(ctx, config.ials)
                        : MakeCpuIalsTrainer(ctx, config.ials);
  }
  if (algorithm == "svd") {
    return ctx.IsCuda() ? MakeCudaSvdTrainer(ctx, config.svd) : MakeCpuSvdTrainer(ctx, config.svd);
  }
  throw UsageError("'" + algorithm + "' is not a factor model; expected als, ials or svd");
}

}  // namespace movierec

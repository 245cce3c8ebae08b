#include "host/trainer.h"

#include "common/error.h"
#include "host/cpu_als.h"
#include "host/cpu_ials.h"
#include "host/cpu_svd.h"

namespace movierec {

bool IsFactorAlgorithm(const std::string& algorithm) {
  return algorithm == "als" || algorithm == "ials" || algorithm == "svd";
}

std::unique_ptr<FactorTrainer> MakeFactorTrainer(const Context& ctx, const std::string& algorithm,
                                                 const ModelsConfig& config) {
  const Context cpu = CpuUntilCuda(ctx, "trainers");
  if (algorithm == "als") return MakeCpuAlsTrainer(cpu, config.als);
  if (algorithm == "ials") return MakeCpuIalsTrainer(cpu, config.ials);
  if (algorithm == "svd") return MakeCpuSvdTrainer(cpu, config.svd);
  throw UsageError("'" + algorithm + "' is not a factor model; expected als, ials or svd");
}

}  // namespace movierec

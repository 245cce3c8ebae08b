#include "host/trainer.h"

#include <spdlog/spdlog.h>

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
  if (ctx.IsCuda()) {
    // The CUDA trainers arrive with the CUDA backend; until then a GPU context trains on the
    // CPU, said once here rather than failing the run.
    static bool said = false;
    if (!said) {
      said = true;
      spdlog::warn("{}: the CUDA trainers are not built yet; training on the CPU", ctx.Name());
    }
  }
  Context cpu = ctx;
  cpu.device = DeviceKind::kCpu;
  if (algorithm == "als") return MakeCpuAlsTrainer(cpu, config.als);
  if (algorithm == "ials") return MakeCpuIalsTrainer(cpu, config.ials);
  if (algorithm == "svd") return MakeCpuSvdTrainer(cpu, config.svd);
  throw UsageError("'" + algorithm + "' is not a factor model; expected als, ials or svd");
}

}  // namespace movierec

// The CUDA trainers: the same FactorTrainer API as the CPU ones, training on the GPU through the
// plugin (host/cuda_backend.h). Everything around the sweeps is shared with the CPU trainer of
// the same algorithm: the parameter and input checks, the seeded initial factors (so both devices
// start from the same point), the packing of the model, and FoldInUser, which is a small
// per-request solve and runs on the CPU.
#pragma once

#include <memory>

#include "common/model_params.h"
#include "host/context.h"
#include "host/trainer.h"

namespace movierec {

// ctx must be a CUDA context (ResolveContext made sure a device answers).
std::unique_ptr<FactorTrainer> MakeCudaIalsTrainer(const Context& ctx, const IalsParams& params);
std::unique_ptr<FactorTrainer> MakeCudaAlsTrainer(const Context& ctx, const AlsParams& params);
std::unique_ptr<FactorTrainer> MakeCudaSvdTrainer(const Context& ctx, const SvdParams& params);

}  // namespace movierec

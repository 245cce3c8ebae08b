// The backend's operations, one .cu file each, called by plugin.cu inside its C boundary. Each
// throws CudaError for CUDA/cuBLAS/cuSOLVER failures and std::invalid_argument for a job it
// cannot run (the host adapters check user input first; these checks guard the boundary).
#pragma once

#include "cuda/backend_api.h"

namespace movierec::cuda {

void TrainIals(const mr_ials_job& job);  // ials.cu
void TrainAls(const mr_als_job& job);    // als.cu
void TrainSvd(const mr_svd_job& job);    // svd.cu
void ScoreTopN(const mr_topn_job& job);  // topn.cu

}  // namespace movierec::cuda

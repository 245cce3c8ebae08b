#include "host/cuda_trainers.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <string>
#include <utility>

#include "common/error.h"
#include "host/cpu_als.h"
#include "host/cpu_factor_common.h"
#include "host/cpu_ials.h"
#include "host/cpu_svd.h"
#include "host/cuda_backend.h"

namespace movierec {
namespace {

mr_sparse View(const std::vector<int64_t>& indptr, const std::vector<int32_t>& indices,
               const float* values, int64_t rows, int64_t cols) {
  mr_sparse s{};
  s.rows = rows;
  s.cols = cols;
  s.nnz = static_cast<int64_t>(indices.size());
  s.indptr = indptr.data();
  s.indices = indices.data();
  s.values = values;
  return s;
}

// The plugin's per-iteration callback, forwarded to the trainer's log line and on_iteration.
// Nothing may unwind through the plugin's frames (backend_api.h), so an exception from
// on_iteration is kept here and rethrown once the plugin has returned.
struct Progress {
  const char* algorithm;
  int iterations;
  bool with_rmse;
  const TrainOptions* options;
  std::exception_ptr error;

  static void Call(void* user, const mr_iteration* it) noexcept {
    auto* self = static_cast<Progress*>(user);
    if (self->error) return;
    try {
      IterationLog log;
      log.iteration = it->iteration;
      log.loss = it->loss;
      log.train_rmse = it->train_rmse;
      log.seconds = it->seconds;
      cpu_factor::ReportIteration(self->algorithm, self->iterations, self->with_rmse, log,
                                  *self->options);
    } catch (...) {
      self->error = std::current_exception();
    }
  }
};

// The fields every training job has: the device, both sides of the matrix (values as given),
// k / kp and the progress callback.
template <typename Job>
void Frame(Job& job, const Context& ctx, const RatingMatrix& csr, const CscMatrix& csc,
           const float* user_values, const float* item_values, int k, int kp,
           Progress& progress) {
  job.device = ctx.ordinal;
  job.users = View(csr.indptr, csr.indices, user_values, csr.rows, csr.cols);
  job.items = View(csc.indptr, csc.indices, item_values, csc.cols, csc.rows);
  job.k = k;
  job.kp = kp;
  job.progress = &Progress::Call;
  job.progress_user = &progress;
}

template <typename Job, void (*mr_cuda_backend::*Op)(const Job*, mr_status*)>
void Run(const Job& job, const Progress& progress, const char* what) {
  mr_status status{};
  (cuda::Backend().*Op)(&job, &status);
  if (progress.error) std::rethrow_exception(progress.error);
  cuda::ThrowIfFailed(status, what);
}

// The CUDA iALS row solve holds a row in one thread per factor (src/cuda/ials.cu).
constexpr int kMaxIalsWidth = 256;

Context OnCpu(Context ctx) {
  ctx.device = DeviceKind::kCpu;
  return ctx;
}

// What the three trainers share: the context, and the CPU trainer of the same parameters, which
// checked them and serves FoldInUser.
class CudaTrainer : public FactorTrainer {
 public:
  CudaTrainer(const Context& ctx, std::unique_ptr<FactorTrainer> cpu)
      : ctx_(ctx), cpu_(std::move(cpu)) {}
  std::vector<float> FoldInUser(const FactorModel& model, const int32_t* items,
                                const float* ratings, int64_t count) const override {
    return cpu_->FoldInUser(model, items, ratings, count);
  }

 protected:
  int Threads() const { return cpu_factor::Threads(ctx_); }
  Context ctx_;

 private:
  std::unique_ptr<FactorTrainer> cpu_;
};

class CudaIalsTrainer final : public CudaTrainer {
 public:
  CudaIalsTrainer(const Context& ctx, const IalsParams& params)
      : CudaTrainer(ctx, MakeCpuIalsTrainer(OnCpu(ctx), params)), params_(params) {
    if (cpu_factor::PaddedWidth(params.factors) > kMaxIalsWidth) {
      throw UsageError("ials on the GPU takes at most " + std::to_string(kMaxIalsWidth) +
                       " factors (models.ials.factors is " + std::to_string(params.factors) +
                       "); use fewer, or --device cpu");
    }
  }

  FactorModel Train(const RatingMatrix& csr, const CscMatrix& csc,
                    const TrainOptions& options) override {
    cpu_ials_internal::IalsStart s =
        cpu_ials_internal::StartIals(params_, csr, csc, options.seed, Threads());
    Progress progress{"ials", params_.iterations, false, &options};
    mr_ials_job job{};
    Frame(job, ctx_, csr, csc, s.UserInputs(csr), s.ItemInputs(csc), params_.factors, s.kp,
          progress);
    job.iterations = params_.iterations;
    job.regularization = static_cast<float>(params_.regularization);
    job.alpha = static_cast<float>(params_.alpha);
    job.cg_steps = params_.solver == "cholesky" ? 0 : params_.cg_steps;
    job.x = s.x.data();
    job.y = s.y.data();
    Run<mr_ials_job, &mr_cuda_backend::train_ials>(job, progress, "ials training");
    return cpu_factor::PackModel("ials", csr, params_.factors, s.kp, std::move(s.x),
                                 std::move(s.y));
  }

 private:
  IalsParams params_;
};

class CudaAlsTrainer final : public CudaTrainer {
 public:
  CudaAlsTrainer(const Context& ctx, const AlsParams& params)
      : CudaTrainer(ctx, MakeCpuAlsTrainer(OnCpu(ctx), params)), params_(params) {}

  FactorModel Train(const RatingMatrix& csr, const CscMatrix& csc,
                    const TrainOptions& options) override {
    cpu_als_internal::AlsStart s =
        cpu_als_internal::StartAls(params_, csr, csc, options.seed, Threads());
    Progress progress{"als", params_.iterations, true, &options};
    mr_als_job job{};
    Frame(job, ctx_, csr, csc, csr.values.data(), csc.values.data(), params_.factors, s.kp,
          progress);
    job.iterations = params_.iterations;
    job.regularization = static_cast<float>(params_.regularization);
    job.biases = params_.biases ? 1 : 0;
    job.global_mean = s.mu;
    job.x = s.x.data();
    job.y = s.y.data();
    job.user_bias = params_.biases ? s.user_bias.data() : nullptr;
    job.item_bias = params_.biases ? s.item_bias.data() : nullptr;
    Run<mr_als_job, &mr_cuda_backend::train_als>(job, progress, "als training");
    FactorModel model =
        cpu_factor::PackModel("als", csr, params_.factors, s.kp, std::move(s.x), std::move(s.y));
    model.user_bias = std::move(s.user_bias);
    model.item_bias = std::move(s.item_bias);
    model.global_mean = s.mu;
    return model;
  }

 private:
  AlsParams params_;
};

class CudaSvdTrainer final : public CudaTrainer {
 public:
  CudaSvdTrainer(const Context& ctx, const SvdParams& params)
      : CudaTrainer(ctx, MakeCpuSvdTrainer(OnCpu(ctx), params)), params_(params) {}

  FactorModel Train(const RatingMatrix& csr, const CscMatrix& csc,
                    const TrainOptions& options) override {
    cpu_svd_internal::SvdStart s =
        cpu_svd_internal::StartSvd(params_, csr, csc, options.seed, Threads());
    Progress progress{"svd", params_.epochs, true, &options};
    mr_svd_job job{};
    Frame(job, ctx_, csr, csc, csr.values.data(), nullptr, params_.factors, s.kp, progress);
    job.epochs = params_.epochs;
    job.lr = static_cast<float>(params_.lr);
    job.reg = static_cast<float>(params_.reg);
    job.biased = params_.biased ? 1 : 0;
    job.global_mean = s.mu;
    job.seed = options.seed;
    job.p = s.p.data();
    job.q = s.q.data();
    job.user_bias = params_.biased ? s.user_bias.data() : nullptr;
    job.item_bias = params_.biased ? s.item_bias.data() : nullptr;
    Run<mr_svd_job, &mr_cuda_backend::train_svd>(job, progress, "svd training");
    return cpu_svd_internal::PackSvd(csr, csc, params_.factors, std::move(s));
  }

 private:
  SvdParams params_;
};

}  // namespace

std::unique_ptr<FactorTrainer> MakeCudaIalsTrainer(const Context& ctx, const IalsParams& params) {
  return std::make_unique<CudaIalsTrainer>(ctx, params);
}
std::unique_ptr<FactorTrainer> MakeCudaAlsTrainer(const Context& ctx, const AlsParams& params) {
  return std::make_unique<CudaAlsTrainer>(ctx, params);
}
std::unique_ptr<FactorTrainer> MakeCudaSvdTrainer(const Context& ctx, const SvdParams& params) {
  return std::make_unique<CudaSvdTrainer>(ctx, params);
}

}  // namespace movierec

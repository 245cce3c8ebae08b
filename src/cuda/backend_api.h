/* The C interface between the tool and its CUDA backend, a plugin library
 * (libmovierec_cuda.so) that the tool opens on first use (host/cuda_backend.cpp). Keeping the
 * CUDA runtime, cuBLAS and cuSOLVER in the plugin means a process that never touches a GPU, such
 * as a CPU `recommend`, never loads them.
 *
 * Plain C on purpose: the tool links its C++ runtime statically and the plugin has its own, so no
 * C++ object, exception or allocation crosses this line. Every call reports failure through an
 * mr_status (the plugin catches everything); arrays are host memory owned by the caller.
 *
 * Conventions shared by every job:
 *   - factor matrices are row-major with a padded stride kp (a multiple of 16 floats, padding
 *     columns zero on entry and kept zero), as the CPU trainers store them;
 *   - sparse matrices are compressed by row (the CSR of users x items, or the CSC viewed as
 *     items x users), 64-bit offsets, 32-bit column indexes ascending within a row;
 *   - progress, when not null, is called after each iteration from the calling thread. */
#ifndef MOVIEREC_CUDA_BACKEND_API_H
#define MOVIEREC_CUDA_BACKEND_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MR_CUDA_ABI_VERSION 1
#define MR_CUDA_ENTRY_SYMBOL "movierec_cuda_backend_v1"

typedef struct mr_status {
  int ok;               /* 1 on success */
  int out_of_memory;    /* 1 when the failure was a device allocation (the message says how much) */
  char message[1024];   /* why it failed, with the CUDA/cuBLAS/cuSOLVER status name and file:line */
} mr_status;

typedef struct mr_sparse {
  int64_t rows;
  int64_t cols;
  int64_t nnz;
  const int64_t* indptr;  /* rows + 1 */
  const int32_t* indices; /* nnz */
  const float* values;    /* nnz; may be null where a job says so */
} mr_sparse;

typedef struct mr_iteration {
  int iteration;     /* from 1 */
  double loss;       /* the trainer's objective after this iteration (as the CPU trainer's) */
  double train_rmse; /* 0 where the model has none (ials) */
  double seconds;    /* wall time of the iteration, synchronised */
} mr_iteration;

typedef void (*mr_progress_fn)(void* user, const mr_iteration* it);

/* Implicit ALS (host/cpu_ials.h has the model, the objective and the loss). users.values and
 * items.values hold the confidence inputs v (c = 1 + alpha * v), already log-scaled when the
 * configuration asks for it. */
typedef struct mr_ials_job {
  int device;
  mr_sparse users; /* users x items */
  mr_sparse items; /* items x users, the same entries */
  int k;
  int kp;
  int iterations;
  float regularization;
  float alpha;
  int cg_steps; /* >= 1: conjugate gradient, warm-started; 0: exact Cholesky per row */
  float* x;     /* users x kp: the initial factors in, the trained ones out */
  float* y;     /* items x kp */
  mr_progress_fn progress;
  void* progress_user;
} mr_ials_job;

/* Explicit ALS with weighted-lambda regularisation and optional biases (host/cpu_als.h). */
typedef struct mr_als_job {
  int device;
  mr_sparse users; /* ratings */
  mr_sparse items;
  int k;
  int kp;
  int iterations;
  float regularization;
  int biases;          /* 1: learn user and item biases */
  float global_mean;   /* mu, the mean of the training ratings */
  float* x;            /* users x kp in/out */
  float* y;            /* items x kp in/out */
  float* user_bias;    /* users, in/out (null when biases == 0) */
  float* item_bias;    /* items */
  mr_progress_fn progress;
  void* progress_user;
} mr_als_job;

/* SGD matrix factorisation with Surprise's SVD update (kernels/sgd.h, host/cpu_svd.h). */
typedef struct mr_svd_job {
  int device;
  mr_sparse users; /* ratings */
  mr_sparse items; /* only indptr is read: the item rating counts of the loss */
  int k;
  int kp;
  int epochs;
  float lr;
  float reg;
  int biased;
  float global_mean;
  uint64_t seed; /* the order in which blocks and ratings are visited */
  float* p;      /* users x kp in/out */
  float* q;      /* items x kp in/out */
  float* user_bias;
  float* item_bias;
  mr_progress_fn progress;
  void* progress_user;
} mr_svd_job;

/* All-user top-n (host/topn.h has the contract: exactly n unless fewer candidates, ties to the
 * lower item index, NaN never selected, rated and disallowed items excluded). */
typedef struct mr_topn_job {
  int device;
  const float* user_vectors; /* users x dim */
  int64_t users;
  const float* item_vectors; /* items x dim */
  int64_t items;
  int dim;
  const int64_t* exclude_indptr;  /* users + 1, or null: nothing excluded */
  const int32_t* exclude_indices;
  const uint8_t* item_allowed;    /* items, 0 = never; null: all */
  const uint8_t* user_active;     /* users, 0 = no list; null: all */
  int n;
  int32_t* out_items;  /* users x n, -1 past the count */
  float* out_scores;   /* users x n, NaN past the count */
  int32_t* out_counts; /* users */
} mr_topn_job;

typedef struct mr_cuda_backend {
  uint32_t abi_version; /* MR_CUDA_ABI_VERSION */
  /* Devices that answer; 0 with the reason when none (no device and no driver alike). */
  int (*device_count)(char* reason, size_t reason_size);
  /* "NVIDIA H100 80GB HBM3 (sm_90, 79.1 GiB)". */
  void (*describe_device)(int device, char* out, size_t out_size);
  void (*train_ials)(const mr_ials_job* job, mr_status* status);
  void (*train_als)(const mr_als_job* job, mr_status* status);
  void (*train_svd)(const mr_svd_job* job, mr_status* status);
  void (*score_topn)(const mr_topn_job* job, mr_status* status);
} mr_cuda_backend;

typedef const mr_cuda_backend* (*mr_cuda_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* MOVIEREC_CUDA_BACKEND_API_H */

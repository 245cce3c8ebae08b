#include "host/blas.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

#include "common/error.h"

namespace movierec::blas {
namespace {

// cblas.h's values, so this file needs no BLAS headers.
constexpr int kRowMajor = 101;
constexpr int kNoTrans = 111;
constexpr int kTrans = 112;

struct Library {
  void (*sgemm)(int, int, int, int, int, int, float, const float*, int, const float*, int, float,
                float*, int) = nullptr;
  void (*set_threads)(int) = nullptr;
  int (*get_threads)() = nullptr;
  int (*get_parallel)() = nullptr;
  char* (*get_config)() = nullptr;
  char* (*get_corename)() = nullptr;
  std::string description;
};

template <class F>
void Resolve(void* handle, const char* name, F& out) {
  out = reinterpret_cast<F>(dlsym(handle, name));
  if (!out) throw Error(std::string("OpenBLAS lacks ") + name);
}

const Library& Lib() {
  static Library lib;
  static std::once_flag once;
  std::call_once(once, [] {
    void* h = nullptr;
    for (const char* name : {"libopenblas.so.0", "libopenblas.so"}) {
      h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
      if (h) break;
    }
    if (!h) {
      throw Error(std::string("cannot load OpenBLAS (libopenblas.so.0): ") + dlerror() +
                  "; install it with scripts/install_deps.sh (libopenblas-openmp-dev)");
    }
    Resolve(h, "cblas_sgemm", lib.sgemm);
    Resolve(h, "openblas_set_num_threads", lib.set_threads);
    Resolve(h, "openblas_get_num_threads", lib.get_threads);
    Resolve(h, "openblas_get_parallel", lib.get_parallel);
    Resolve(h, "openblas_get_config", lib.get_config);
    Resolve(h, "openblas_get_corename", lib.get_corename);
    lib.description = std::string(lib.get_config()) + " (core " + lib.get_corename() + ")";
  });
  return lib;
}

}  // namespace

void Sgemm(Transpose ta, Transpose tb, int m, int n, int k, float alpha, const float* a, int lda,
           const float* b, int ldb, float beta, float* c, int ldc) {
  Lib().sgemm(kRowMajor, ta == Transpose::kYes ? kTrans : kNoTrans,
              tb == Transpose::kYes ? kTrans : kNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c,
              ldc);
}

void SetThreads(int threads) { Lib().set_threads(threads); }
int Threads() { return Lib().get_threads(); }
int Parallel() { return Lib().get_parallel(); }
const char* Describe() { return Lib().description.c_str(); }

}  // namespace movierec::blas

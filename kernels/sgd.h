// Biased matrix factorisation trained by SGD ("SVD" of the Netflix prize, Koren, Bell & Volinsky
// 2009 eq. 5), with exactly the update of the Surprise library's SVD.sgd
// (surprise/prediction_algorithms/matrix_factorization.pyx), for one rating (u, i, r):
//
//   dot = Σ_f qi[f] * pu[f]                      (factors before this step)
//   err = r - (μ + bu + bi + dot)                (computed once, before any update)
//   if biased:  bu += lr_bu * (err - reg_bu * bu)
//               bi += lr_bi * (err - reg_bi * bi)
//   for f:      puf = pu[f]; qif = qi[f]          (both OLD values)
//               pu[f] += lr_pu * (err * qif - reg_pu * puf)
//               qi[f] += lr_qi * (err * puf - reg_qi * qif)
//
// The same err (from before the bias updates) drives both bias and factor updates, and qi's
// update uses the old pu[f]. When not biased, Surprise sets μ = 0 and never touches the biases;
// here the biases are then neither read nor written (bu/bi may be null).
// Surprise's defaults are lr = 0.005 and reg = 0.02 for all four parameters.
//
// Prediction (Surprise's SVD.estimate + AlgoBase.predict): est = μ + bu + bi + qi·pu, then clipped
// to the rating scale as min(hi, est) followed by max(lo, ·). Unknown users/items contribute zero
// bias and no dot product (Surprise's rule): pass 0 biases and k = 0 (or zero vectors).
//
// T is float or double (Surprise runs in double). The dot product uses the lane reductions of
// kernels/vec.h (float lanes for float, double lanes for double); everything else is in T.
#pragma once

#include "kernels/host_device.h"
#include "kernels/vec.h"

namespace movierec::kernels {

template <typename T>
struct SgdParams {
  T lr_bu, lr_bi, lr_pu, lr_qi;
  T reg_bu, reg_bi, reg_pu, reg_qi;
};

// Surprise's lr_all / reg_all.
template <typename T>
MOVIEREC_HD SgdParams<T> UniformSgdParams(T lr, T reg) {
  return SgdParams<T>{lr, lr, lr, lr, reg, reg, reg, reg};
}

MOVIEREC_HD_HOT float FactorDot(const float* a, const float* b, int k) { return Dot(a, b, k); }
MOVIEREC_HD_HOT double FactorDot(const double* a, const double* b, int k) { return DotDouble(a, b, k); }

// μ + bu + bi + qi·pu, summed in that order (unclipped).
template <typename T>
MOVIEREC_HD T PredictRating(T global_mean, T bu, T bi, const T* pu, const T* qi, int k) {
  return global_mean + bu + bi + FactorDot(qi, pu, k);
}

// min(hi, est) then max(lo, ·), as Surprise's AlgoBase.predict; a NaN estimate becomes hi.
template <typename T>
MOVIEREC_HD T ClipRating(T est, T lo, T hi) {
  const T v = est < hi ? est : hi;
  return v > lo ? v : lo;
}

// The step's pieces, shared with the CUDA sweep (src/cuda/svd.cu), which splits the k columns of
// a step across a warp's lanes: one bias, and one factor column updated from BOTH old values.
template <typename T>
MOVIEREC_HD_HOT T SgdBiasUpdate(T b, T err, T lr, T reg) {
  return b + lr * (err - reg * b);
}
template <typename T>
MOVIEREC_HD_HOT void SgdFactorUpdate(T& pf, T& qf, T err, T lr_pu, T lr_qi, T reg_pu, T reg_qi) {
  const T puf = pf;
  const T qif = qf;
  pf = puf + lr_pu * (err * qif - reg_pu * puf);
  qf = qif + lr_qi * (err * puf - reg_qi * qif);
}

// One SGD step on rating r (see the header comment). pu and qi (k factors each) must not overlap.
// Returns err, the residual before the step.
template <typename T>
MOVIEREC_HD_HOT T SgdStep(T rating, T global_mean, T* bu, T* bi, T* __restrict__ pu, T* __restrict__ qi,
                      int k, const SgdParams<T>& p, bool biased) {
  const T dot = FactorDot(qi, pu, k);
  T err;
  if (biased) {
    err = rating - (global_mean + *bu + *bi + dot);
    *bu = SgdBiasUpdate(*bu, err, p.lr_bu, p.reg_bu);
    *bi = SgdBiasUpdate(*bi, err, p.lr_bi, p.reg_bi);
  } else {
    err = rating - dot;  // Surprise: global_mean = 0, biases stay 0
  }
  const T lr_pu = p.lr_pu, lr_qi = p.lr_qi, reg_pu = p.reg_pu, reg_qi = p.reg_qi;
  for (int f = 0; f < k; ++f) SgdFactorUpdate(pu[f], qi[f], err, lr_pu, lr_qi, reg_pu, reg_qi);
  return err;
}

}  // namespace movierec::kernels

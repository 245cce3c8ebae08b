#!/usr/bin/env python3
"""Peer: implicit's CPU AlternatingLeastSquares (iALS, Hu-Koren-Volinsky, CG solver) on a movierec
rating matrix, trained on the per-user time split and evaluated with top-K metrics.

Confidence. implicit 0.7.3 (implicit/cpu/als.py + _als.pyx) multiplies the input matrix by its
own `alpha` (only when alpha != 1) and then uses each stored value c directly as the confidence
C_ui = c with preference P_ui = 1 (the solver builds A = Y^T Y + reg*I + sum (c-1) y y^T,
b = sum c*y). So implicit's native model is C = alpha*r, not 1 + alpha*r. To give implicit the
confidence our iALS uses, C = 1 + alpha*r, this script stores 1 + alpha*r in the matrix and
constructs the model with alpha=1.0 (so implicit does not scale again). --confidence native
passes r and implicit's alpha instead (C = alpha*r).

Regularisation: plain reg * I added to Y^T Y (not scaled by the user's or item's count).
Initialisation: np.random.default_rng(seed).random((users, k), float32) * 0.01, then the same for
items (uniform [0, 0.01)). CG: warm-started from the previous factors, cg_steps steps per solve
(implicit's default 3). One iteration = solve all users, then all items.

Timing: a 1-iteration warm-up fit on a small slice first (OpenMP pool start, page faults of the
code), then the real fit; per-iteration seconds come from implicit's fit callback (both half
steps, no loss computation unless --loss). BLAS is limited to 1 thread during the fit, as implicit
asks (its OpenMP prange does the parallelism with --threads threads).

Example:
  python bench/peers/implicit_als.py /tmp/peerdata-small/peer.db.matrix --factors 64 \
      --regularization 0.01 --alpha 1.0 --iterations 15 --threads 2 --out /tmp/als.json
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def parse_split(text: str):
    kind, _, arg = text.partition(":")
    if kind == "time" and arg.startswith("last="):
        return ("time", None, int(arg[5:]))
    if kind in ("time", "random"):
        return (kind, float(arg), None)
    raise SystemExit(f"--split {text!r}: expected time:F, time:last=N or random:F")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("matrix", help="<db>.matrix folder (or the db path)")
    p.add_argument("--factors", type=int, default=64)
    p.add_argument("--regularization", type=float, default=0.01)
    p.add_argument("--alpha", type=float, default=1.0)
    p.add_argument("--iterations", type=int, default=15)
    p.add_argument("--cg-steps", type=int, default=3, help="CG steps per solve (implicit's cg_steps)")
    p.add_argument("--solver", choices=["cg", "cholesky"], default="cg")
    p.add_argument("--confidence", choices=["1+alpha*r", "native"], default="1+alpha*r")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=42, help="implicit's random_state (factor init)")
    p.add_argument("--split", default="time:0.2", help="time:F | time:last=N | random:F")
    p.add_argument("--split-seed", type=int, default=42, help="seed of a random:F split")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--block", type=int, default=2048, help="users per block in top-K scoring")
    p.add_argument("--loss", action="store_true",
                   help="compute implicit's training loss each iteration (inflates the timing)")
    p.add_argument("--check-implicit-metrics", action="store_true",
                   help="also run implicit.evaluation.ranking_metrics_at_k as a cross-check")
    p.add_argument("--save", metavar="DIR",
                   help="write user_factors.npy, item_factors.npy, test_mask.npy there")
    p.add_argument("--verify", action="store_true", help="check the matrix files' CRC-32")
    p.add_argument("--out", "--output", dest="out", help="also write the JSON here")
    a = p.parse_args(argv)

    from threadpoolctl import threadpool_limits
    import implicit
    from implicit.cpu.als import AlternatingLeastSquares

    t0 = time.perf_counter()
    data = common.load_matrix(a.matrix, verify=a.verify)
    load_s = time.perf_counter() - t0

    kind, frac, last_n = parse_split(a.split)
    t0 = time.perf_counter()
    mask = (common.time_split(data, frac, last_n) if kind == "time"
            else common.random_split(data, frac, a.split_seed))
    train, test = common.split_train_test(data, mask)
    split_s = time.perf_counter() - t0

    conf = train.copy()
    if a.confidence == "1+alpha*r":
        conf.data = (1.0 + a.alpha * conf.data).astype(np.float32)
        model_alpha = 1.0
    else:
        model_alpha = a.alpha

    def make(iterations):
        m = AlternatingLeastSquares(factors=a.factors, regularization=a.regularization,
                                    alpha=model_alpha, dtype=np.float32, use_cg=a.solver == "cg",
                                    iterations=iterations, calculate_training_loss=a.loss,
                                    num_threads=a.threads, random_state=a.seed)
        m.cg_steps = a.cg_steps
        return m

    per_iter, losses, cpu_marks = [], [], []

    def callback(iteration, elapsed, loss):
        cpu_marks.append(time.process_time())
        per_iter.append(elapsed)
        losses.append(loss)

    with threadpool_limits(1, "blas"):
        warm = make(1)
        warm.fit(conf[: min(conf.shape[0], 2000)], show_progress=False)
        model = make(a.iterations)
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        model.fit(conf, show_progress=False, callback=callback)
        fit_s = time.perf_counter() - t0
    # CPU seconds (all threads) between consecutive callbacks; the first includes the transpose
    # and init. Less sensitive than wall time to other work on a shared machine.
    cpu_per_iter = list(np.diff([cpu0] + cpu_marks))

    U = np.ascontiguousarray(model.user_factors)
    V = np.ascontiguousarray(model.item_factors)
    users = np.nonzero(np.diff(test.indptr))[0]
    with threadpool_limits(a.threads, "blas"):
        t0 = time.perf_counter()
        top = common.topn(U, V, train, a.k, a.block, rows=users)
        topn_s = time.perf_counter() - t0
    metrics = common.ranking_metrics(top, users, test, a.k)

    result = {
        "peer": "implicit.cpu.als.AlternatingLeastSquares",
        "implicit_version": implicit.__version__,
        "machine": common.machine_info(),
        "data": common.RatingData.describe(data),
        "config": {
            "factors": a.factors, "regularization": a.regularization, "alpha": a.alpha,
            "confidence": "C = 1 + alpha*r (matrix holds 1+alpha*r, model alpha=1.0)"
            if a.confidence == "1+alpha*r" else "C = alpha*r (implicit native)",
            "iterations": a.iterations, "solver": a.solver, "cg_steps": a.cg_steps,
            "num_threads": a.threads, "random_state": a.seed, "dtype": "float32",
            "split": a.split, "split_seed": a.split_seed if kind == "random" else None,
            "k": a.k, "topn_block": a.block, "blas_threads_during_fit": 1,
        },
        "split": {"train_nnz": int(train.nnz), "test_nnz": int(test.nnz),
                  "test_users": int(len(users))},
        "timing_s": {
            "load": round(load_s, 4), "split": round(split_s, 4), "fit_total": round(fit_s, 4),
            "per_iteration": [round(x, 4) for x in per_iter],
            "per_iteration_mean": float(np.mean(per_iter)),
            "per_iteration_median": float(np.median(per_iter)),
            "per_iteration_min": float(np.min(per_iter)),
            "per_iteration_mean_excl_first": float(np.mean(per_iter[1:]))
            if len(per_iter) > 1 else None,
            "fit_overhead_outside_iterations": round(fit_s - float(np.sum(per_iter)), 4),
            "cpu_per_iteration": [round(float(x), 4) for x in cpu_per_iter],
            "cpu_per_iteration_median": float(np.median(cpu_per_iter)),
            "topn_eval_users": round(topn_s, 4),
        },
        "metrics": metrics,
    }
    if a.loss:
        result["training_loss"] = [float(x) for x in losses]

    if a.check_implicit_metrics:
        from implicit.evaluation import ranking_metrics_at_k
        t0 = time.perf_counter()
        ref = ranking_metrics_at_k(model, train, test, K=a.k, show_progress=False,
                                   num_threads=a.threads)
        result["implicit_ranking_metrics_at_k"] = {k: float(v) for k, v in ref.items()}
        result["timing_s"]["implicit_ranking_metrics_at_k"] = round(time.perf_counter() - t0, 4)

    if a.save:
        os.makedirs(a.save, exist_ok=True)
        np.save(os.path.join(a.save, "user_factors.npy"), U)
        np.save(os.path.join(a.save, "item_factors.npy"), V)
        np.save(os.path.join(a.save, "test_mask.npy"), mask)
        result["saved"] = os.path.abspath(a.save)

    common.emit(result, a.out)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Peer: all-user top-K scoring in numpy, with a plain sgemm of the same shape for reference.

Given seeded random factors U (users x k) and V (items x k), float32, for every block of users:
S = U_b @ V.T (OpenBLAS sgemm), S[u, items u already rated] = -inf (from the CSR), then
np.argpartition for the top K and a sort of those K (score descending, ties by ascending item id).
Every row of the matrix is scored, vacant ones included.

--select threshold swaps the argpartition for common.topn_block_threshold (exact, same lists,
ties by id at every place; about 3x faster in numpy), a stronger numpy peer.

Two ways to use the cores:
  --workers 1 (default): blocks one after another; BLAS runs --threads threads inside sgemm, the
                         masking and selection run on one core.
  --workers N > 1:       N Python threads each take whole blocks, BLAS limited to 1 thread;
                         numpy releases the GIL in sgemm, argpartition and the sorts.
Prints seconds (best of --repeats), users/s, the effective GFLOP/s (2*users*items*k / seconds),
a per-phase breakdown (one extra pass on one worker, BLAS threads as in the mode), and the
GFLOP/s of the plain sgemm over the same blocks (np.matmul into a preallocated buffer, same BLAS
threads), best of --repeats.

U and V: rng = np.random.default_rng(seed); U = rng.standard_normal((users, k), float32) * scale,
then V the same shape for items. --save DIR writes U.npy, V.npy and topk.npy (int32 users x K),
so another implementation can score the same factors and compare the lists.

Example:
  python bench/peers/numpy_topn.py /tmp/peerdata-small/peer.db.matrix --factors 64 --k 10 \
      --block 2048 --threads 2 --out /tmp/topn.json
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def score_blocks(U, Vt, csr, k, block, out, workers, phases=None, select=common.topn_block):
    users = U.shape[0]
    starts = list(range(0, users, block))
    indptr = np.asarray(csr.indptr, dtype=np.int64) if csr is not None else None

    def one(b0):
        b1 = min(b0 + block, users)
        t0 = time.perf_counter()
        S = U[b0:b1] @ Vt
        t1 = time.perf_counter()
        if csr is not None:
            p0, p1 = indptr[b0], indptr[b1]
            rows = np.repeat(np.arange(b1 - b0), np.diff(indptr[b0:b1 + 1]))
            S[rows, csr.indices[p0:p1]] = -np.inf
        t2 = time.perf_counter()
        out[b0:b1] = select(S, k)
        t3 = time.perf_counter()
        if phases is not None:
            phases["sgemm"] += t1 - t0
            phases["mask"] += t2 - t1
            phases["select_and_sort"] += t3 - t2

    if workers <= 1:
        for b0 in starts:
            one(b0)
    else:
        with ThreadPoolExecutor(workers) as ex:
            list(ex.map(one, starts))


def sgemm_blocks(U, Vt, block, workers):
    users = U.shape[0]
    starts = list(range(0, users, block))

    def one(b0, buf):
        b1 = min(b0 + block, users)
        np.matmul(U[b0:b1], Vt, out=buf[: b1 - b0])

    if workers <= 1:
        buf = np.empty((block, Vt.shape[1]), dtype=U.dtype)
        for b0 in starts:
            one(b0, buf)
    else:
        bufs = [np.empty((block, Vt.shape[1]), dtype=U.dtype) for _ in range(workers)]
        chunks = [starts[i::workers] for i in range(workers)]

        def run(i):
            for b0 in chunks[i]:
                one(b0, bufs[i])

        with ThreadPoolExecutor(workers) as ex:
            list(ex.map(run, range(workers)))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("matrix", help="<db>.matrix folder (or the db path)")
    p.add_argument("--factors", type=int, default=64)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--block", type=int, default=2048, help="users per block")
    p.add_argument("--threads", type=int, default=2, help="BLAS threads (with --workers 1)")
    p.add_argument("--workers", type=int, default=1, help="Python threads over blocks")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--scale", type=float, default=0.1, help="factor std deviation")
    p.add_argument("--select", choices=["argpartition", "threshold"], default="argpartition",
                   help="argpartition: np.argpartition + sort of the k (common.topn_block); "
                        "threshold: chunk-maxima lower bound, sort the few candidates "
                        "(common.topn_block_threshold, exact, ~3x faster in numpy)")
    p.add_argument("--no-mask", action="store_true", help="do not mask already-rated items")
    p.add_argument("--repeats", type=int, default=3, help="timed runs; the best is reported")
    p.add_argument("--save", metavar="DIR", help="write U.npy, V.npy, topk.npy there")
    p.add_argument("--out", "--output", dest="out", help="also write the JSON here")
    a = p.parse_args(argv)

    from threadpoolctl import threadpool_limits

    data = common.load_matrix(a.matrix)
    users, items = data.shape
    rng = np.random.default_rng(a.seed)
    U = rng.standard_normal((users, a.factors), dtype=np.float32) * np.float32(a.scale)
    V = rng.standard_normal((items, a.factors), dtype=np.float32) * np.float32(a.scale)
    Vt = np.ascontiguousarray(V.T)
    csr = None if a.no_mask else data.csr
    top = np.empty((users, a.k), dtype=np.int32)
    flops = 2.0 * users * items * a.factors
    blas_threads = a.threads if a.workers <= 1 else 1

    select = common.topn_block if a.select == "argpartition" else common.topn_block_threshold
    with threadpool_limits(blas_threads, "blas"):
        score_blocks(U[: min(users, a.block)], Vt, csr, a.k, a.block, top, 1, None, select)
        runs, cpu_runs = [], []
        for _ in range(a.repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            score_blocks(U, Vt, csr, a.k, a.block, top, a.workers, None, select)
            runs.append(time.perf_counter() - t0)
            cpu_runs.append(time.process_time() - c0)
        phases = {"sgemm": 0.0, "mask": 0.0, "select_and_sort": 0.0}
        t0 = time.perf_counter()
        score_blocks(U, Vt, csr, a.k, a.block, top, 1, phases, select)
        phases["total_single_worker"] = time.perf_counter() - t0
        gemm_runs = []
        for _ in range(a.repeats):
            t0 = time.perf_counter()
            sgemm_blocks(U, Vt, a.block, a.workers)
            gemm_runs.append(time.perf_counter() - t0)
        # One block-shaped sgemm repeated, for the kernel's own rate on this shape.
        b = min(a.block, users)
        buf = np.empty((b, items), dtype=np.float32)
        reps = max(1, users // b)
        t0 = time.perf_counter()
        for _ in range(reps):
            np.matmul(U[:b], Vt, out=buf)
        one_block_s = (time.perf_counter() - t0) / reps

    best, gbest = min(runs), min(gemm_runs)
    result = {
        "peer": "numpy blocked matmul + argpartition top-K",
        "machine": common.machine_info(),
        "data": common.RatingData.describe(data),
        "config": {"factors": a.factors, "k": a.k, "block": a.block, "workers": a.workers,
                   "select": a.select,
                   "blas_threads": blas_threads, "seed": a.seed, "scale": a.scale,
                   "mask_rated": not a.no_mask, "dtype": "float32", "repeats": a.repeats},
        "topn": {
            "seconds": round(best, 4), "runs_s": [round(x, 4) for x in runs],
            "cpu_s_all_threads": [round(x, 4) for x in cpu_runs],
            "users_per_s": round(users / best, 1),
            "effective_gflops": round(flops / best / 1e9, 2),
            "phases_single_worker_s": {k: round(v, 4) for k, v in phases.items()},
        },
        "sgemm_reference": {
            "shape": f"{users} x {items} x {a.factors} in blocks of {a.block} users",
            "seconds": round(gbest, 4), "runs_s": [round(x, 4) for x in gemm_runs],
            "gflops": round(flops / gbest / 1e9, 2),
            "one_block_shape": f"{b} x {items} x {a.factors}",
            "one_block_gflops": round(2.0 * b * items * a.factors / one_block_s / 1e9, 2),
        },
    }
    if a.save:
        os.makedirs(a.save, exist_ok=True)
        np.save(os.path.join(a.save, "U.npy"), U)
        np.save(os.path.join(a.save, "V.npy"), V)
        np.save(os.path.join(a.save, "topk.npy"), top)
        result["saved"] = os.path.abspath(a.save)
    common.emit(result, a.out)


if __name__ == "__main__":
    main()

"""Shared helpers for the peer benchmarks (bench/peers/*.py).

- load_matrix(folder): the `<db>.matrix/` folder movierec writes (src/io/matrix_files.h) as a
  scipy CSR (users x movies, float32 ratings) plus the timestamps aligned with its entries.
- time_split / random_split: the per-user splits of src/etl/splits.cpp, reproduced exactly
  (time:F with ties by movie index; random:F with movierec's per-user splitmix64 streams).
- topn(): all-user top-K by blocked numpy matmul with the already-rated items masked.
- ranking_metrics(): implicit 0.7.3's ranking_metrics_at_k (precision, map, ndcg, auc) computed
  from a top-K list, plus textbook precision@K, recall@K and hit rate@K.

Only numpy, scipy and the standard library are needed here.
"""

from __future__ import annotations

import json
import os
import platform
import time
import zlib
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

VACANT_ID = np.iinfo(np.int64).min


# --------------------------------------------------------------------------------------------
# Loading


@dataclass
class RatingData:
    csr: sp.csr_matrix  # users x movies, float32 ratings, indices ascending within a row
    timestamps: np.ndarray  # int64 unix seconds, aligned with csr.data
    user_ids: np.ndarray  # int64 external ids per row (VACANT_ID = vacant)
    movie_ids: np.ndarray  # int64 external ids per column (VACANT_ID = vacant)
    folder: str
    manifest: dict

    @property
    def shape(self):
        return self.csr.shape

    @property
    def nnz(self):
        return self.csr.nnz

    def describe(self) -> dict:
        rows_used = int(np.count_nonzero(np.diff(self.csr.indptr)))
        cols_used = int(np.count_nonzero(np.bincount(self.csr.indices, minlength=self.shape[1])))
        return {
            "folder": os.path.abspath(self.folder),
            "rows": int(self.shape[0]),
            "cols": int(self.shape[1]),
            "nnz": int(self.nnz),
            "users_with_ratings": rows_used,
            "movies_with_ratings": cols_used,
            "manifest_created": self.manifest.get("created"),
        }


def load_matrix(folder: str, verify: bool = False) -> RatingData:
    """Loads `<db>.matrix/` (or the database path itself: '.matrix' is appended when `folder` is
    not a directory holding csr_indptr.npy). verify=True checks each file's CRC-32 against
    manifest.json, as movierec does on load."""
    if not os.path.exists(os.path.join(folder, "csr_indptr.npy")):
        if os.path.isdir(folder + ".matrix"):
            folder = folder + ".matrix"
        else:
            raise FileNotFoundError(f"{folder}: no csr_indptr.npy (expected a <db>.matrix folder)")
    with open(os.path.join(folder, "manifest.json")) as f:
        manifest = json.load(f)
    if verify:
        for name, info in manifest.get("files", {}).items():
            crc = 0
            with open(os.path.join(folder, name), "rb") as f:
                while chunk := f.read(1 << 24):
                    crc = zlib.crc32(chunk, crc)
            if crc != info["crc32"]:
                raise ValueError(f"{folder}/{name}: CRC-32 {crc} != manifest {info['crc32']}")

    def load(name, dtype):
        a = np.load(os.path.join(folder, name))
        if a.dtype != np.dtype(dtype):
            raise ValueError(f"{folder}/{name}: dtype {a.dtype}, expected {dtype}")
        return a

    indptr = load("csr_indptr.npy", np.int64)
    indices = load("csr_indices.npy", np.int32)
    values = load("csr_values.npy", np.float32)
    timestamps = load("csr_timestamps.npy", np.int64)
    user_ids = load("user_ids.npy", np.int64)
    movie_ids = load("movie_ids.npy", np.int64)
    rows, cols = len(user_ids), len(movie_ids)
    nnz = len(indices)
    if len(indptr) != rows + 1 or indptr[0] != 0 or indptr[-1] != nnz:
        raise ValueError(f"{folder}: csr_indptr.npy inconsistent with the other arrays")
    if len(values) != nnz or len(timestamps) != nnz:
        raise ValueError(f"{folder}: csr_values/csr_timestamps length != nnz")
    # int32 index arrays when they fit (what implicit and most scipy code expect).
    if nnz < np.iinfo(np.int32).max:
        indptr = indptr.astype(np.int32)
    csr = sp.csr_matrix((values, indices, indptr), shape=(rows, cols), copy=False)
    csr.has_sorted_indices = True  # guaranteed by the writer (ascending within a row)
    return RatingData(csr, timestamps, user_ids, movie_ids, folder, manifest)


# --------------------------------------------------------------------------------------------
# Splits (src/etl/splits.cpp)


def holdout_counts(counts: np.ndarray, fraction: float | None = None,
                   last_n: int | None = None) -> np.ndarray:
    """HoldoutCount() per user: 0 for n < 2; time:last=N -> min(N, n-1); otherwise
    floor(F*n + 0.5) (round half up, NOT Python's round-half-even) clamped to [1, n-1]."""
    counts = np.asarray(counts, dtype=np.int64)
    if last_n is not None:
        h = np.minimum(np.int64(last_n), counts - 1)
    else:
        h = np.floor(fraction * counts.astype(np.float64) + 0.5).astype(np.int64)
        h = np.clip(h, 1, np.maximum(counts - 1, 1))
    h[counts < 2] = 0
    return h


def _row_of_entry(indptr: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(len(indptr) - 1, dtype=np.int64), np.diff(indptr))


def time_split(data: RatingData, fraction: float = 0.2, last_n: int | None = None) -> np.ndarray:
    """movierec's time:F (or time:last=N) split. Returns a bool mask over the CSR entries,
    True = test. For each user with n >= 2 ratings the latest h (holdout_counts) go to test,
    "latest" ordered by (timestamp, movie index): at equal timestamps the higher movie index is
    the later one, as in AssignSplit's `earlier` comparator."""
    indptr = np.asarray(data.csr.indptr, dtype=np.int64)
    counts = np.diff(indptr)
    h = holdout_counts(counts, fraction, last_n)
    row = _row_of_entry(indptr)
    # Sort by (row, timestamp, movie index). Indices already ascend within a row, so a stable
    # sort on (row, timestamp) packed into one int64 keeps ties in movie-index order.
    ts = data.timestamps
    span = int(ts.max()) - int(ts.min()) + 1 if len(ts) else 1
    if len(ts) and span.bit_length() + max(1, (len(counts)).bit_length()) <= 62:
        key = (row << span.bit_length()) | (ts - ts.min())
        order = np.argsort(key, kind="stable")
    else:
        order = np.lexsort((data.csr.indices, ts, row))
    rank = np.arange(len(order), dtype=np.int64) - indptr[row[order]]  # position within its row
    mask = np.zeros(len(order), dtype=bool)
    mask[order] = rank >= (counts - h)[row[order]]
    return mask


_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _mix64(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def random_split(data: RatingData, fraction: float = 0.2, seed: int = 42) -> np.ndarray:
    """movierec's random:F split with `seed` (bit-identical to AssignSplit): each user with
    n >= 2 ratings gets its own splitmix64 stream, state = mix64(seed ^ mix64(row +
    0x632be59bd9b4e019)), next() = mix64(state += 0x9e3779b97f4a7c15), below(b) = next() % b;
    a partial Fisher-Yates over the user's entry positions picks the first h as test.
    Vectorised over users: step i draws for every user with h > i at once."""
    indptr = np.asarray(data.csr.indptr, dtype=np.int64)
    counts = np.diff(indptr)
    h = holdout_counts(counts, fraction)
    users = np.nonzero(h > 0)[0]
    order = np.arange(data.nnz, dtype=np.int64)  # order[k0 .. k0+n) is the user's `order`
    mask = np.zeros(data.nnz, dtype=bool)
    with np.errstate(over="ignore"):
        state = _mix64(np.uint64(seed) ^ _mix64(users.astype(np.uint64) +
                                                np.uint64(0x632BE59BD9B4E019)))
        k0 = indptr[users]
        n = counts[users]
        hu = h[users]
        i = 0
        while len(users):
            state = state + np.uint64(0x9E3779B97F4A7C15)
            j = i + (_mix64(state) % (n - i).astype(np.uint64)).astype(np.int64)
            a, b = k0 + i, k0 + j
            oa, ob = order[a], order[b]
            order[a], order[b] = ob, oa
            mask[ob] = True
            i += 1
            keep = hu > i
            if not keep.all():
                state, k0, n, hu, users = state[keep], k0[keep], n[keep], hu[keep], users[keep]
    return mask


def subset(csr: sp.csr_matrix, keep: np.ndarray) -> sp.csr_matrix:
    """The entries of `csr` where keep is True, same shape (CSR order preserved)."""
    row = _row_of_entry(np.asarray(csr.indptr, dtype=np.int64))
    counts = np.bincount(row[keep], minlength=csr.shape[0])
    indptr = np.zeros(csr.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    if indptr[-1] < np.iinfo(np.int32).max:
        indptr = indptr.astype(np.int32)
    out = sp.csr_matrix((csr.data[keep], csr.indices[keep], indptr), shape=csr.shape, copy=False)
    out.has_sorted_indices = True
    return out


def split_train_test(data: RatingData, test_mask: np.ndarray):
    return subset(data.csr, ~test_mask), subset(data.csr, test_mask)


# --------------------------------------------------------------------------------------------
# Top-N


def topn_block(scores: np.ndarray, k: int) -> np.ndarray:
    """Top-k column ids per row of a float32 score block, best first; equal scores among the k
    chosen are ordered by ascending id (argpartition itself picks arbitrarily among scores tied
    at the k-th place, which real-valued factor scores practically never produce)."""
    part = np.argpartition(scores, -k, axis=1)[:, -k:]
    top_scores = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -top_scores), axis=1)
    return np.take_along_axis(part, order, axis=1)


def topn_block_threshold(scores: np.ndarray, k: int, chunk: int = 256) -> np.ndarray:
    """Same result as topn_block (exact, ties by ascending id, also at the k-th place), faster
    in numpy: the k-th largest of the per-chunk maxima (chunks of `chunk` columns) is a lower
    bound on each row's k-th largest score, so only the scores >= it (a few dozen per row) are
    sorted. Falls back to topn_block when a row has fewer than k chunks."""
    b, n = scores.shape
    nc = n // chunk
    if nc < k:
        return topn_block(scores, k)
    cmax = scores[:, : nc * chunk].reshape(b, nc, chunk).max(axis=2)
    bound = np.partition(cmax, -k, axis=1)[:, -k]
    r, c = np.nonzero(scores >= bound[:, None])
    order = np.lexsort((c, -scores[r, c], r))
    c = c[order]
    start = np.searchsorted(r[order], np.arange(b))
    return c[start[:, None] + np.arange(k)].astype(np.int32)


def topn(U: np.ndarray, V: np.ndarray, exclude: sp.csr_matrix | None, k: int = 10,
         block: int = 2048, rows: np.ndarray | None = None, select=None) -> np.ndarray:
    """Top-k items for each user (or for the users in `rows`): blocked S = U_b @ V.T in float32,
    the user's `exclude` items set to -inf, then `select` (default topn_block_threshold).
    Returns int32 (n, k)."""
    select = select or topn_block_threshold
    rows = np.arange(U.shape[0]) if rows is None else np.asarray(rows)
    out = np.empty((len(rows), k), dtype=np.int32)
    Vt = np.ascontiguousarray(V.T)
    for b0 in range(0, len(rows), block):
        r = rows[b0:b0 + block]
        contiguous = len(r) > 0 and r[-1] - r[0] == len(r) - 1
        Ub = U[r[0]:r[-1] + 1] if contiguous else U[r]
        S = Ub @ Vt
        if exclude is not None:
            sub = exclude[r[0]:r[-1] + 1] if contiguous else exclude[r]
            S[_row_of_entry(np.asarray(sub.indptr, dtype=np.int64)), sub.indices] = -np.inf
        out[b0:b0 + len(r)] = select(S, k)
    return out


# --------------------------------------------------------------------------------------------
# Metrics


def ranking_metrics(top: np.ndarray, users: np.ndarray, test: sp.csr_matrix, k: int) -> dict:
    """Metrics of top-k lists `top` (n x k item ids) for `users` against `test` (CSR).

    Users without test items are skipped (implicit does the same). implicit 0.7.3's
    ranking_metrics_at_k (evaluation.pyx) definitions, reproduced exactly:
      precision = sum_u hits_u / sum_u min(k, |T_u|)   (micro-averaged, capped denominator:
                                                        NOT the textbook P@k)
      map       = mean_u sum_{i<k, hit} (hits up to i) / (i + 1) / min(k, |T_u|)
      ndcg      = mean_u sum_{i<k, hit} 1/log2(i+2) / sum_{j<min(k,|T_u|)} 1/log2(j+2)
      auc       = mean_u [sum_{misses} hits_before + (hits+|T_u|)/2 * (n_items-|T_u|-misses)]
                         / (|T_u| * (n_items - |T_u|))
    and, textbook, each averaged over the same users:
      precision_at_k = hits_u / k,  recall_at_k = hits_u / |T_u|,  hit_rate = [hits_u > 0].
    """
    test = test.tocsr()
    test.sort_indices()
    n_items = test.shape[1]
    tptr = np.asarray(test.indptr, dtype=np.int64)
    n_test = np.diff(tptr)[users]
    keep = n_test > 0
    users, top, n_test = users[keep], top[keep], n_test[keep]
    if len(users) == 0:
        raise ValueError("no user has test items")
    # hits[u, i] = top[u, i] in T_u, by binary search on global keys row * n_items + item
    test_keys = _row_of_entry(tptr) * n_items + test.indices.astype(np.int64)
    q = users.astype(np.int64)[:, None] * n_items + top.astype(np.int64)
    pos = np.searchsorted(test_keys, q)
    pos = np.minimum(pos, len(test_keys) - 1)
    hits = test_keys[pos] == q
    nhits = hits.sum(axis=1).astype(np.float64)
    cap = np.minimum(k, n_test).astype(np.float64)
    cumhits = np.cumsum(hits, axis=1)
    ranks = np.arange(1, k + 1, dtype=np.float64)
    ap = (hits * cumhits / ranks).sum(axis=1) / cap
    cg = 1.0 / np.log2(np.arange(2, k + 2, dtype=np.float64))
    idcg = np.cumsum(cg)[(cap - 1).astype(np.int64)]
    ndcg = (hits * cg).sum(axis=1) / idcg
    num_pos = n_test.astype(np.float64)
    num_neg = n_items - num_pos
    misses = k - nhits
    auc = (cumhits * ~hits).sum(axis=1) + (nhits + num_pos) / 2.0 * (num_neg - misses)
    auc = auc / (num_pos * num_neg)
    return {
        "users_evaluated": int(len(users)),
        "k": int(k),
        "implicit_precision": float(nhits.sum() / cap.sum()),
        "implicit_map": float(ap.mean()),
        "implicit_ndcg": float(ndcg.mean()),
        "implicit_auc": float(auc.mean()),
        "precision_at_k": float((nhits / k).mean()),
        "recall_at_k": float((nhits / num_pos).mean()),
        "hit_rate_at_k": float((nhits > 0).mean()),
    }


# --------------------------------------------------------------------------------------------
# Reporting


def machine_info() -> dict:
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = 0
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    mem = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    info = {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gib": round(mem / 2**30, 1),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "unset"),
        "load_average_at_end": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
    import scipy
    info["scipy"] = scipy.__version__
    try:
        from threadpoolctl import threadpool_info
        info["blas"] = [{k: d.get(k) for k in ("internal_api", "version", "architecture",
                                                "num_threads", "filepath")}
                        for d in threadpool_info()]
    except ImportError:
        pass
    return info


def emit(result: dict, path: str | None) -> None:
    """Prints the result as one JSON object on stdout and writes it to `path` if given."""
    text = json.dumps(result, indent=None, sort_keys=False)
    print(text, flush=True)
    if path:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")


class BlasThreads:
    """Context manager limiting BLAS/OpenMP pools to n threads (threadpoolctl when present)."""

    def __init__(self, n: int, user_api: str | None = None):
        self.n, self.user_api, self.ctl = n, user_api, None

    def __enter__(self):
        try:
            from threadpoolctl import threadpool_limits
            self.ctl = threadpool_limits(limits=self.n, user_api=self.user_api)
        except ImportError:
            pass
        return self

    def __exit__(self, *exc):
        if self.ctl is not None:
            self.ctl.unregister()
        return False

#!/usr/bin/env python3
"""Peer: Surprise's SVD (biased matrix factorisation by SGD, Funk/Koren) on a movierec rating
matrix with a seeded random 80/20 split that is written out for movierec to reuse.

Split (--split, default "movierec"): movierec's own random:F split with --split-seed, reproduced
bit for bit (common.random_split, checked against src/etl/splits.cpp): per user, round-half-up
F*n of the ratings (at least 1, never all; users with 1 rating stay in train) picked by the user's
splitmix64 stream. So `random:0.2` with the same seed in movierec gives the same test set.
--split global: np.random.default_rng(seed).permutation(nnz), the first round(F*nnz) entries are
test (Surprise's train_test_split style; users or movies may then be absent from train).
Either way OUTDIR gets:
  test_mask.npy    bool (nnz,), True = test, in the matrix folder's CSR order
  test_pairs.npy   int64 (n_test, 2): external (user_id, movie_id) of each test rating, CSR order
  split.json       kind, fraction, seed, counts, the matrix folder and its manifest timestamp
  result.json      the printed JSON

Surprise details that a comparison must match (surprise 1.1.5, matrix_factorization.pyx):
- float64 throughout; pu, qi ~ Normal(init_mean, init_std_dev) from
  np.random.RandomState(random_state) (pu drawn first, then qi); bu = bi = 0;
- one epoch = one pass over trainset.all_ratings() in a FIXED order, no shuffling: users in
  first-appearance order of the raw trainset, each user's ratings in insertion order. This
  script feeds the train ratings in CSR order (user row ascending, movie index ascending), so
  users are visited by row and items get inner ids in order of first appearance;
- per rating: err = r - (mu + bu + bi + q.p); bu += lr*(err - reg*bu); bi += lr*(err - reg*bi);
  then for each f: p_f += lr*(err*q_f - reg*p_f), q_f += lr*(err*p_f_old - reg*q_f);
- prediction: mu, + bu if the user is known, + bi if the item is known, + q.p if both; Surprise's
  predict() then CLIPS to the rating scale (default: the data's min..max). rmse/mae below are
  Surprise's accuracy.rmse/mae on those clipped predictions; *_unclipped are computed from the
  same estimates without the clip.
Timing: fit() alone (SGD, single-threaded Cython), best of --repeats; building the Trainset and
predicting the test set are timed separately.

Example (ml-100k shape):
  python bench/peers/surprise_svd.py /tmp/peerdata-ml100k/peer.db.matrix /tmp/peerdata-ml100k/split \
      --n-factors 100 --n-epochs 20 --lr-all 0.005 --reg-all 0.02 --init-std-dev 0.1 --seed 42
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("matrix", help="<db>.matrix folder (or the db path)")
    p.add_argument("outdir", help="folder for test_mask.npy, test_pairs.npy, split.json")
    p.add_argument("--n-factors", type=int, default=100)
    p.add_argument("--n-epochs", type=int, default=20)
    p.add_argument("--lr-all", type=float, default=0.005)
    p.add_argument("--reg-all", type=float, default=0.02)
    p.add_argument("--init-mean", type=float, default=0.0)
    p.add_argument("--init-std-dev", type=float, default=0.1)
    p.add_argument("--unbiased", action="store_true", help="biased=False (default biased=True)")
    p.add_argument("--seed", type=int, default=42, help="SVD random_state (factor init)")
    p.add_argument("--split", choices=["movierec", "global"], default="movierec")
    p.add_argument("--test-fraction", type=float, default=0.2)
    p.add_argument("--split-seed", type=int, default=42)
    p.add_argument("--rating-scale", type=float, nargs=2, metavar=("LO", "HI"),
                   help="clip range of predictions (default: min and max rating in the data)")
    p.add_argument("--repeats", type=int, default=1, help="fits timed; the best is reported")
    p.add_argument("--threads", type=int, default=1,
                   help="recorded only: Surprise's SVD is single-threaded")
    p.add_argument("--save-model", action="store_true",
                   help="also write bu.npy, bi.npy (NaN = not in train), pu.npy, qi.npy in matrix "
                        "row/column order to OUTDIR")
    p.add_argument("--out", "--output", dest="out",
                   help="write the JSON here too (default OUTDIR/result.json)")
    a = p.parse_args(argv)

    import surprise
    from surprise import SVD, Reader, accuracy
    from surprise.dataset import Dataset

    data = common.load_matrix(a.matrix)
    csr = data.csr
    if a.split == "movierec":
        mask = common.random_split(data, a.test_fraction, a.split_seed)
        split_desc = (f"movierec random:{a.test_fraction:g} seed {a.split_seed} "
                      "(per user, identical to src/etl/splits.cpp)")
    else:
        n_test = int(np.floor(a.test_fraction * data.nnz + 0.5))
        perm = np.random.default_rng(a.split_seed).permutation(data.nnz)
        mask = np.zeros(data.nnz, dtype=bool)
        mask[perm[:n_test]] = True
        split_desc = (f"global: np.random.default_rng({a.split_seed}).permutation(nnz)"
                      f"[:{n_test}] are test")

    rows = np.repeat(np.arange(csr.shape[0], dtype=np.int64), np.diff(csr.indptr))
    uid = data.user_ids[rows]
    iid = data.movie_ids[csr.indices]
    r = csr.data.astype(np.float64)
    os.makedirs(a.outdir, exist_ok=True)
    np.save(os.path.join(a.outdir, "test_mask.npy"), mask)
    np.save(os.path.join(a.outdir, "test_pairs.npy"), np.stack([uid[mask], iid[mask]], axis=1))
    split_info = {
        "kind": a.split, "description": split_desc, "test_fraction": a.test_fraction,
        "seed": a.split_seed, "nnz": int(data.nnz), "train": int((~mask).sum()),
        "test": int(mask.sum()), "matrix": os.path.abspath(data.folder),
        "matrix_created": data.manifest.get("created"),
        "files": {"test_mask.npy": "bool (nnz,), True = test, CSR order of the matrix folder",
                  "test_pairs.npy": "int64 (n_test, 2): user_id, movie_id (external ids)"},
    }
    with open(os.path.join(a.outdir, "split.json"), "w") as f:
        json.dump(split_info, f, indent=2)
        f.write("\n")

    scale = tuple(a.rating_scale) if a.rating_scale else (float(r.min()), float(r.max()))
    ds = Dataset(Reader(rating_scale=scale))
    tr = ~mask
    raw_train = list(zip(uid[tr].tolist(), iid[tr].tolist(), r[tr].tolist(),
                         [None] * int(tr.sum())))
    raw_test = list(zip(uid[mask].tolist(), iid[mask].tolist(), r[mask].tolist(),
                        [None] * int(mask.sum())))
    t0 = time.perf_counter()
    trainset = ds.construct_trainset(raw_train)
    testset = ds.construct_testset(raw_test)
    build_s = time.perf_counter() - t0

    fits = []
    algo = None
    for _ in range(max(1, a.repeats)):
        algo = SVD(n_factors=a.n_factors, n_epochs=a.n_epochs, biased=not a.unbiased,
                   init_mean=a.init_mean, init_std_dev=a.init_std_dev, lr_all=a.lr_all,
                   reg_all=a.reg_all, random_state=a.seed)
        t0 = time.perf_counter()
        algo.fit(trainset)
        fits.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    preds = algo.test(testset)
    predict_s = time.perf_counter() - t0
    rmse = accuracy.rmse(preds, verbose=False)
    mae = accuracy.mae(preds, verbose=False)
    truth = np.array([pr.r_ui for pr in preds])
    inner = [_inner(trainset, pr.uid, pr.iid) for pr in preds]
    est_unclipped = np.array([_estimate(algo, u, i) for u, i in inner])
    err = est_unclipped - truth
    unknown_users = sum(1 for u, _ in inner if not trainset.knows_user(u))
    unknown_items = sum(1 for _, i in inner if not trainset.knows_item(i))

    result = {
        "peer": "surprise.SVD",
        "surprise_version": surprise.__version__,
        "machine": common.machine_info(),
        "data": common.RatingData.describe(data),
        "config": {"n_factors": a.n_factors, "n_epochs": a.n_epochs, "biased": not a.unbiased,
                   "lr_all": a.lr_all, "reg_all": a.reg_all, "init_mean": a.init_mean,
                   "init_std_dev": a.init_std_dev, "random_state": a.seed,
                   "rating_scale_clip": list(scale), "threads": 1,
                   "sgd_order": "fixed, no shuffling: train ratings in CSR order"},
        "split": split_info,
        "train": {"users": trainset.n_users, "items": trainset.n_items,
                  "ratings": trainset.n_ratings, "global_mean": trainset.global_mean},
        "test": {"ratings": len(preds), "unknown_user": unknown_users,
                 "unknown_item": unknown_items},
        "timing_s": {"fit": round(min(fits), 4), "fit_runs": [round(x, 4) for x in fits],
                     "fit_per_epoch": round(min(fits) / a.n_epochs, 5),
                     "build_trainset": round(build_s, 4), "predict_test": round(predict_s, 4)},
        "metrics": {"rmse": float(rmse), "mae": float(mae),
                    "rmse_unclipped": float(np.sqrt(np.mean(err ** 2))),
                    "mae_unclipped": float(np.mean(np.abs(err)))},
    }

    if a.save_model:
        n_rows, n_cols = data.shape
        bu = np.full(n_rows, np.nan)
        bi = np.full(n_cols, np.nan)
        pu = np.full((n_rows, a.n_factors), np.nan)
        qi = np.full((n_cols, a.n_factors), np.nan)
        row_of_uid = {int(u): i for i, u in enumerate(data.user_ids)}
        col_of_iid = {int(m): j for j, m in enumerate(data.movie_ids)}
        for raw, inner in trainset._raw2inner_id_users.items():
            bu[row_of_uid[raw]] = algo.bu[inner]
            pu[row_of_uid[raw]] = algo.pu[inner]
        for raw, inner in trainset._raw2inner_id_items.items():
            bi[col_of_iid[raw]] = algo.bi[inner]
            qi[col_of_iid[raw]] = algo.qi[inner]
        for name, arr in (("bu", bu), ("bi", bi), ("pu", pu), ("qi", qi)):
            np.save(os.path.join(a.outdir, f"{name}.npy"), arr)
        result["saved_model"] = {"global_mean": trainset.global_mean,
                                 "files": ["bu.npy", "bi.npy", "pu.npy", "qi.npy"]}

    common.emit(result, a.out or os.path.join(a.outdir, "result.json"))


def _estimate(algo, u, i):
    """algo.estimate without predict()'s clip (default_prediction when impossible)."""
    from surprise import PredictionImpossible
    try:
        est = algo.estimate(u, i)
    except PredictionImpossible:
        return algo.default_prediction()
    return est[0] if isinstance(est, tuple) else est


def _inner(trainset, ruid, riid):
    try:
        u = trainset.to_inner_uid(ruid)
    except ValueError:
        u = "UKN__" + str(ruid)
    try:
        i = trainset.to_inner_iid(riid)
    except ValueError:
        i = "UKN__" + str(riid)
    return u, i


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# Generates the data sets (unless present), runs movierec's pipeline on them to get the
# `<db>.matrix/` folders, then runs every peer script; JSON results go to <data>/out/.
# Usage: bash bench/peers/run_peers.sh [small|ml20m|ml100k|all]   (default: small)
# Env: PY (python with requirements.txt installed; default /work/peers-venv/bin/python if it
# exists, else python3), PEERDATA (parent folder of the data sets; default /tmp),
# ALS_ITERS (15), THREADS (2).
set -euo pipefail
self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$0")/../.."
what="${1:-small}"
PY="${PY:-$( [ -x /work/peers-venv/bin/python ] && echo /work/peers-venv/bin/python || echo python3)}"
root="${PEERDATA:-/tmp}"
iters="${ALS_ITERS:-15}"
threads="${THREADS:-2}"
[ -x build/movierec ] || { echo "build/movierec missing: TARGETS=movierec bash scripts/build.sh build" >&2; exit 2; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)," \
     "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "python: $PY ($("$PY" -c 'import implicit, surprise, numpy; print("implicit", implicit.__version__, "surprise", surprise.__version__, "numpy", numpy.__version__)'))"

# make_data DIR FORMAT USERS MOVIES RATINGS
make_data() {
  local dir="$1" fmt="$2" users="$3" movies="$4" ratings="$5"
  if [ ! -f "$dir/peer.db.matrix/manifest.json" ]; then
    mkdir -p "$dir"
    echo "--- build/movierec generate --out $dir --format $fmt --users $users --movies $movies --ratings $ratings --seed 1"
    build/movierec generate --out "$dir" --format "$fmt" --users "$users" --movies "$movies" \
      --ratings "$ratings" --seed 1
    if [ "$fmt" = ml-100k ]; then
      printf 'database: {path: peer.db}\ndata_sources: {csv_files: {movies: u.item, ratings: u.data}}\nreports: {directory: reports}\npipeline: {stages: [extract, validate, transform, load, finalize]}\n' > "$dir/peer_config.yaml"
    else
      printf 'database: {path: peer.db}\ndata_sources: {csv_files: {movies: Movies.csv, ratings: Ratings.csv, persons: Persons.csv, imdb: imdb_top_1000.csv}}\nreports: {directory: reports}\npipeline: {stages: [extract, validate, transform, load, finalize]}\n' > "$dir/peer_config.yaml"
    fi
    rm -f "$dir/peer.db" "$dir/peer.db-wal" "$dir/peer.db-shm"
    echo "--- build/movierec pipeline --config $dir/peer_config.yaml"
    build/movierec pipeline --config "$dir/peer_config.yaml" --no-progress --log-level warn
  fi
  mkdir -p "$dir/out"
}

ranking_peers() {  # DIR
  local m="$1/peer.db.matrix" o="$1/out"
  echo "--- $PY bench/peers/implicit_als.py $m --factors 64 --regularization 0.01 --alpha 1.0 --iterations $iters --threads $threads"
  "$PY" bench/peers/implicit_als.py "$m" --factors 64 --regularization 0.01 --alpha 1.0 \
    --iterations "$iters" --cg-steps 3 --threads "$threads" --seed 42 --split time:0.2 --k 10 \
    --out "$o/implicit_als.json"
  for sel in argpartition threshold; do
    for w in 1 "$threads"; do
      echo "--- $PY bench/peers/numpy_topn.py $m --factors 64 --k 10 --block 2048 --threads $threads --workers $w --select $sel"
      "$PY" bench/peers/numpy_topn.py "$m" --factors 64 --k 10 --block 2048 --threads "$threads" \
        --workers "$w" --select "$sel" --repeats 2 --out "$o/numpy_topn_${sel}_w$w.json"
      [ "$w" = "$threads" ] && break
    done
  done
}

svd_peer() {  # DIR
  local m="$1/peer.db.matrix" o="$1/out"
  echo "--- $PY bench/peers/surprise_svd.py $m $o/svd_split --n-factors 100 --n-epochs 20 --lr-all 0.005 --reg-all 0.02 --init-std-dev 0.1 --seed 42 --split-seed 42 --repeats 3"
  "$PY" bench/peers/surprise_svd.py "$m" "$o/svd_split" --n-factors 100 --n-epochs 20 \
    --lr-all 0.005 --reg-all 0.02 --init-std-dev 0.1 --seed 42 --split movierec \
    --test-fraction 0.2 --split-seed 42 --repeats 3 --out "$o/surprise_svd.json"
}

case "$what" in
  small)  make_data "$root/peerdata-small" original 20000 5000 2000000; ranking_peers "$root/peerdata-small" ;;
  ml20m)  make_data "$root/peerdata-ml20m" original 138000 27000 20000000; ranking_peers "$root/peerdata-ml20m" ;;
  ml100k) make_data "$root/peerdata-ml100k" ml-100k 943 1682 100000; svd_peer "$root/peerdata-ml100k" ;;
  all)    bash "$self" ml100k; bash "$self" small; bash "$self" ml20m ;;
  *) echo "usage: $0 [small|ml20m|ml100k|all]" >&2; exit 2 ;;
esac

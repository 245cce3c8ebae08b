#!/usr/bin/env bash
# Benchmarks. Usage: scripts/bench.sh etl [RATINGS]   (default 25,000,000 ratings)
#                   scripts/bench.sh models           (ML-20M and ML-100k shapes, with peers)
#                   scripts/bench.sh gpu              (the CUDA backend at the ML-20M shape)
#                   scripts/bench.sh ptxas            (registers and spills of the CUDA kernels)
# Prints the machine, the data shape, the commands, and peers measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-etl}"
jobs="$(nproc 2>/dev/null || echo 2)"

machine() {
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)," \
       "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo none)"
  echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
}

case "$what" in
  etl)
    ratings="${2:-25000000}"
    users=$(( ratings / 180 + 1 )); movies=$(( ratings / 900 + 1000 ))
    data="${BENCH_DATA:-build/bench-data/etl-$ratings}"
    TARGETS="movierec etl_bench" bash scripts/build.sh build >/dev/null
    machine
    if [ ! -f "$data/Ratings.csv" ]; then
      echo "--- generate: build/movierec generate --out $data --users $users --movies $movies --ratings $ratings"
      /usr/bin/time -f "generate: %e s wall, %M KiB peak RSS" \
        build/movierec generate --out "$data" --users "$users" --movies "$movies" --ratings "$ratings" --seed 7
    fi
    echo "data: $data/Ratings.csv, $(wc -l < "$data/Ratings.csv") lines, $(du -m "$data/Ratings.csv" | cut -f1) MB"
    echo "--- movierec stages: build/bench/etl_bench --movies $data/Movies.csv --ratings $data/Ratings.csv"
    build/bench/etl_bench --movies "$data/Movies.csv" --ratings "$data/Ratings.csv" \
      --db "$data/bench.db" --workers "$jobs"
    echo "--- whole pipeline (extract → load → finalize), one process:"
    cat > "$data/bench_config.yaml" <<YAML
database: {path: bench.db}
data_sources: {csv_files: {movies: Movies.csv, ratings: Ratings.csv, persons: Persons.csv, imdb: imdb_top_1000.csv}}
reports: {directory: reports}
pipeline: {stages: [extract, validate, transform, load, finalize]}
YAML
    rm -f "$data/bench.db" "$data/bench.db-wal" "$data/bench.db-shm"
    /usr/bin/time -f "pipeline: %e s wall, %M KiB peak RSS" \
      build/movierec pipeline --config "$data/bench_config.yaml" --no-progress --log-level warn
    if python3 -c 'import duckdb' 2>/dev/null; then
      echo "--- peer: DuckDB read_csv into a table (same file, same run; best of 3)"
      python3 - "$data/Ratings.csv" <<'PY'
import sys, time, duckdb
path = sys.argv[1]
best = 1e9
for _ in range(3):
    con = duckdb.connect()
    t = time.perf_counter()
    con.execute(f"CREATE TABLE r AS SELECT * FROM read_csv('{path}')")
    best = min(best, time.perf_counter() - t)
    n = con.execute("SELECT COUNT(*) FROM r").fetchone()[0]
    con.close()
print(f"duckdb {duckdb.__version__} read_csv: {best:.3f} s, {n} rows, {n/best/1e6:.2f} M rows/s")
PY
    else
      echo "--- peer: DuckDB not installed (pip install duckdb) — skipped"
    fi
    if command -v sqlite3 >/dev/null; then
      echo "--- peer: sqlite3 shell .import (same file)"
      rm -f "$data/import.db"
      start=$(date +%s.%N)
      sqlite3 "$data/import.db" >/dev/null <<SQL
PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
CREATE TABLE r(UserID INTEGER, MovieID INTEGER, Rating REAL, Date TEXT);
.mode csv
.import --skip 1 $data/Ratings.csv r
SQL
      end=$(date +%s.%N)
      python3 -c "print(f\"sqlite3 .import: {$end - $start:.3f} s\")"
      rm -f "$data/import.db"
    fi
    ;;
  models)
    # The model targets of bench/RESULTS.md: ials (and als) seconds per iteration beside the
    # `implicit` library, all-user top-10 beside numpy, svd beside Surprise, recommend latency.
    # Peers come from bench/peers/requirements.txt (a venv in build/peers-venv, made once).
    TARGETS="movierec als_bench topn_bench svd_bench" bash scripts/build.sh build >/dev/null
    machine
    venv="${PEERS_VENV:-build/peers-venv}"
    if [ ! -x "$venv/bin/python" ]; then
      python3 -m venv "$venv" && "$venv/bin/pip" install -q -r bench/peers/requirements.txt \
        || echo "--- peers could not be installed; ours only"
    fi
    export PY="$venv/bin/python" PEERDATA="${BENCH_DATA:-build/bench-data}" THREADS="$jobs"
    big="$PEERDATA/peerdata-ml20m"; small="$PEERDATA/peerdata-ml100k"
    if [ -x "$PY" ]; then
      bash bench/peers/run_peers.sh ml20m
      bash bench/peers/run_peers.sh ml100k
    fi
    echo "--- ours: build/bench/als_bench --db $big/peer.db --threads $jobs --iterations 3"
    build/bench/als_bench --db "$big/peer.db" --threads "$jobs" --iterations 3 --algorithms ials,als
    echo "--- ours: evaluate ials (15 iterations, k 64, reg 0.01, alpha 1, cg 3) on time:0.2"
    /usr/bin/time -f "evaluate: %e s wall, %M KiB peak RSS" \
      build/movierec evaluate --config "$big/peer_config.yaml" --algorithm ials --split time:0.2 \
        --k 10 --format json -q
    echo "--- ours: build/bench/topn_bench --threads $jobs (138,000 x 27,000, k 64, top-10)"
    build/bench/topn_bench --threads "$jobs"
    echo "--- ours: build/bench/svd_bench --db $small/peer.db (Surprise's defaults, random:0.2 seed 42)"
    build/bench/svd_bench --db "$small/peer.db" --repeat 3
    echo "--- ours: train + score, whole ML-20M shape, peak RSS"
    /usr/bin/time -f "train+score: %e s wall, %M KiB peak RSS" \
      build/movierec pipeline --config "$big/peer_config.yaml" --stages train score \
        --no-progress --log-level warn
    echo "--- recommend: 1,000 CLI calls (process start included)"
    python3 - "$big/peer.db" <<'PY'
import random, subprocess, sqlite3, sys, time
db = sys.argv[1]
users = [r[0] for r in sqlite3.connect(db).execute("SELECT user_id FROM user")]
random.seed(1)
ts = []
for _ in range(1000):
    t = time.perf_counter()
    subprocess.run(["build/movierec", "recommend", "--db", db, "--user-id",
                    str(random.choice(users))], stdout=subprocess.DEVNULL, check=True)
    ts.append(time.perf_counter() - t)
ts.sort()
print(f"recommend: p50 {ts[500]*1e3:.2f} ms, p99 {ts[990]*1e3:.2f} ms over 1000 calls")
PY
    ;;
  gpu)
    # ials (k = 128) / als / svd seconds per iteration and all-user top-10, on the GPU, with the
    # CPU beside them for ials and top-10. Data: the ML-20M shape generated in memory.
    TARGETS="movierec als_bench topn_bench" bash scripts/build.sh build >/dev/null
    machine
    if command -v nvidia-smi >/dev/null; then
      nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv,noheader
    fi
    echo "--- build/bench/als_bench --device gpu --factors 128 --iterations 5 --algorithms ials,als,svd"
    build/bench/als_bench --device gpu --threads "$jobs" --factors 128 --iterations 5 \
      --algorithms ials,als,svd
    echo "--- build/bench/als_bench --device gpu --factors 64 --iterations 5 --algorithms ials"
    build/bench/als_bench --device gpu --threads "$jobs" --factors 64 --iterations 5 --algorithms ials
    echo "--- build/bench/topn_bench --device gpu (138,000 x 27,000, k 64, top-10)"
    build/bench/topn_bench --device gpu --threads "$jobs" --repeat 5
    echo "--- the same on the CPU ($jobs threads), for comparison"
    build/bench/als_bench --threads "$jobs" --factors 128 --iterations 2 --algorithms ials
    build/bench/topn_bench --threads "$jobs" --repeat 1 --skip-sgemm
    ;;
  ptxas)
    # Registers, shared memory and spills per kernel, from ptxas (no GPU needed).
    cmake -S . -B build-ptxas -DCMAKE_BUILD_TYPE=Release -DMOVIEREC_CUDA=ON \
      -DMOVIEREC_PTXAS_VERBOSE=ON -DMOVIEREC_BUILD_TESTS=OFF -DMOVIEREC_BUILD_BENCH=OFF >/dev/null
    cmake --build build-ptxas --target movierec_cuda --clean-first -j "$jobs" 2>&1 |
      grep -E "Compiling entry|Used [0-9]+ registers|spill" |
      sed -E 's/ptxas info *: //; s/Compiling entry function/kernel/'
    ;;
  *)
    echo "usage: scripts/bench.sh etl [RATINGS] | models | gpu | ptxas" >&2
    exit 2
    ;;
esac

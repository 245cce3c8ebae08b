#!/usr/bin/env bash
# Benchmarks. Usage: scripts/bench.sh etl [RATINGS]   (default 25,000,000 ratings)
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
  *)
    echo "usage: scripts/bench.sh etl [RATINGS]" >&2
    exit 2
    ;;
esac

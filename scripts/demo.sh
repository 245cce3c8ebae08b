#!/usr/bin/env bash
# The main job end to end on a fresh machine: dependencies, a Release build, sample data in
# data/ (generated once), then the pipeline into data/movies_recommendation.db.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/build.sh build -DMOVIEREC_BUILD_TESTS=OFF -DMOVIEREC_BUILD_BENCH=OFF >/dev/null
if [ ! -f data/Ratings.csv ]; then
  ./build/movierec generate --out data --users 6000 --movies 4000 --ratings 1000000 --seed 42
fi
./build/movierec pipeline --config config/pipeline_config.yaml "$@"
echo
echo "Tables in data/movies_recommendation.db:"
sqlite3 -header -column data/movies_recommendation.db \
  "SELECT (SELECT COUNT(*) FROM movie) AS movies, (SELECT COUNT(*) FROM user) AS users,
          (SELECT COUNT(*) FROM user_rating) AS ratings, (SELECT COUNT(*) FROM person) AS persons,
          (SELECT COUNT(*) FROM imdb_movie) AS imdb_rows,
          (SELECT COUNT(*) FROM rejected_rows) AS quarantined,
          (SELECT COUNT(*) FROM models) AS models,
          (SELECT COUNT(*) FROM user_recommendations) AS recommendations;"
user=$(sqlite3 data/movies_recommendation.db "SELECT MIN(user_id) FROM user_recommendations")
if [ -n "$user" ]; then
  echo
  echo "./build/movierec recommend --db data/movies_recommendation.db --user-id $user --algorithm hybrid"
  ./build/movierec recommend --db data/movies_recommendation.db --user-id "$user" --algorithm hybrid
fi

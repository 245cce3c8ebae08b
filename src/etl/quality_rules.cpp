#include "etl/quality_rules.h"

#include <algorithm>
#include <set>

#include "common/error.h"
#include "etl/field_parse.h"

namespace movierec::etl {
namespace {

using S = Severity;
const std::vector<S> kRowAll = {S::kWarn, S::kFix, S::kQuarantine, S::kFail};
const std::vector<S> kQuarantineOrFail = {S::kQuarantine, S::kFail};
const std::vector<S> kWarnQuarantineFail = {S::kWarn, S::kQuarantine, S::kFail};
const std::vector<S> kFixOrFail = {S::kFix, S::kFail};
const std::vector<S> kWarnOrFail = {S::kWarn, S::kFail};
const std::vector<S> kFixWarnFail = {S::kFix, S::kWarn, S::kFail};
const std::vector<S> kFixWarnQuarantineFail = {S::kFix, S::kWarn, S::kQuarantine, S::kFail};

}  // namespace

const char* SeverityName(Severity s) {
  switch (s) {
    case S::kWarn:
      return "warn";
    case S::kFix:
      return "fix";
    case S::kQuarantine:
      return "quarantine";
    case S::kFail:
      return "fail";
  }
  return "?";
}

const std::vector<RuleDef>& RuleRegistry() {
  static const std::vector<RuleDef> rules = {
      // Tables.
      {"table.non_empty",
       "movie,user_rating",
       "the movies and ratings inputs hold rows",
       S::kFail,
       kWarnOrFail,
       {}},
      {"table.row_count",
       "user_rating",
       "ratings within [min_rows, max_rows]",
       S::kWarn,
       kWarnOrFail,
       {{"min_rows", 1, 0, 1e12, "fewest ratings expected"},
        {"max_rows", 5e9, 0, 1e12, "most ratings expected"}}},
      {"table.row_count_change",
       "movie,user_rating",
       "row counts changed by at most max_change (a share) since the previous run",
       S::kWarn,
       kWarnOrFail,
       {{"max_change", 0.5, 0, 1e6, "largest allowed relative change"}}},
      // Text.
      {"text.utf8",
       "movie,movie_cast,imdb_movie,movie_tag",
       "text is valid UTF-8 (fix: invalid bytes become U+FFFD)",
       S::kFix,
       kFixWarnQuarantineFail,
       {}},
      {"movie.title",
       "movie",
       "titles have no control characters or runs of spaces and at most max_length bytes",
       S::kFix,
       kFixWarnQuarantineFail,
       {{"max_length", 500, 1, 100000, "longest title"}}},
      // Movies.
      {"movie.duplicate_id",
       "movie",
       "MovieID is unique (the first row wins)",
       S::kQuarantine,
       kQuarantineOrFail,
       {}},
      {"movie.duplicate_title_year",
       "movie",
       "no two movies share a normalised title and year (fix: merged into the first id, "
       "recorded in movie_redirect)",
       S::kFix,
       kFixWarnFail,
       {}},
      {"movie.fuzzy_title",
       "movie",
       "no two movies at most a year apart have titles with Jaro-Winkler similarity of at least "
       "report_threshold (sequels, and movies whose other values contradict, left out). fix: a "
       "pair at merge_threshold whose titles are spelling variants, with years at most "
       "merge_year_gap apart and the same genres, is merged into the lower id (movie_redirect); "
       "the rest are reported as candidates",
       S::kFix,
       kFixWarnFail,
       {{"report_threshold", 0.92, 0.5, 1, "lowest similarity reported as a candidate"},
        {"merge_threshold", 0.97, 0.5, 1, "lowest similarity merged (severity fix)"},
        {"merge_year_gap", 0, 0, 1, "merged only when the years are at most this far apart"}}},
      {"movie.year_range",
       "movie",
       "release year in [min_year, this year + max_years_ahead] (fix: date dropped)",
       S::kFix,
       kFixWarnQuarantineFail,
       {{"min_year", 1874, 1000, 3000, "earliest plausible year"},
        {"max_years_ahead", 5, 0, 100, "announced films may be dated ahead"}}},
      {"movie.runtime_range",
       "movie",
       "runtime in [min_minutes, max_minutes] (fix: dropped)",
       S::kFix,
       kFixWarnQuarantineFail,
       {{"min_minutes", 1, 0, 100000, ""}, {"max_minutes", 1000, 1, 100000, ""}}},
      {"movie.money_range",
       "movie",
       "budget and revenue in [0, max_dollars] (fix: dropped)",
       S::kFix,
       kFixWarnQuarantineFail,
       {{"max_dollars", 1e11, 0, 1e15, ""}}},
      {"movie.language_code",
       "movie",
       "OriginalLanguage is an ISO 639-1 code, optionally '-Name' (fix: cleared)",
       S::kFix,
       kFixWarnQuarantineFail,
       {}},
      {"movie.completeness",
       "movie",
       "share of movies with a release date and with a runtime is at least min_ratio",
       S::kWarn,
       kWarnOrFail,
       {{"min_ratio", 0.5, 0, 1, ""}}},
      {"field.bad_number",
       "*",
       "optional numbers parse (fix: value dropped)",
       S::kFix,
       kFixOrFail,
       {}},
      {"field.bad_date", "*", "optional dates parse (fix: value dropped)", S::kFix, kFixOrFail, {}},
      {"field.bad_code",
       "*",
       "coded values (e.g. Gender 1/2/0) are known (fix: unknown)",
       S::kFix,
       kFixOrFail,
       {}},
      // Ratings.
      {"rating.range",
       "user_rating",
       "ratings are half stars from 0.5 to 5.0 (never clamped)",
       S::kQuarantine,
       kQuarantineOrFail,
       {}},
      {"rating.future_date",
       "user_rating",
       "no rating is dated after the run",
       S::kQuarantine,
       kWarnQuarantineFail,
       {}},
      {"rating.unknown_movie",
       "user_rating",
       "every rated movie is in the movies file",
       S::kQuarantine,
       kQuarantineOrFail,
       {}},
      {"rating.dangling_share",
       "user_rating",
       "ratings of unknown movies are at most max_share of all ratings",
       S::kFail,
       kWarnOrFail,
       {{"max_share", 0.05, 0, 1, ""}}},
      {"rating.before_release",
       "user_rating",
       "no rating predates its movie's release year",
       S::kWarn,
       kWarnQuarantineFail,
       {}},
      {"rating.duplicate",
       "user_rating",
       "one rating per (user, movie) (fix: the latest by date is kept, the rest merged)",
       S::kFix,
       kFixOrFail,
       {}},
      {"rating.distribution",
       "user_rating",
       "mean and standard deviation of ratings within bounds",
       S::kWarn,
       kWarnOrFail,
       {{"min_mean", 1.5, 0, 5, ""},
        {"max_mean", 4.5, 0, 5, ""},
        {"min_std", 0.3, 0, 5, ""},
        {"max_std", 2.0, 0, 5, ""}}},
      {"rating.histogram_drift",
       "user_rating",
       "the half-star histogram moved less than max_distance (total variation) since the "
       "previous run",
       S::kWarn,
       kWarnOrFail,
       {{"max_distance", 0.1, 0, 1, ""}}},
      {"rating.freshness",
       "user_rating",
       "the newest rating is at most max_age_days old (0 = not checked)",
       S::kWarn,
       kWarnOrFail,
       {{"max_age_days", 0, 0, 1e6, ""}}},
      {"user.max_ratings",
       "user_rating",
       "no user has more than max ratings (bots)",
       S::kWarn,
       kWarnOrFail,
       {{"max", 50000, 1, 1e9, ""}}},
      {"user.min_ratings",
       "user_rating",
       "users with fewer than min ratings are counted (too little to train on)",
       S::kWarn,
       kWarnOrFail,
       {{"min", 5, 0, 1e9, ""}, {"max_share", 1, 0, 1, "share that fails"}}},
      // People and enrichment.
      {"person.unknown_movie",
       "movie_cast",
       "every credit's movie is in the movies file",
       S::kQuarantine,
       kQuarantineOrFail,
       {}},
      {"person.cast_id_format",
       "movie_cast",
       "CastID is 24 lower-case hex digits (fix: cleared)",
       S::kFix,
       kFixWarnQuarantineFail,
       {}},
      {"imdb.rating_range",
       "imdb_movie",
       "IMDB_Rating in [1, 10] (fix: dropped)",
       S::kFix,
       kFixWarnQuarantineFail,
       {}},
      {"imdb.meta_score_range",
       "imdb_movie",
       "Meta_score in [0, 100] (fix: dropped)",
       S::kFix,
       kFixWarnQuarantineFail,
       {}},
      {"imdb.unmatched",
       "imdb_movie",
       "IMDb rows resolve to a movie (unmatched rows still load)",
       S::kWarn,
       kWarnOrFail,
       {}},
      {"tag.unknown_movie",
       "movie_tag",
       "every tag's movie is in the movies file",
       S::kQuarantine,
       kQuarantineOrFail,
       {}},
      {"link.unknown_movie",
       "movie",
       "every link's movie is in the movies file",
       S::kQuarantine,
       kQuarantineOrFail,
       {}},
  };
  return rules;
}

RuleSet::RuleSet() {
  for (const auto& r : RuleRegistry()) {
    Setting s;
    s.severity = r.default_severity;
    for (const auto& p : r.params) s.params[p.name] = p.default_value;
    settings_[r.id] = std::move(s);
  }
}

RuleSet RuleSet::FromConfig(const std::map<std::string, io::RuleSetting>& settings,
                            const std::string& config_file) {
  RuleSet set;
  for (const auto& [id, given] : settings) {
    auto def = std::find_if(RuleRegistry().begin(), RuleRegistry().end(),
                            [&](const RuleDef& r) { return id == r.id; });
    const std::string at = config_file + ":" + std::to_string(given.line) + ": quality.rules.";
    if (def == RuleRegistry().end()) {
      throw UsageError(at + id + ": unknown rule (see config/pipeline_config.yaml for the list)");
    }
    Setting& s = set.settings_[id];
    for (const auto& [key, value] : given.values) {
      const std::string where =
          config_file + ":" + std::to_string(value.line) + ": quality.rules." + id + "." + key;
      if (key == "enabled") {
        if (value.text == "true") {
          s.enabled = true;
        } else if (value.text == "false") {
          // Rules that the database's keys depend on can change severity, not be switched off.
          static const std::set<std::string> kRequired = {
              "movie.duplicate_id",   "rating.range",      "rating.unknown_movie",
              "person.unknown_movie", "tag.unknown_movie", "link.unknown_movie"};
          if (kRequired.count(id)) {
            throw UsageError(where +
                             ": this rule cannot be disabled (the database's keys and "
                             "constraints rely on it); set its severity instead");
          }
          s.enabled = false;
        } else {
          throw UsageError(where + ": expected true or false, got '" + value.text + "'");
        }
      } else if (key == "severity") {
        std::string allowed;
        bool found = false;
        for (Severity a : def->allowed) {
          allowed += (allowed.empty() ? "" : ", ") + std::string(SeverityName(a));
          if (value.text == SeverityName(a)) {
            s.severity = a;
            found = true;
          }
        }
        if (!found) {
          throw UsageError(where + ": '" + value.text + "' is not allowed for this rule (" +
                           allowed + ")");
        }
      } else {
        auto p = std::find_if(def->params.begin(), def->params.end(),
                              [&](const ParamDef& d) { return key == d.name; });
        if (p == def->params.end()) {
          std::string known = "enabled, severity";
          for (const auto& d : def->params) known += std::string(", ") + d.name;
          throw UsageError(where + ": unknown key (known: " + known + ")");
        }
        double v;
        if (!ParseFloat(value.text, v)) {
          throw UsageError(where + ": expected a number, got '" + value.text + "'");
        }
        if (v < p->min || v > p->max) {
          throw UsageError(where + ": " + value.text + " is out of range [" + FormatNumber(p->min) +
                           ", " + FormatNumber(p->max) + "]");
        }
        s.params[key] = v;
      }
    }
  }
  return set;
}

const RuleSet::Setting& RuleSet::Get(const std::string& id) const {
  auto it = settings_.find(id);
  MOVIEREC_ASSERT(it != settings_.end(), "rule " + id + " is not in the registry");
  return it->second;
}

bool RuleSet::Enabled(const std::string& id) const { return Get(id).enabled; }
Severity RuleSet::SeverityOf(const std::string& id) const { return Get(id).severity; }

double RuleSet::Param(const std::string& id, const std::string& name) const {
  const auto& p = Get(id).params;
  auto it = p.find(name);
  MOVIEREC_ASSERT(it != p.end(), "rule " + id + " has no parameter " + name);
  return it->second;
}

void RuleSet::Set(const std::string& id, bool enabled, Severity severity) {
  Get(id);
  settings_[id].enabled = enabled;
  settings_[id].severity = severity;
}

void RuleSet::SetParam(const std::string& id, const std::string& name, double value) {
  Param(id, name);
  settings_[id].params[name] = value;
}

}  // namespace movierec::etl

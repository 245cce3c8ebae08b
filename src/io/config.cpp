#include "io/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "common/error.h"

namespace movierec::io {
namespace {

// A schema entry: where a key's value goes and how it is checked.
struct Field {
  enum Kind { kInt, kString, kPath, kBool, kChoice, kStageList, kDouble, kChoiceList } kind;
  void* target;
  long long min = 0, max = 0;
  std::vector<std::string> choices = {};
  double lo = 0, hi = 0;  // kDouble's range
};

Field Double(double* target, double lo, double hi) {
  return Field{Field::kDouble, target, 0, 0, {}, lo, hi};
}

class ConfigReader {
 public:
  ConfigReader(std::filesystem::path file, PipelineConfig& cfg) : file_(std::move(file)) {
    base_ = file_.parent_path();
    Add("database.path", {Field::kPath, &cfg.database_path});
    Add("data_sources.csv_files.movies", {Field::kPath, &cfg.sources.movies});
    Add("data_sources.csv_files.ratings", {Field::kPath, &cfg.sources.ratings});
    Add("data_sources.csv_files.persons", {Field::kPath, &cfg.sources.persons});
    Add("data_sources.csv_files.imdb", {Field::kPath, &cfg.sources.imdb});
    Add("data_sources.csv_files.tags", {Field::kPath, &cfg.sources.tags});
    Add("data_sources.csv_files.links", {Field::kPath, &cfg.sources.links});
    Add("performance.batch_size", {Field::kInt, &cfg.batch_size, 1, 1000000});
    Add("performance.max_workers", {Field::kInt, &cfg.max_workers, 0, 1024});
    Add("feature_engineering.genres.min_frequency",
        {Field::kInt, &cfg.genres_min_frequency, 0, 1000000000});
    Add("feature_engineering.genres.max_genres", {Field::kInt, &cfg.genres_max_genres, 1, 1000});
    Add("feature_engineering.bayesian_prior_count",
        {Field::kInt, &cfg.bayesian_prior_count, 0, 1000000000});
    Add("feature_engineering.popularity_half_life_days",
        {Field::kInt, &cfg.popularity_half_life_days, 0, 36500});
    Add("feature_engineering.index_policy",
        {Field::kChoice, &cfg.index_policy, 0, 0, {"auto", "keep", "compact"}});
    Add("compute.device", {Field::kString, &cfg.device});
    Add("reports.directory", {Field::kPath, &cfg.reports_dir});
    Add("logging.level",
        {Field::kChoice, &cfg.log_level, 0, 0, {"trace", "debug", "info", "warn", "error"}});
    Add("logging.progress", {Field::kBool, &cfg.progress});
    Add("pipeline.stages", {Field::kStageList, &cfg.stages});
    Add("evaluation.split", {Field::kString, &cfg.eval_split});
    Add("evaluation.seed", {Field::kInt, &cfg.eval_seed, 0, 2147483647});
    Add("evaluation.k", {Field::kInt, &cfg.eval_k, 1, 10000});
    AddModels(cfg.models);
    Add("quality.sample_size", {Field::kInt, &cfg.quality_sample_size, 0, 1000});
    rules_ = &cfg.quality_rules;
  }

  void Read() {
    YAML::Node root;
    try {
      root = YAML::LoadFile(file_.string());
    } catch (const YAML::BadFile&) {
      throw UsageError("cannot read config file " + file_.string());
    } catch (const YAML::ParserException& e) {
      throw UsageError(Where(e.mark) + "invalid YAML: " + e.msg);
    }
    if (root.IsNull()) return;  // an empty file means all defaults
    if (!root.IsMap()) throw UsageError(Where(root.Mark()) + "the top level must be a mapping");
    Walk(root, "");
  }

 private:
  void AddModels(ModelsConfig& m) {
    static const std::vector<std::string> kAlgorithms = {"als",     "ials",       "svd",
                                                         "content", "popularity", "hybrid"};
    Add("models.algorithms", {Field::kChoiceList, &m.algorithms, 0, 0, kAlgorithms});
    Add("models.collaborative", {Field::kChoice, &m.collaborative, 0, 0, {"als", "ials", "svd"}});
    Add("models.top_n", {Field::kInt, &m.top_n, 1, 10000});
    Add("models.seed", {Field::kInt, &models_seed_, 0, 2147483647});
    Add("models.als.factors", {Field::kInt, &m.als.factors, 1, 1024});
    Add("models.als.iterations", {Field::kInt, &m.als.iterations, 1, 10000});
    Add("models.als.regularization", Double(&m.als.regularization, 0, 1e6));
    Add("models.als.biases", {Field::kBool, &m.als.biases});
    Add("models.als.init_std", Double(&m.als.init_std, 0, 10));
    Add("models.ials.factors", {Field::kInt, &m.ials.factors, 1, 1024});
    Add("models.ials.iterations", {Field::kInt, &m.ials.iterations, 1, 10000});
    Add("models.ials.regularization", Double(&m.ials.regularization, 0, 1e6));
    Add("models.ials.alpha", Double(&m.ials.alpha, 0, 1e6));
    Add("models.ials.confidence", {Field::kChoice, &m.ials.confidence, 0, 0, {"linear", "log"}});
    Add("models.ials.epsilon", Double(&m.ials.epsilon, 1e-9, 1e9));
    Add("models.ials.solver", {Field::kChoice, &m.ials.solver, 0, 0, {"cg", "cholesky"}});
    Add("models.ials.cg_steps", {Field::kInt, &m.ials.cg_steps, 1, 1024});
    Add("models.ials.init_std", Double(&m.ials.init_std, 0, 10));
    Add("models.svd.factors", {Field::kInt, &m.svd.factors, 1, 1024});
    Add("models.svd.epochs", {Field::kInt, &m.svd.epochs, 1, 10000});
    Add("models.svd.lr", Double(&m.svd.lr, 0, 10));
    Add("models.svd.reg", Double(&m.svd.reg, 0, 1e6));
    Add("models.svd.init_mean", Double(&m.svd.init_mean, -10, 10));
    Add("models.svd.init_std", Double(&m.svd.init_std, 0, 10));
    Add("models.svd.biased", {Field::kBool, &m.svd.biased});
    Add("models.svd.schedule", {Field::kChoice, &m.svd.schedule, 0, 0, {"blocks", "serial"}});
    Add("models.content.genre_weight", Double(&m.content.genre_weight, 0, 1e6));
    Add("models.content.people_weight", Double(&m.content.people_weight, 0, 1e6));
    Add("models.content.year_weight", Double(&m.content.year_weight, 0, 1e6));
    Add("models.content.language_weight", Double(&m.content.language_weight, 0, 1e6));
    Add("models.content.min_rating", Double(&m.content.min_rating, 0, 10));
    Add("models.popularity.prior_count", Double(&m.popularity.prior_count, 0, 1e9));
    Add("models.popularity.half_life_days", Double(&m.popularity.half_life_days, 0, 1e6));
    Add("models.hybrid.collaborative_weight", Double(&m.hybrid.collaborative_weight, 0, 1e6));
    Add("models.hybrid.content_weight", Double(&m.hybrid.content_weight, 0, 1e6));
    Add("models.hybrid.popularity_weight", Double(&m.hybrid.popularity_weight, 0, 1e6));
    Add("models.hybrid.cold_start_ratings", {Field::kInt, &m.hybrid.cold_start_ratings, 0, 1000000});
    Add("models.hybrid.warm_ratings", {Field::kInt, &m.hybrid.warm_ratings, 0, 1000000});
  }

  void Add(const std::string& key, Field f) {
    fields_.emplace(key, std::move(f));
    for (size_t p = key.find('.'); p != std::string::npos; p = key.find('.', p + 1)) {
      sections_.insert(key.substr(0, p));
    }
  }

  std::string Where(const YAML::Mark& m) const {
    return file_.string() + ":" + std::to_string(m.line + 1) + ": ";
  }

  std::string Suggest(const std::string& key) const {
    // Known keys that share the parent section, to help with typos.
    std::string parent = key.substr(0, key.rfind('.') == std::string::npos ? 0 : key.rfind('.'));
    std::vector<std::string> names;
    auto collect = [&](const std::string& k) {
      std::string kp = k.rfind('.') == std::string::npos ? "" : k.substr(0, k.rfind('.'));
      if (kp == parent) names.push_back(k.substr(kp.empty() ? 0 : kp.size() + 1));
    };
    for (const auto& [k, f] : fields_) collect(k);
    for (const auto& s : sections_) collect(s);
    collect("quality.rules");
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out.empty() ? "" : " (known here: " + out + ")";
  }

  void Walk(const YAML::Node& map, const std::string& prefix) {
    for (const auto& kv : map) {
      const YAML::Node& k = kv.first;
      const YAML::Node& v = kv.second;
      std::string name = k.as<std::string>();
      std::string key = prefix.empty() ? name : prefix + "." + name;
      if (key == "quality.rules") {
        if (v.IsNull()) continue;
        if (!v.IsMap()) throw UsageError(Where(k.Mark()) + key + ": expected a mapping");
        ReadRules(v);
      } else if (sections_.count(key)) {
        if (v.IsNull()) continue;
        if (!v.IsMap()) throw UsageError(Where(k.Mark()) + key + ": expected a mapping");
        Walk(v, key);
      } else if (auto it = fields_.find(key); it != fields_.end()) {
        Set(key, it->second, v, k.Mark());
      } else {
        throw UsageError(Where(k.Mark()) + "unknown key '" + key + "'" + Suggest(key));
      }
    }
  }

  // quality.rules.<id>: {enabled: .., severity: .., <threshold>: ..}; the validate stage checks
  // ids, keys and values against its registry and reports errors with these lines.
  void ReadRules(const YAML::Node& rules) {
    for (const auto& rule : rules) {
      const std::string id = rule.first.as<std::string>();
      const YAML::Node& body = rule.second;
      if (!body.IsMap()) {
        throw UsageError(Where(rule.first.Mark()) + "quality.rules." + id +
                         ": expected a mapping such as {enabled: true, severity: warn}");
      }
      RuleSetting setting;
      setting.line = rule.first.Mark().line + 1;
      for (const auto& kv : body) {
        const std::string name = kv.first.as<std::string>();
        if (!kv.second.IsScalar()) {
          throw UsageError(Where(kv.first.Mark()) + "quality.rules." + id + "." + name +
                           ": expected a single value");
        }
        setting.values[name] = {kv.second.Scalar(), kv.second.Mark().line + 1};
      }
      (*rules_)[id] = std::move(setting);
    }
  }

  void Set(const std::string& key, const Field& f, const YAML::Node& v, const YAML::Mark& km) {
    const std::string where = Where(v.IsDefined() && !v.IsNull() ? v.Mark() : km) + key + ": ";
    if (f.kind == Field::kStageList) {
      std::vector<std::string> list;
      if (v.IsScalar()) {
        std::istringstream ss(v.Scalar());
        for (std::string s; ss >> s;) list.push_back(s);
      } else if (v.IsSequence()) {
        for (const auto& item : v) {
          if (!item.IsScalar()) throw UsageError(where + "expected a list of stage names");
          list.push_back(item.Scalar());
        }
      } else {
        throw UsageError(where + "expected a list of stage names");
      }
      try {
        *static_cast<std::vector<std::string>*>(f.target) = NormalizeStages(list);
      } catch (const UsageError& e) {
        throw UsageError(where + e.what());
      }
      return;
    }
    if (f.kind == Field::kChoiceList) {
      std::vector<std::string> list;
      auto add = [&](std::string item) {
        std::transform(item.begin(), item.end(), item.begin(), ::tolower);
        if (std::find(f.choices.begin(), f.choices.end(), item) == f.choices.end()) {
          std::string all;
          for (const auto& c : f.choices) all += (all.empty() ? "" : ", ") + c;
          throw UsageError(where + "'" + item + "' is not one of " + all);
        }
        if (std::find(list.begin(), list.end(), item) != list.end()) {
          throw UsageError(where + "'" + item + "' is listed twice");
        }
        list.push_back(std::move(item));
      };
      if (v.IsScalar()) {
        std::istringstream ss(v.Scalar());
        for (std::string item; ss >> item;) add(item);
      } else if (v.IsSequence()) {
        for (const auto& item : v) {
          if (!item.IsScalar()) throw UsageError(where + "expected a list of names");
          add(item.Scalar());
        }
      } else if (!v.IsNull()) {
        throw UsageError(where + "expected a list of names");
      }
      *static_cast<std::vector<std::string>*>(f.target) = std::move(list);
      return;
    }
    if (!v.IsScalar()) throw UsageError(where + "expected a single value");
    const std::string s = v.Scalar();
    switch (f.kind) {
      case Field::kInt: {
        long long x = 0;
        size_t used = 0;
        try {
          x = std::stoll(s, &used);
        } catch (...) {
          used = 0;
        }
        if (used == 0 || used != s.size()) {
          throw UsageError(where + "expected an integer, got '" + s + "'");
        }
        if (x < f.min || x > f.max) {
          throw UsageError(where + "value " + s + " is out of range [" + std::to_string(f.min) +
                           ", " + std::to_string(f.max) + "]");
        }
        *static_cast<int*>(f.target) = static_cast<int>(x);
        break;
      }
      case Field::kBool: {
        bool b;
        if (!YAML::convert<bool>::decode(v, b)) {
          throw UsageError(where + "expected true or false, got '" + s + "'");
        }
        *static_cast<bool*>(f.target) = b;
        break;
      }
      case Field::kChoice: {
        std::string lower = s;
        std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
        if (std::find(f.choices.begin(), f.choices.end(), lower) == f.choices.end()) {
          std::string all;
          for (const auto& c : f.choices) all += (all.empty() ? "" : ", ") + c;
          throw UsageError(where + "'" + s + "' is not one of " + all);
        }
        *static_cast<std::string*>(f.target) = lower;
        break;
      }
      case Field::kPath: {
        if (s.empty()) throw UsageError(where + "expected a path");
        std::filesystem::path p(s);
        if (p.is_relative()) p = base_ / p;
        *static_cast<std::string*>(f.target) = p.lexically_normal().string();
        break;
      }
      case Field::kString:
        *static_cast<std::string*>(f.target) = s;
        break;
      case Field::kDouble: {
        double x = 0;
        size_t used = 0;
        try {
          x = std::stod(s, &used);
        } catch (...) {
          used = 0;
        }
        if (used == 0 || used != s.size() || !std::isfinite(x)) {
          throw UsageError(where + "expected a number, got '" + s + "'");
        }
        if (x < f.lo || x > f.hi) {
          std::ostringstream range;
          range << "[" << f.lo << ", " << f.hi << "]";
          throw UsageError(where + "value " + s + " is out of range " + range.str());
        }
        *static_cast<double*>(f.target) = x;
        break;
      }
      case Field::kStageList:
      case Field::kChoiceList:
        break;
    }
  }

  std::filesystem::path file_;
  std::filesystem::path base_;
  std::map<std::string, Field> fields_;
  std::set<std::string> sections_;
  std::map<std::string, RuleSetting>* rules_ = nullptr;

 public:
  int models_seed_ = 42;  // models.seed, copied into ModelsConfig::seed after reading
};

}  // namespace

int PipelineConfig::Workers() const {
  if (max_workers > 0) return max_workers;
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

const std::vector<std::string>& AllStages() {
  static const std::vector<std::string> all = {"extract", "validate", "transform", "load",
                                               "train",   "score",    "finalize"};
  return all;
}

std::vector<std::string> NormalizeStages(const std::vector<std::string>& stages) {
  const auto& all = AllStages();
  std::vector<bool> seen(all.size(), false);
  for (const auto& s : stages) {
    auto it = std::find(all.begin(), all.end(), s);
    if (it == all.end()) {
      std::string names;
      for (const auto& a : all) names += (names.empty() ? "" : ", ") + a;
      throw UsageError("unknown stage '" + s + "' (stages: " + names + ")");
    }
    seen[it - all.begin()] = true;
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < all.size(); ++i) {
    if (seen[i]) out.push_back(all[i]);
  }
  return out;
}

PipelineConfig LoadConfig(const std::filesystem::path& file) {
  PipelineConfig cfg;
  cfg.config_file = file;
  // Defaults that are paths are relative to the config file's folder as well.
  auto base = file.parent_path();
  cfg.database_path = (base / cfg.database_path).lexically_normal().string();
  cfg.reports_dir = (base / cfg.reports_dir).lexically_normal().string();
  ConfigReader reader(file, cfg);
  reader.Read();
  cfg.models.seed = static_cast<uint64_t>(reader.models_seed_);
  if (cfg.sources.movies.empty()) {
    throw UsageError(file.string() + ": data_sources.csv_files.movies is required");
  }
  if (cfg.sources.ratings.empty()) {
    throw UsageError(file.string() + ": data_sources.csv_files.ratings is required");
  }
  return cfg;
}

std::string ConfigHash(const PipelineConfig& c) {
  std::ostringstream s;
  s << c.database_path << '\n'
    << c.sources.movies << '\n'
    << c.sources.ratings << '\n'
    << c.sources.persons << '\n'
    << c.sources.imdb << '\n'
    << c.sources.tags << '\n'
    << c.sources.links << '\n'
    << c.batch_size << '\n'
    << c.genres_min_frequency << '\n'
    << c.genres_max_genres << '\n'
    << c.bayesian_prior_count << '\n'
    << c.popularity_half_life_days << '\n'
    << c.index_policy << '\n'
    << c.eval_split << '\n'
    << c.eval_seed << '\n'
    << c.device << '\n';
  // FNV-1a 64: stable across platforms and library versions, unlike std::hash.
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : s.str()) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace movierec::io

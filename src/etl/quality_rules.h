// The registry of data-quality rules and their configured settings (config `quality.rules`).
// Each rule has an id, the table it checks, a default severity, the severities it allows and
// its thresholds; the validate and transform stages look settings up here.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "io/config.h"

namespace movierec::etl {

// warn: report only; fix: repair the value (or merge), keep the row; quarantine: move the row to
// rejected_rows; fail: stop the run before anything is published (exit code 3).
enum class Severity { kWarn, kFix, kQuarantine, kFail };
const char* SeverityName(Severity s);

struct ParamDef {
  const char* name;
  double default_value;
  double min;
  double max;
  const char* doc;
};

struct RuleDef {
  const char* id;
  const char* table;
  const char* check;  // one line: what the rule checks
  Severity default_severity;
  std::vector<Severity> allowed;
  std::vector<ParamDef> params;
};

// Every configurable rule, in report order.
const std::vector<RuleDef>& RuleRegistry();

class RuleSet {
 public:
  // All rules at their defaults.
  RuleSet();
  // Applies the config's settings; unknown rule ids, keys, severities or out-of-range values
  // throw UsageError naming "<file>:<line>: quality.rules.<id>.<key>".
  static RuleSet FromConfig(const std::map<std::string, io::RuleSetting>& settings,
                            const std::string& config_file);

  bool Enabled(const std::string& id) const;
  Severity SeverityOf(const std::string& id) const;
  double Param(const std::string& id, const std::string& name) const;
  // Test and tool use: change one rule.
  void Set(const std::string& id, bool enabled, Severity severity);
  void SetParam(const std::string& id, const std::string& name, double value);

 private:
  struct Setting {
    bool enabled = true;
    Severity severity = Severity::kWarn;
    std::map<std::string, double> params;
  };
  const Setting& Get(const std::string& id) const;
  std::map<std::string, Setting> settings_;
};

}  // namespace movierec::etl

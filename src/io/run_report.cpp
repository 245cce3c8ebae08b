#include "io/run_report.h"

#include <sys/resource.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>

#include "common/error.h"

namespace movierec::io {

int64_t PeakRssBytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;
}

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

nlohmann::json RunReport::ToJson() const {
  using nlohmann::json;
  json j;
  j["run_id"] = run_id;
  j["status"] = status;
  if (!error.empty()) j["error"] = error;
  j["started_at"] = started_at;
  j["finished_at"] = finished_at;
  j["config_file"] = config_file;
  j["config_hash"] = config_hash;
  j["database"] = database;
  j["device"] = device;
  j["peak_rss_bytes"] = PeakRssBytes();
  json st = json::array();
  for (const auto& s : stages) {
    st.push_back({{"name", s.name},
                  {"seconds", s.seconds},
                  {"rows_in", s.rows_in},
                  {"rows_out", s.rows_out},
                  {"rows_per_second", s.seconds > 0 ? s.rows_in / s.seconds : 0.0}});
  }
  j["stages"] = st;
  json src = json::array();
  for (const auto& s : sources) {
    src.push_back(
        {{"kind", s.kind},
         {"path", s.path},
         {"format", s.format},
         {"bytes", s.bytes},
         {"rows_read", s.rows_read},
         {"rows_loaded", s.rows_loaded},
         {"rows_merged", s.rows_merged},
         {"rows_quarantined", s.rows_quarantined},
         {"accounted", s.rows_read == s.rows_loaded + s.rows_merged + s.rows_quarantined}});
  }
  j["sources"] = src;
  json q = json::array();
  std::map<std::string, int64_t> by_rule;
  for (const auto& r : quality) {
    q.push_back({{"rule_id", r.rule_id},
                 {"table", r.table},
                 {"rows_checked", r.rows_checked},
                 {"rows_failed", r.rows_failed},
                 {"severity", r.severity},
                 {"action", r.action},
                 {"sample", r.sample}});
  }
  j["quality"] = q;
  json rej = json::array();
  for (const auto& r : rejected_sample) {
    rej.push_back({{"source", r.source}, {"line", r.line}, {"rule", r.rule}, {"reason", r.reason}});
  }
  j["quarantine"] = {{"total", rejected_total}, {"sample", rej}};
  j["warnings"] = warnings;
  j["rating_histogram"] = rating_histogram;
  j["models"] = models;
  return j;
}

std::string RunReport::Write(const std::string& dir) const {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error("cannot create reports directory " + dir + ": " + ec.message());
  std::time_t t = static_cast<std::time_t>(started_at);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d_%H%M%S", &tm);
  std::string path = (std::filesystem::path(dir) / ("pipeline_report_" + std::string(stamp) + "_" +
                                                    std::to_string(run_id) + ".json"))
                         .string();
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << ToJson().dump(2) << "\n";
    if (!out) throw Error("cannot write report " + tmp);
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw Error("cannot write report " + path + ": " + ec.message());
  return path;
}

namespace {
std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}
}  // namespace

std::string WriteRejectedCsv(const std::string& dir, int64_t run_id,
                             const std::vector<RejectedRow>& rows) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string path =
      (std::filesystem::path(dir) / ("rejected_" + std::to_string(run_id) + ".csv")).string();
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << "source_file,line,rule,reason,raw\n";
    for (const auto& r : rows) {
      out << CsvField(r.source) << ',' << r.line << ',' << CsvField(r.rule) << ','
          << CsvField(r.reason) << ',' << CsvField(r.raw) << '\n';
    }
    if (!out) throw Error("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw Error("cannot write " + path + ": " + ec.message());
  return path;
}

}  // namespace movierec::io

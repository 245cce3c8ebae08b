// Shared test helpers: scratch directories and running the real binary.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace movierec::testing {

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs build/movierec with the given arguments (shell-quoted for you), with the environment
// variables `env` ("NAME=value") added.
RunResult RunMovierec(const std::vector<std::string>& args,
                      const std::vector<std::string>& env = {});

void WriteFile(const std::filesystem::path& path, const std::string& contents);
std::string ReadFile(const std::filesystem::path& path);

}  // namespace movierec::testing

// Renderers for run results: the text timeline engineers read, the JSON
// object scripts consume, and JUnit XML for CI. Files are written to a
// temporary name and renamed, so a report is never left half-written.
#pragma once

#include <string>
#include <vector>

#include "sim/runner.hpp"

namespace swarmsim::reports {

struct TextOptions {
  bool verbose = false;  // include every call the logic made and every metadata reload
  bool color = false;
};

// "01:35.204": minutes and seconds of virtual time.
std::string format_time(Instant t);
std::string format_digest(std::uint64_t digest);

std::string render_text(const sim::RunResult& r, const std::string& file, const TextOptions& o);
std::string render_json(const sim::RunResult& r, const std::string& file);
// Chrome trace event JSON (load it in Perfetto or chrome://tracing): one
// track per host, every trace event as an instant on it, and each node's
// life (certificate to removal, or to the end of the run) as a slice.
std::string render_chrome_trace(const sim::RunResult& r);
// One testsuite, one testcase per result; a failing verdict is a <failure>.
std::string render_junit(const std::vector<sim::RunResult>& results, const std::string& suite);

// The general form, for reports that are not scenario runs (`check`).
struct JunitCase {
  std::string name;
  double time_s = 0;
  std::string failure_type;  // empty: passed
  std::string message;
  std::string body;
  std::vector<std::pair<std::string, std::string>> properties;
};
std::string render_junit(const std::string& suite, const std::vector<JunitCase>& cases);

// Writes `content` to `path` through a temporary file in the same folder and
// a rename. Throws std::runtime_error with the path and the reason.
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace swarmsim::reports

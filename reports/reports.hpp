// Renderers for run results: the text timeline engineers read and the JSON
// object scripts consume (JUnit XML is in junit.hpp). Files are written to a
// temporary name and renamed, so a report is never left half-written.
#pragma once

#include <nlohmann/json.hpp>
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
// The run as the JSON fields reports/README.md documents (the caller adds
// the document header).
nlohmann::ordered_json run_to_json(const sim::RunResult& r, const std::string& file);
// The run's metrics as the `metrics` object of run_to_json (reports/README.md).
nlohmann::ordered_json metrics_to_json(const sim::RunMetrics& m);
// Chrome trace event JSON (load it in Perfetto or chrome://tracing): one
// track per host, every trace event as an instant on it, and each node's
// life (certificate to removal, or to the end of the run) as a slice.
std::string render_chrome_trace(const sim::RunResult& r);
// Writes `content` to `path` through a temporary file of a unique name in
// the same folder and a rename, so a reader never sees half a report and a
// report never lands beside the path it was meant for. Throws
// std::runtime_error with the path and the reason (a folder, no permission).
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace swarmsim::reports

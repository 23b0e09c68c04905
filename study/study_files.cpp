// Reading a study's directory: the bytes of study.json and runs.jsonl, and
// runs.jsonl cut into its complete lines and a torn last one.
#include "study/study_files.hpp"

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

namespace swarmsim::study {

namespace fs = std::filesystem;

namespace {

FileBytes read_file_bytes(const fs::path& path) {
  FileBytes f;
  std::error_code ec;
  f.exists = fs::exists(path, ec);
  f.directory = f.exists && fs::is_directory(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    f.open_error = errno;
    return f;
  }
  f.opened = true;
  // Byte by byte into `text`, so that a read that fails midway keeps what
  // came before it.
  try {
    for (std::istreambuf_iterator<char> it(in), end; it != end; ++it) f.text += *it;
  } catch (...) {
    f.read_error = std::current_exception();
  }
  return f;
}

}  // namespace

std::string study_json_path(const std::string& dir) {
  return (fs::path(dir) / "study.json").string();
}
std::string runs_jsonl_path(const std::string& dir) {
  return (fs::path(dir) / "runs.jsonl").string();
}

RunsLines split_runs_lines(const std::string& text) {
  RunsLines out;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    if (end == std::string::npos) {
      out.torn = RunsLine{out.complete.size() + 1, text.substr(start)};
      break;
    }
    out.complete.push_back({out.complete.size() + 1, text.substr(start, end - start)});
    start = end + 1;
  }
  return out;
}

FileBytes read_study_json(const std::string& dir) {
  return read_file_bytes(study_json_path(dir));
}

RunsJsonl read_runs_jsonl(const std::string& dir) {
  RunsJsonl r;
  r.file = read_file_bytes(runs_jsonl_path(dir));
  r.lines = split_runs_lines(r.file.text);
  return r;
}

}  // namespace swarmsim::study

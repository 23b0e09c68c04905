// The two files of a study's directory as they are on disk: study.json's
// bytes, and runs.jsonl's bytes cut into lines, with the torn last line a
// killed study leaves. Every reader of a study's directory reads it here:
// `swarmsim study --resume` and `swarmsim merge` (study/study_dir.hpp) and
// `swarmsim report` (reports/study_data.hpp). What a line must hold, and
// what a missing or unreadable file means, is each reader's own rule.
#pragma once

#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <vector>

namespace swarmsim::study {

// DIR/study.json and DIR/runs.jsonl.
std::string study_json_path(const std::string& dir);
std::string runs_jsonl_path(const std::string& dir);

// A file read whole, or what kept it from being read.
struct FileBytes {
  bool exists = false;     // something is at the path
  bool directory = false;  // and it is a directory
  bool opened = false;     // it opened for reading
  int open_error = 0;      // errno of the failed open
  // A read that failed after the open (a directory opens, then fails to
  // read); `text` holds what came before it.
  std::exception_ptr read_error;
  std::string text;
};

// One line of runs.jsonl, without its '\n'.
struct RunsLine {
  std::size_t number = 0;  // from 1
  std::string text;
};

// runs.jsonl cut into lines. A study appends every line whole, so only the
// last line can lack its '\n': the run being written when the study was
// killed (or a file written by hand).
struct RunsLines {
  std::vector<RunsLine> complete;  // the lines that end in '\n'
  std::optional<RunsLine> torn;    // what follows the last '\n', when anything does
};
RunsLines split_runs_lines(const std::string& text);

struct RunsJsonl {
  FileBytes file;
  RunsLines lines;  // of file.text
};

FileBytes read_study_json(const std::string& dir);
RunsJsonl read_runs_jsonl(const std::string& dir);

}  // namespace swarmsim::study

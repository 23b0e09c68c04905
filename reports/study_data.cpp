// Reading a study's directory into StudyData: study.json checked field by
// field (NotAStudy names what is wrong), runs.jsonl line by line (a line
// that is not a run is skipped with a warning naming its number), and knob
// values as labels and numbers.
#include "reports/study_data.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <regex>
#include <set>
#include <system_error>
#include <tuple>

#include "study/study_files.hpp"

namespace swarmsim::reports {

namespace fs = std::filesystem;
using nlohmann::json;

// ---- Knob values --------------------------------------------------------------

std::string knob_label(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

namespace detail {

std::optional<std::pair<double, bool>> parse_quantity(const std::string& s) {
  static const std::regex re(
      R"(^\s*([-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)\s*(ms|s|m|h)?\s*$)");
  std::smatch m;
  if (!std::regex_match(s, m, re)) return std::nullopt;
  double v = std::strtod(m[1].str().c_str(), nullptr);
  const std::string unit = m[2].str();
  if (unit == "ms")
    v /= 1000;
  else if (unit == "m")
    v *= 60;
  else if (unit == "h")
    v *= 3600;
  if (!std::isfinite(v)) return std::nullopt;
  return std::pair{v, !unit.empty()};
}

}  // namespace detail

std::optional<double> knob_number(const json& value) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) {
    if (auto q = detail::parse_quantity(value.get<std::string>())) return q->first;
  }
  return std::nullopt;
}

// ---- Loading --------------------------------------------------------------------

namespace {

std::string type_name(const json& j) {
  return j.type_name();
}

// What a parse error says, without the library's prefix.
std::string parse_message(const std::exception& e) {
  std::string what = e.what();
  if (const auto at = what.find("] "); what.rfind("[json", 0) == 0 && at != std::string::npos)
    what = what.substr(at + 2);
  return what;
}

double as_double(const json& j) {
  return j.get<double>();
}

StudyRun parse_run(const json& j) {
  StudyRun r;
  r.point = j.at("point").get<std::string>();
  if (auto k = j.find("knobs"); k != j.end() && k->is_object()) r.knobs = *k;
  if (auto s = j.find("seed"); s != j.end() && s->is_number_unsigned())
    r.seed = s->get<std::uint64_t>();
  else if (s != j.end() && s->is_number_integer() && s->get<std::int64_t>() >= 0)
    r.seed = static_cast<std::uint64_t>(s->get<std::int64_t>());
  if (auto p = j.find("policy"); p != j.end() && p->is_string()) r.policy = p->get<std::string>();
  if (auto v = j.find("verdict"); v != j.end() && v->is_string()) r.verdict = v->get<std::string>();
  const auto m = j.find("metrics");
  if (m == j.end() || !m->is_object()) return r;
  for (const auto& [name, value] : m->items()) {
    if (name == "time_to_ready_s_by_profile" && value.is_object()) {
      for (const auto& [profile, samples] : value.items()) {
        if (!samples.is_array()) continue;
        auto& out = r.time_to_ready_s[profile];
        for (const auto& s : samples)
          if (s.is_number()) out.push_back(as_double(s));
      }
    } else if (name == "leader_calls_per_s" && value.is_object()) {
      r.has_leader_calls = true;
      for (const auto& [api, rate] : value.items())
        if (rate.is_number()) r.leader_calls_per_s[api] = as_double(rate);
    } else if (name == "removed_host_cleanup_s" && value.is_object()) {
      for (const auto& [field, v] : value.items()) {
        const std::string key = fmt::format("{}_{}", name, field);
        if (v.is_number())
          r.scalars[key] = as_double(v);
        else if (v.is_null())
          r.nulls[key] = 1;
      }
    } else if (value.is_number()) {
      r.scalars[name] = as_double(value);
    } else if (value.is_null()) {
      r.nulls[name] = 1;
    }
  }
  return r;
}

StudyData parse_study_lines(const std::string& dir, const std::string& study_json,
                            const study::RunsLines& runs_lines) {
  const std::string file = study::study_json_path(dir);
  const std::string expected =
      "expected the study.json that `swarmsim study` writes: a JSON object with \"command\": "
      "\"study\", \"schema_version\": 1, \"knobs\" and \"points\"";
  json j;
  try {
    j = json::parse(study_json);
  } catch (const json::exception& e) {
    throw NotAStudy(fmt::format("{}: not valid JSON ({}); {}", file, parse_message(e), expected));
  }
  if (!j.is_object())
    throw NotAStudy(fmt::format("{}: a JSON {}, not an object; {}", file, type_name(j), expected));
  const auto command = j.find("command");
  if (command == j.end() || !command->is_string() || command->get<std::string>() != "study")
    throw NotAStudy(fmt::format("{}: \"command\" is {}; {}", file,
                                command == j.end() ? std::string("missing") : command->dump(),
                                expected));
  if (auto v = j.find("schema_version");
      v != j.end() && !(v->is_number_integer() && v->get<int>() == 1))
    throw NotAStudy(fmt::format("{}: schema_version {}; this swarmsim reads schema_version 1", file,
                                v->dump()));

  StudyData d;
  d.dir = dir;
  auto text = [&](const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  d.name = text("study");
  d.question = text("question");
  d.base = text("base");
  if (auto s = j.find("seeds_per_point"); s != j.end() && s->is_number_integer())
    d.seeds_per_point = s->get<int>();
  if (auto p = j.find("precision"); p != j.end() && p->is_object() &&
                                    p->value("rate", nlohmann::json()).is_string() &&
                                    p->value("half_width", nlohmann::json()).is_number() &&
                                    p->value("max_seeds", nlohmann::json()).is_number_integer())
    d.precision = *p;
  if (auto m = j.find("metrics"); m != j.end()) {
    if (!m->is_array())
      throw NotAStudy(fmt::format("{}: \"metrics\" is a {}; expected a list of metric names", file,
                                  type_name(*m)));
    for (const auto& name : *m)
      if (name.is_string()) d.metrics.push_back(name.get<std::string>());
  }
  if (auto k = j.find("knobs"); k != j.end()) {
    const std::string knob_expected = "expected a list of {\"name\", \"path\", \"values\"}";
    if (!k->is_array())
      throw NotAStudy(fmt::format("{}: \"knobs\" is a {}; {}", file, type_name(*k), knob_expected));
    for (const auto& kj : *k) {
      if (!kj.is_object() || !kj.contains("name") || !kj["name"].is_string())
        throw NotAStudy(
            fmt::format("{}: a knob without a name ({}); {}", file, kj.dump(), knob_expected));
      StudyKnob knob;
      knob.name = kj["name"].get<std::string>();
      knob.path =
          kj.contains("path") && kj["path"].is_string() ? kj["path"].get<std::string>() : knob.name;
      if (kj.contains("values") && kj["values"].is_array())
        for (const auto& v : kj["values"]) knob.values.push_back(v);
      d.knobs.push_back(std::move(knob));
    }
  }
  if (auto p = j.find("points"); p != j.end()) {
    if (!p->is_array())
      throw NotAStudy(fmt::format(
          "{}: \"points\" is a {}; expected a list of {{\"id\", \"knobs\"}}", file, type_name(*p)));
    for (const auto& pj : *p) {
      if (!pj.is_object() || !pj.contains("id") || !pj["id"].is_string())
        throw NotAStudy(fmt::format(
            "{}: a point without an id ({}); expected {{\"id\", \"knobs\"}}", file, pj.dump()));
      d.points.push_back(
          {pj["id"].get<std::string>(),
           pj.contains("knobs") && pj["knobs"].is_object() ? pj["knobs"] : json::object()});
    }
  }

  // runs.jsonl, line by line; one warning per bad line, up to a limit.
  const std::string runs_file = study::runs_jsonl_path(dir);
  const bool derive_points = d.points.empty();
  std::set<std::string> known;
  for (const auto& p : d.points) known.insert(p.id);
  std::set<std::tuple<std::string, std::uint64_t, std::string>> seen;
  std::size_t skipped = 0;
  constexpr std::size_t kMaxWarnings = 20;
  auto skip = [&](std::size_t line, const std::string& why) {
    if (++skipped <= kMaxWarnings)
      d.warnings.push_back(fmt::format("{}:{}: {}; skipped", runs_file, line, why));
  };
  // Every line, the torn last one too: a last line without its '\n' that
  // holds a whole run (a file written by hand) is a run.
  std::vector<const study::RunsLine*> lines;
  for (const auto& line : runs_lines.complete) lines.push_back(&line);
  if (runs_lines.torn) lines.push_back(&*runs_lines.torn);
  for (const study::RunsLine* l : lines) {
    const std::string& line = l->text;
    const std::size_t line_no = l->number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json rj;
    try {
      rj = json::parse(line);
    } catch (const json::exception& e) {
      const bool last = l == lines.back();
      skip(line_no, fmt::format("not valid JSON{} ({})", last ? " (a torn last line?)" : "",
                                parse_message(e)));
      continue;
    }
    if (!rj.is_object() || !rj.contains("point") || !rj["point"].is_string()) {
      skip(line_no, "not a run: expected a JSON object with a \"point\"");
      continue;
    }
    StudyRun run;
    try {
      run = parse_run(rj);
    } catch (const json::exception& e) {
      skip(line_no, fmt::format("not a run ({})", parse_message(e)));
      continue;
    }
    if (!known.count(run.point)) {
      if (!derive_points) {
        skip(line_no, fmt::format("point '{}' is not in study.json", run.point));
        continue;
      }
      known.insert(run.point);
      d.points.push_back({run.point, run.knobs.is_object() ? run.knobs : json::object()});
    }
    if (run.seed && !seen.insert({run.point, *run.seed, run.policy}).second) {
      skip(line_no, fmt::format("a second run of point {} seed {}", run.point, *run.seed));
      continue;
    }
    d.runs.push_back(std::move(run));
  }
  if (skipped > kMaxWarnings)
    d.warnings.push_back(
        fmt::format("{}: {} more lines skipped", runs_file, skipped - kMaxWarnings));
  if (derive_points)
    std::sort(d.points.begin(), d.points.end(),
              [](const StudyPoint& a, const StudyPoint& b) { return a.id < b.id; });
  // Knobs that study.json does not list but the points carry.
  if (d.knobs.empty()) {
    for (const auto& p : d.points)
      for (const auto& item : p.knobs.items()) {
        const std::string& name = item.key();
        auto it = std::find_if(d.knobs.begin(), d.knobs.end(),
                               [&](const StudyKnob& k) { return k.name == name; });
        if (it == d.knobs.end()) d.knobs.push_back({name, name, {}});
      }
  }
  return d;
}

}  // namespace

StudyData parse_study(const std::string& dir, const std::string& study_json,
                      const std::string& runs_jsonl) {
  return parse_study_lines(dir, study_json, study::split_runs_lines(runs_jsonl));
}

StudyData load_study_dir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw NotAStudy(
        fmt::format("{}: {}; expected a study's directory (study.json and runs.jsonl, as "
                    "`swarmsim study` writes it)",
                    dir, fs::exists(dir, ec) ? "not a directory" : "no such directory"));
  const std::string study_path = study::study_json_path(dir);
  const study::FileBytes study_file = study::read_study_json(dir);
  if (!study_file.exists)
    throw NotAStudy(
        fmt::format("{}: no such file; expected the study.json that `swarmsim study` writes "
                    "into a study's directory: is {} a study's output directory?",
                    study_path, dir));
  if (study_file.directory)
    throw NotAStudy(fmt::format(
        "{}: a directory; expected the study.json file `swarmsim study` writes", study_path));
  if (!study_file.opened)
    throw NotAStudy(
        fmt::format("{}: cannot read: {}", study_path, std::strerror(study_file.open_error)));
  if (study_file.read_error) std::rethrow_exception(study_file.read_error);
  const study::RunsJsonl runs = study::read_runs_jsonl(dir);
  const bool no_runs_file = !runs.file.exists;
  if (!no_runs_file) {
    if (!runs.file.opened)
      throw NotAStudy(fmt::format("{}: cannot read: {}", study::runs_jsonl_path(dir),
                                  std::strerror(runs.file.open_error)));
    if (runs.file.read_error) std::rethrow_exception(runs.file.read_error);
  }
  StudyData d = parse_study_lines(dir, study_file.text, runs.lines);
  if (no_runs_file)
    d.warnings.insert(d.warnings.begin(), fmt::format("{}: no such file: no run has finished",
                                                      study::runs_jsonl_path(dir)));
  return d;
}

}  // namespace swarmsim::reports

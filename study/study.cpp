#include "study/study.hpp"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <set>

#include "reports/reports.hpp"
#include "reports/statistics.hpp"
#include "sim/runner.hpp"
#include "sim/scenario_yaml.hpp"

namespace swarmsim::study {

using sim::ScenarioError;

namespace {

[[noreturn]] void fail(const std::string& file, const YAML::Node& at, const std::string& message) {
  const YAML::Mark m = at.Mark();
  throw ScenarioError(file, m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0,
                      message);
}

}  // namespace

nlohmann::ordered_json label_of(const YAML::Node& v) {
  if (!v.IsScalar()) {
    YAML::Emitter e;
    e << YAML::Flow << v;
    return std::string(e.c_str());
  }
  const std::string& s = v.Scalar();
  double d = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), d);
  if (r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty()) {
    if (s.find_first_of(".eE") == std::string::npos) {
      long long i = 0;
      const auto ri = std::from_chars(s.data(), s.data() + s.size(), i);
      if (ri.ec == std::errc() && ri.ptr == s.data() + s.size()) return i;
    }
    return d;
  }
  if (s == "true") return true;
  if (s == "false") return false;
  return s;
}

namespace {

void only_keys(const std::string& file, const YAML::Node& map,
               std::initializer_list<const char*> keys, const char* what) {
  for (const auto& kv : map) {
    const std::string k = kv.first.as<std::string>();
    bool known = false;
    for (const char* key : keys) known = known || k == key;
    if (!known) {
      std::string list;
      for (const char* key : keys) list += std::string(list.empty() ? "" : ", ") + key;
      fail(file, kv.first,
           fmt::format("unknown key '{}' in {}; expected one of: {}", k, what, list));
    }
  }
}

int positive_int(const std::string& file, const YAML::Node& v, const char* what, int max) {
  try {
    const long long n = v.as<long long>();
    if (n >= 1 && n <= max) return static_cast<int>(n);
  } catch (const YAML::Exception&) {
  }
  fail(file, v,
       fmt::format("{}: expected a whole number from 1 to {}, got '{}'", what, max,
                   v.IsScalar() ? v.Scalar() : "a " + std::string(v.IsMap() ? "mapping" : "list")));
}

// Walks to `path` in `doc` and sets it. Map keys may be added (the loader
// then says whether the scenario may have them); list entries must exist.
// `doc` is a handle (yaml-cpp's nodes share what they point at): the
// document is changed through it, which a const reference would hide.
void set_path(YAML::Node doc,  // NOLINT(performance-unnecessary-value-param)
              const std::string& path, const YAML::Node& value, const std::string& where) {
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    const auto dot = path.find('.', start);
    parts.push_back(path.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  YAML::Node node = doc;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    const bool last = i + 1 == parts.size();
    const std::string so_far = path.substr(0, path.find(part) + part.size());
    if (part.empty())
      throw std::invalid_argument(fmt::format("{}: the path '{}' has an empty part", where, path));
    if (node.IsSequence()) {
      std::size_t index = 0;
      const auto r = std::from_chars(part.data(), part.data() + part.size(), index);
      if (r.ec != std::errc() || r.ptr != part.data() + part.size())
        throw std::invalid_argument(fmt::format(
            "{}: '{}' in '{}' is a list: expected an index from 0", where, so_far, path));
      if (index >= node.size())
        throw std::invalid_argument(
            fmt::format("{}: '{}' in '{}': the list has {} entries (indexes from 0)", where, so_far,
                        path, node.size()));
      if (last) {
        node[index] = YAML::Clone(value);
        return;
      }
      YAML::Node next = node[index];
      node.reset(next);
    } else if (node.IsMap()) {
      if (last) {
        node[part] = YAML::Clone(value);
        return;
      }
      const YAML::Node& const_node = node;
      if (!const_node[part])
        throw std::invalid_argument(
            fmt::format("{}: the scenario has no '{}' (in the path '{}')", where, so_far, path));
      YAML::Node next = node[part];
      node.reset(next);
    } else {
      throw std::invalid_argument(fmt::format(
          "{}: '{}' in '{}' is a single value, not a mapping or a list", where, so_far, path));
    }
  }
}

// half_width: a fraction (0.01) or a percentage ('1%').
double half_width_of(const std::string& file, const YAML::Node& v) {
  const std::string what =
      "precision.half_width: expected a fraction (0.01) or a percentage (1%) above 0 and at "
      "most 50%";
  if (!v.IsScalar()) fail(file, v, what);
  std::string text = v.Scalar();
  double scale = 1;
  if (!text.empty() && text.back() == '%') {
    text.pop_back();
    scale = 0.01;
  }
  double x = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), x);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size())
    fail(file, v, fmt::format("{}, got '{}'", what, v.Scalar()));
  x *= scale;
  if (!(x > 0 && x <= 0.5)) fail(file, v, fmt::format("{}, got '{}'", what, v.Scalar()));
  return x;
}

Precision precision_of(const std::string& file, const YAML::Node& p) {
  if (!p.IsMap())
    fail(file, p, "precision: expected a mapping {rate, half_width, batch, max_seeds}");
  only_keys(file, p, {"rate", "half_width", "batch", "max_seeds"}, "precision");
  Precision out;
  if (!p["rate"] || !p["rate"].IsScalar())
    fail(file, p, "precision needs rate: safety, liveness or pass");
  out.rate = p["rate"].Scalar();
  if (out.rate != "safety" && out.rate != "liveness" && out.rate != "pass")
    fail(file, p["rate"],
         fmt::format("precision.rate: expected safety, liveness or pass, got '{}'", out.rate));
  if (!p["half_width"])
    fail(file, p, "precision needs half_width, e.g. 1% (the rate known to within +-1 point)");
  out.half_width = half_width_of(file, p["half_width"]);
  if (p["batch"]) out.batch = positive_int(file, p["batch"], "precision.batch", 100000);
  if (p["max_seeds"])
    out.max_seeds = positive_int(file, p["max_seeds"], "precision.max_seeds", 1000000);
  if (out.batch > out.max_seeds)
    fail(file, p["batch"],
         fmt::format("precision.batch ({}) is more than max_seeds ({})", out.batch, out.max_seeds));
  return out;
}

}  // namespace

bool counted_verdict(const std::string& verdict) {
  return verdict == "pass" || verdict == "safety" || verdict == "liveness" ||
         verdict == "inconclusive";
}

bool precise_enough(const Precision& p, std::size_t k, std::size_t n) {
  return reports::wilson_within(k, n, p.half_width);
}

std::optional<Stop> stop_point(const Precision& p, const std::vector<std::string>& verdicts) {
  const auto max_seeds = static_cast<std::size_t>(p.max_seeds);
  std::size_t k = 0, n = 0, seen = 0;
  for (std::size_t boundary = std::min<std::size_t>(static_cast<std::size_t>(p.batch), max_seeds);;
       boundary = std::min(boundary + static_cast<std::size_t>(p.batch), max_seeds)) {
    if (verdicts.size() < boundary) return std::nullopt;
    for (; seen < boundary; ++seen) {
      n += counted_verdict(verdicts[seen]);
      k += verdicts[seen] == p.rate;
    }
    if (precise_enough(p, k, n)) return Stop{boundary, true};
    if (boundary == max_seeds) return Stop{boundary, false};
  }
}

std::vector<std::size_t> points_of_shard(std::size_t points, int shard, int shards) {
  std::vector<std::size_t> out;
  for (std::size_t p = 0; p < points; ++p)
    if (static_cast<int>(p % static_cast<std::size_t>(shards)) == shard) out.push_back(p);
  return out;
}

StudySpec load_study_file(const std::string& path) {
  StudySpec s;
  s.file = path;
  const std::string text = sim::read_scenario_text(path);
  YAML::Node doc;
  try {
    doc = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ScenarioError(path, e.mark.line + 1, e.mark.column + 1, e.msg);
  }
  if (!doc.IsMap())
    throw ScenarioError(path, 1, 1, "a study is a mapping with name, base, grid and seeds");
  only_keys(path, doc,
            {"name", "question", "base", "grid", "seeds", "precision", "first_seed", "metrics"},
            "a study");
  auto required = [&](const char* key) {
    if (!doc[key]) throw ScenarioError(path, 1, 1, fmt::format("a study needs '{}'", key));
    return doc[key];
  };
  s.name = required("name").as<std::string>();
  if (doc["question"]) s.question = doc["question"].as<std::string>();
  const YAML::Node base = required("base");
  if (!base.IsScalar())
    fail(path, base, "base: expected the path of a scenario file, relative to this file");
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  s.base_file = (dir / base.Scalar()).lexically_normal().string();
  s.base_text = sim::read_scenario_text(s.base_file);
  sim::load_scenario_string(s.base_text, s.base_file);  // the base alone must be a good scenario
  if (doc["seeds"] && doc["precision"])
    fail(path, doc["precision"],
         "give either seeds (a count per point) or precision (seeds until a rate is "
         "known well enough), not both");
  if (doc["seeds"]) s.seeds = positive_int(path, doc["seeds"], "seeds", 1000000);
  if (const YAML::Node p = doc["precision"]) s.precision = precision_of(path, p);
  if (doc["first_seed"]) {
    try {
      s.first_seed = doc["first_seed"].as<std::uint64_t>();
    } catch (const YAML::Exception&) {
      fail(path, doc["first_seed"], "first_seed: expected a whole number");
    }
  }
  if (const YAML::Node m = doc["metrics"]) {
    if (!m.IsSequence()) fail(path, m, "metrics: expected a list of metric names");
    for (const auto& name : m) s.metrics.push_back(name.as<std::string>());
  }
  const YAML::Node grid = required("grid");
  if (!grid.IsSequence())
    fail(path, grid, "grid: expected a list of knobs, each {name, path, values}");
  std::set<std::string> names;
  for (const auto& k : grid) {
    if (!k.IsMap()) fail(path, k, "a knob is a mapping {name, path, values}");
    only_keys(path, k, {"name", "path", "values"}, "a knob");
    Knob knob;
    if (!k["name"] || !k["name"].IsScalar()) fail(path, k, "a knob needs a name");
    knob.name = k["name"].Scalar();
    if (!names.insert(knob.name).second)
      fail(path, k["name"], "two knobs are named '" + knob.name + "'");
    knob.path = k["path"] ? k["path"].as<std::string>() : knob.name;
    const YAML::Node values = k["values"];
    if (!values || !values.IsSequence() || values.size() == 0)
      fail(path, values ? values : k,
           "knob '" + knob.name + "': values: expected a non-empty list");
    for (const auto& v : values) {
      KnobValue kv;
      if (v.IsMap() && v["set"]) {
        only_keys(path, v, {"label", "set"}, "a knob value with several paths");
        if (!v["set"].IsMap() || v["set"].size() == 0)
          fail(path, v["set"], "set: expected a mapping PATH: VALUE");
        for (const auto& p : v["set"]) kv.set.emplace_back(p.first.as<std::string>(), p.second);
        kv.label = v["label"] ? label_of(v["label"]) : label_of(v["set"]);
      } else {
        kv.set.emplace_back(knob.path, v);
        kv.label = label_of(v);
      }
      knob.values.push_back(std::move(kv));
    }
    s.knobs.push_back(std::move(knob));
  }
  return s;
}

std::string apply_knobs(const std::string& base_text,
                        const std::vector<std::pair<std::string, YAML::Node>>& set,
                        const std::string& file) {
  YAML::Node doc = YAML::Load(base_text);
  for (const auto& [path, value] : set) set_path(doc, path, value, file);
  YAML::Emitter out;
  out << doc;
  return std::string(out.c_str()) + "\n";
}

std::vector<Point> expand(const StudySpec& spec) {
  std::size_t total = 1;
  for (const auto& k : spec.knobs) total *= k.values.size();
  if (total > 100000)
    throw ScenarioError(spec.file, 0, 0,
                        fmt::format("the grid has {} points; at most 100000", total));
  const int seeds = spec.precision ? spec.precision->max_seeds : spec.seeds;
  if (total * static_cast<std::size_t>(seeds) > 10000000)
    throw ScenarioError(
        spec.file, 0, 0,
        fmt::format("{} points x {} seeds{} is {} runs; at most 10,000,000 (shard a bigger study "
                    "into several files)",
                    total, seeds, spec.precision ? " at most" : "",
                    total * static_cast<std::size_t>(seeds)));
  std::vector<Point> points;
  std::vector<std::size_t> at(spec.knobs.size(), 0);
  for (std::size_t n = 0; n < total; ++n) {
    Point p;
    p.id = fmt::format("p{:04}", n);
    std::vector<std::pair<std::string, YAML::Node>> set;
    std::string described;
    for (std::size_t k = 0; k < spec.knobs.size(); ++k) {
      const KnobValue& v = spec.knobs[k].values[at[k]];
      p.knobs[spec.knobs[k].name] = v.label;
      set.insert(set.end(), v.set.begin(), v.set.end());
      described += fmt::format("{}{}={}", described.empty() ? "" : ", ", spec.knobs[k].name,
                               v.label.is_string() ? v.label.get<std::string>() : v.label.dump());
    }
    const std::string where = fmt::format("{} (point {}: {})", spec.base_file, p.id, described);
    try {
      p.scenario = sim::load_scenario_string(apply_knobs(spec.base_text, set, where), where);
    } catch (const std::invalid_argument& e) {
      throw ScenarioError(spec.file, 0, 0, e.what());
    }
    points.push_back(std::move(p));
    // The last knob varies fastest.
    for (std::size_t k = spec.knobs.size(); k-- > 0;) {
      if (++at[k] < spec.knobs[k].values.size()) break;
      at[k] = 0;
    }
  }
  return points;
}

std::vector<RunKey> plan(const StudySpec& spec, std::size_t points, int shard, int shards) {
  std::vector<RunKey> out;
  std::size_t i = 0;
  for (std::size_t p = 0; p < points; ++p)
    for (int s = 0; s < spec.seeds; ++s, ++i)
      if (static_cast<int>(i % static_cast<std::size_t>(shards)) == shard)
        out.push_back({p, spec.first_seed + static_cast<std::uint64_t>(s)});
  return out;
}

nlohmann::ordered_json study_json(const StudySpec& spec, const std::vector<Point>& points) {
  nlohmann::ordered_json j;
  j["schema_version"] = 1;
  j["command"] = "study";
  j["study"] = spec.name;
  j["question"] = spec.question;
  j["file"] = spec.file;
  j["base"] = spec.base_file;
  auto& knobs = j["knobs"] = nlohmann::ordered_json::array();
  for (const auto& k : spec.knobs) {
    nlohmann::ordered_json kj;
    kj["name"] = k.name;
    kj["path"] = k.path;
    auto& values = kj["values"] = nlohmann::ordered_json::array();
    for (const auto& v : k.values) values.push_back(v.label);
    knobs.push_back(kj);
  }
  j["metrics"] = spec.metrics;
  if (spec.precision) {
    j["seeds_per_point"] = nullptr;
    j["precision"] = {{"rate", spec.precision->rate},
                      {"half_width", spec.precision->half_width},
                      {"batch", spec.precision->batch},
                      {"max_seeds", spec.precision->max_seeds}};
  } else {
    j["seeds_per_point"] = spec.seeds;
  }
  j["first_seed"] = spec.first_seed;
  auto& ps = j["points"] = nlohmann::ordered_json::array();
  for (const auto& p : points) ps.push_back({{"id", p.id}, {"knobs", p.knobs}});
  return j;
}

nlohmann::ordered_json run_line(const Point& point, std::uint64_t seed) {
  sim::RunOptions o;
  o.seed = seed;
  o.policy = point.scenario.policy;
  o.keep_trace = false;
  o.keep_calls = false;
  // A study counts every eviction of a run, not only the first.
  o.stop_at_first_violation = false;
  const sim::RunResult r = sim::run_scenario(point.scenario, o);
  nlohmann::ordered_json j;
  j["point"] = point.id;
  j["knobs"] = point.knobs;
  j["seed"] = seed;
  j["policy"] = r.policy;
  j["verdict"] = sim::to_string(r.verdict);
  j["digest"] = reports::format_digest(r.digest);
  j["metrics"] = reports::metrics_to_json(r.metrics);
  return j;
}

}  // namespace swarmsim::study

#include "reports/study_report.hpp"

// GCC 12 at -O3 reports fmt 9's fill copy (a format spec with a fill, as
// in "{:>8}") as writing past a four-byte buffer: a false
// -Wstringop-overflow in fmt's header, as the -Wrestrict one the top-level
// CMakeLists.txt turns off for GCC < 13. Only this file's specs trigger it.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>
#include <variant>

namespace swarmsim::reports {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

// ---- Knob values ------------------------------------------------------------------

std::string knob_label(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

namespace {

// A number or a duration in a string: the number of seconds, and whether a
// unit was written.
std::optional<std::pair<double, bool>> parse_quantity(const std::string& s) {
  static const std::regex re(R"(^\s*([-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)\s*(ms|s|m|h)?\s*$)");
  std::smatch m;
  if (!std::regex_match(s, m, re)) return std::nullopt;
  double v = std::strtod(m[1].str().c_str(), nullptr);
  const std::string unit = m[2].str();
  if (unit == "ms") v /= 1000;
  else if (unit == "m") v *= 60;
  else if (unit == "h") v *= 3600;
  if (!std::isfinite(v)) return std::nullopt;
  return std::pair{v, !unit.empty()};
}

}  // namespace

std::optional<double> knob_number(const json& value) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) {
    if (auto q = parse_quantity(value.get<std::string>())) return q->first;
  }
  return std::nullopt;
}

// ---- Loading ----------------------------------------------------------------------

namespace {

std::string read_whole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw NotAStudy(fmt::format("{}: cannot read: {}", path.string(), std::strerror(errno)));
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string type_name(const json& j) { return j.type_name(); }

// What a parse error says, without the library's prefix.
std::string parse_message(const std::exception& e) {
  std::string what = e.what();
  if (const auto at = what.find("] "); what.rfind("[json", 0) == 0 && at != std::string::npos)
    what = what.substr(at + 2);
  return what;
}

double as_double(const json& j) { return j.get<double>(); }

StudyRun parse_run(const json& j) {
  StudyRun r;
  r.point = j.at("point").get<std::string>();
  if (auto k = j.find("knobs"); k != j.end() && k->is_object()) r.knobs = *k;
  if (auto s = j.find("seed"); s != j.end() && s->is_number_unsigned()) r.seed = s->get<std::uint64_t>();
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
        if (v.is_number()) r.scalars[name + "_" + field] = as_double(v);
        else if (v.is_null()) r.nulls[name + "_" + field] = 1;
      }
    } else if (value.is_number()) {
      r.scalars[name] = as_double(value);
    } else if (value.is_null()) {
      r.nulls[name] = 1;
    }
  }
  return r;
}

}  // namespace

StudyData parse_study(const std::string& dir, const std::string& study_json, const std::string& runs_jsonl) {
  const std::string file = (fs::path(dir) / "study.json").string();
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
                                command == j.end() ? std::string("missing") : command->dump(), expected));
  if (auto v = j.find("schema_version"); v != j.end() && !(v->is_number_integer() && v->get<int>() == 1))
    throw NotAStudy(fmt::format("{}: schema_version {}; this swarmsim reads schema_version 1", file, v->dump()));

  StudyData d;
  d.dir = dir;
  auto text = [&](const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  d.name = text("study");
  d.question = text("question");
  d.base = text("base");
  if (auto s = j.find("seeds_per_point"); s != j.end() && s->is_number_integer()) d.seeds_per_point = s->get<int>();
  if (auto p = j.find("precision"); p != j.end() && p->is_object() && p->value("rate", nlohmann::json()).is_string() &&
                                    p->value("half_width", nlohmann::json()).is_number() &&
                                    p->value("max_seeds", nlohmann::json()).is_number_integer())
    d.precision = *p;
  if (auto m = j.find("metrics"); m != j.end()) {
    if (!m->is_array()) throw NotAStudy(fmt::format("{}: \"metrics\" is a {}; expected a list of metric names", file, type_name(*m)));
    for (const auto& name : *m)
      if (name.is_string()) d.metrics.push_back(name.get<std::string>());
  }
  if (auto k = j.find("knobs"); k != j.end()) {
    const std::string knob_expected = "expected a list of {\"name\", \"path\", \"values\"}";
    if (!k->is_array()) throw NotAStudy(fmt::format("{}: \"knobs\" is a {}; {}", file, type_name(*k), knob_expected));
    for (const auto& kj : *k) {
      if (!kj.is_object() || !kj.contains("name") || !kj["name"].is_string())
        throw NotAStudy(fmt::format("{}: a knob without a name ({}); {}", file, kj.dump(), knob_expected));
      StudyKnob knob;
      knob.name = kj["name"].get<std::string>();
      knob.path = kj.contains("path") && kj["path"].is_string() ? kj["path"].get<std::string>() : knob.name;
      if (kj.contains("values") && kj["values"].is_array())
        for (const auto& v : kj["values"]) knob.values.push_back(v);
      d.knobs.push_back(std::move(knob));
    }
  }
  if (auto p = j.find("points"); p != j.end()) {
    if (!p->is_array())
      throw NotAStudy(fmt::format("{}: \"points\" is a {}; expected a list of {{\"id\", \"knobs\"}}", file, type_name(*p)));
    for (const auto& pj : *p) {
      if (!pj.is_object() || !pj.contains("id") || !pj["id"].is_string())
        throw NotAStudy(fmt::format("{}: a point without an id ({}); expected {{\"id\", \"knobs\"}}", file, pj.dump()));
      d.points.push_back({pj["id"].get<std::string>(),
                          pj.contains("knobs") && pj["knobs"].is_object() ? pj["knobs"] : json::object()});
    }
  }

  // runs.jsonl, line by line; one warning per bad line, up to a limit.
  const std::string runs_file = (fs::path(dir) / "runs.jsonl").string();
  const bool derive_points = d.points.empty();
  std::set<std::string> known;
  for (const auto& p : d.points) known.insert(p.id);
  std::set<std::tuple<std::string, std::uint64_t, std::string>> seen;
  std::size_t skipped = 0;
  constexpr std::size_t kMaxWarnings = 20;
  auto skip = [&](std::size_t line, const std::string& why) {
    if (++skipped <= kMaxWarnings) d.warnings.push_back(fmt::format("{}:{}: {}; skipped", runs_file, line, why));
  };
  std::istringstream in(runs_jsonl);
  std::size_t line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json rj;
    try {
      rj = json::parse(line);
    } catch (const json::exception& e) {
      const bool last = in.peek() == std::char_traits<char>::eof();
      skip(line_no, fmt::format("not valid JSON{} ({})", last ? " (a torn last line?)" : "", parse_message(e)));
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
    d.warnings.push_back(fmt::format("{}: {} more lines skipped", runs_file, skipped - kMaxWarnings));
  if (derive_points)
    std::sort(d.points.begin(), d.points.end(), [](const StudyPoint& a, const StudyPoint& b) { return a.id < b.id; });
  // Knobs that study.json does not list but the points carry.
  if (d.knobs.empty()) {
    for (const auto& p : d.points)
      for (const auto& item : p.knobs.items()) {
        const std::string name = item.key();
        auto it = std::find_if(d.knobs.begin(), d.knobs.end(), [&](const StudyKnob& k) { return k.name == name; });
        if (it == d.knobs.end()) d.knobs.push_back({name, name, {}});
      }
  }
  return d;
}

StudyData load_study_dir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw NotAStudy(fmt::format("{}: {}; expected a study's directory (study.json and runs.jsonl, as "
                                "`swarmsim study` writes it)",
                                dir, fs::exists(dir, ec) ? "not a directory" : "no such directory"));
  const fs::path study = fs::path(dir) / "study.json";
  if (!fs::exists(study, ec))
    throw NotAStudy(fmt::format("{}: no such file; expected the study.json that `swarmsim study` writes "
                                "into a study's directory: is {} a study's output directory?",
                                study.string(), dir));
  if (fs::is_directory(study, ec))
    throw NotAStudy(fmt::format("{}: a directory; expected the study.json file `swarmsim study` writes", study.string()));
  const std::string study_text = read_whole(study);
  const fs::path runs = fs::path(dir) / "runs.jsonl";
  std::string runs_text;
  bool no_runs_file = false;
  if (fs::exists(runs, ec)) {
    std::ifstream in(runs, std::ios::binary);
    if (!in) throw NotAStudy(fmt::format("{}: cannot read: {}", runs.string(), std::strerror(errno)));
    runs_text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else {
    no_runs_file = true;
  }
  StudyData d = parse_study(dir, study_text, runs_text);
  if (no_runs_file) d.warnings.insert(d.warnings.begin(), fmt::format("{}: no such file: no run has finished", runs.string()));
  return d;
}

// ---- Aggregation ----------------------------------------------------------------------

namespace {

Rate make_rate(std::size_t k, std::size_t n) {
  Rate r;
  r.k = k;
  r.n = n;
  r.p = n ? static_cast<double>(k) / static_cast<double>(n) : kNaN;
  r.ci = wilson_interval(k, n);
  return r;
}

ScalarStats scalar_stats(std::vector<double> v, std::size_t nulls) {
  ScalarStats s;
  s.nulls = nulls;
  s.n = v.size();
  if (v.empty()) {
    s.mean = s.p50 = s.p95 = kNaN;
    s.mean_ci = {kNaN, kNaN};
    return s;
  }
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  const double n = static_cast<double>(v.size());
  s.mean = sum / n;
  s.p50 = nearest_rank_quantile(v, 0.50);
  s.p95 = nearest_rank_quantile(v, 0.95);
  if (v.size() >= 2) {
    double ss = 0;
    for (double x : v) ss += (x - s.mean) * (x - s.mean);
    const double half = kZ95 * std::sqrt(ss / (n - 1)) / std::sqrt(n);
    s.mean_ci = {s.mean - half, s.mean + half};
  } else {
    s.mean_ci = {s.mean, s.mean};
  }
  return s;
}

}  // namespace

StudyStats aggregate(const StudyData& data) {
  StudyStats out;
  std::map<std::string, std::size_t> index;
  for (const auto& p : data.points) {
    index.emplace(p.id, out.points.size());
    PointStats ps;
    ps.id = p.id;
    ps.knobs = p.knobs;
    if (auto it = p.knobs.find("policy"); it != p.knobs.end() && it->is_string()) ps.policy = it->get<std::string>();
    out.points.push_back(std::move(ps));
  }
  struct Pool {
    std::map<std::string, std::vector<double>> ttr;
    std::map<std::string, std::size_t> ttr_runs;
    std::map<std::string, std::vector<double>> scalars;
    std::map<std::string, std::size_t> nulls;
    std::map<std::string, double> calls;
  };
  std::vector<Pool> pools(out.points.size());
  for (const auto& r : data.runs) {
    const auto at = index.find(r.point);
    if (at == index.end()) continue;
    PointStats& ps = out.points[at->second];
    Pool& pool = pools[at->second];
    if (ps.policy.empty() && !r.policy.empty()) ps.policy = r.policy;
    else if (!r.policy.empty() && ps.policy != r.policy && !ps.knobs.contains("policy")) ps.policy = "mixed";
    if (r.verdict == "pass") ++ps.pass;
    else if (r.verdict == "safety") ++ps.safety;
    else if (r.verdict == "liveness") ++ps.liveness;
    else if (r.verdict == "inconclusive") ++ps.inconclusive;
    else {
      ++ps.errored;
      continue;
    }
    ++ps.runs;
    for (const auto& [profile, samples] : r.time_to_ready_s) {
      auto& v = pool.ttr[profile];
      v.insert(v.end(), samples.begin(), samples.end());
      if (!samples.empty()) ++pool.ttr_runs[profile];
    }
    for (const auto& [name, v] : r.scalars) pool.scalars[name].push_back(v);
    for (const auto& [name, n] : r.nulls) {
      pool.nulls[name] += n;
      pool.scalars[name];  // the metric exists, even if every run had null
    }
    if (r.has_leader_calls) {
      ++ps.leader_calls_runs;
      for (const auto& [api, rate] : r.leader_calls_per_s) pool.calls[api] += rate;
    }
  }
  for (std::size_t i = 0; i < out.points.size(); ++i) {
    PointStats& ps = out.points[i];
    Pool& pool = pools[i];
    ps.pass_rate = make_rate(ps.pass, ps.runs);
    ps.safety_rate = make_rate(ps.safety, ps.runs);
    ps.liveness_rate = make_rate(ps.liveness, ps.runs);
    for (auto& [profile, v] : pool.ttr) {
      if (v.empty()) continue;
      std::sort(v.begin(), v.end());
      QuantileStats q;
      q.samples = v.size();
      q.runs = pool.ttr_runs[profile];
      q.p50 = nearest_rank_quantile(v, 0.50);
      q.p95 = nearest_rank_quantile(v, 0.95);
      q.p99 = nearest_rank_quantile(v, 0.99);
      q.p99_ci = quantile_interval(v, 0.99);
      ps.time_to_ready_s[profile] = q;
    }
    for (auto& [name, v] : pool.scalars) ps.scalars[name] = scalar_stats(std::move(v), pool.nulls[name]);
    for (const auto& [api, sum] : pool.calls)
      ps.leader_calls_per_s[api] = sum / static_cast<double>(ps.leader_calls_runs);
  }
  return out;
}

// ---- Formatting helpers ------------------------------------------------------------

namespace {

// HTML text; "://" is written with an entity so that no URL appears in the
// file's bytes (the page links nothing; a question quoting one stays text).
std::string esc(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else if (c == ':' && s.compare(i, 3, "://") == 0) out += "&#58;";
    else out += c;
  }
  return out;
}

bool finite(double x) { return std::isfinite(x); }

std::string num(double x) {
  if (!finite(x)) return "–";
  if (x == 0) return "0";
  return fmt::format("{:.4g}", x);
}

std::string pct(double p) {
  if (!finite(p)) return "–";
  if (p == 0) return "0";
  return fmt::format("{:.3g}", 100 * p);
}

std::string rate_text(const Rate& r) {
  if (r.n == 0) return "no runs";
  return fmt::format("{}% [{}, {}]", pct(r.p), pct(r.ci.lo), pct(r.ci.hi));
}

std::string p99_text(const QuantileStats& q) {
  return fmt::format("{} s [{}, {}]", num(q.p99), finite(q.p99_ci.lo) ? num(q.p99_ci.lo) : "unbounded",
                     finite(q.p99_ci.hi) ? num(q.p99_ci.hi) : "unbounded");
}

// Whether the study named metric `name` among those its report puts first:
// a name asks for itself and for the metrics it prefixes
// (`removed_host_cleanup_s` for removed_host_cleanup_s_max, ...).
bool asked_for(const std::string& asked, const std::string& name) {
  if (name == asked) return true;
  return name.size() > asked.size() && name.compare(0, asked.size(), asked) == 0 &&
         (name[asked.size()] == '_' || name[asked.size()] == '.');
}

bool asked_for(const StudyData& d, const std::string& name) {
  return std::any_of(d.metrics.begin(), d.metrics.end(), [&](const std::string& m) { return asked_for(m, name); });
}

std::vector<std::string> profiles_of(const StudyStats& s) {
  std::set<std::string> out;
  for (const auto& p : s.points)
    for (const auto& [profile, q] : p.time_to_ready_s) out.insert(profile);
  return {out.begin(), out.end()};
}

std::vector<std::string> scalars_of(const StudyStats& s) {
  std::set<std::string> out;
  for (const auto& p : s.points)
    for (const auto& [name, v] : p.scalars) out.insert(name);
  return {out.begin(), out.end()};
}

std::vector<std::string> apis_of(const StudyStats& s) {
  std::set<std::string> out;
  for (const auto& p : s.points)
    for (const auto& [api, v] : p.leader_calls_per_s) out.insert(api);
  return {out.begin(), out.end()};
}

// Every scalar metric, those the study asked for first (in its order).
std::vector<std::string> ordered_scalars(const StudyData& d, const StudyStats& s) {
  const auto all = scalars_of(s);
  std::vector<std::string> out;
  for (const auto& m : d.metrics)
    for (const auto& name : all)
      if (asked_for(m, name) && std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  for (const auto& name : all)
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  return out;
}

// The scalar metrics the summary tables show: the ones the study asked for,
// then a few that answer most questions.
std::vector<std::string> summary_scalars(const StudyData& d, const StudyStats& s) {
  const auto all = scalars_of(s);
  std::vector<std::string> out;
  for (const auto& name : ordered_scalars(d, s))
    if (asked_for(d, name)) out.push_back(name);
  for (const char* name : {"spurious_evictions", "never_ready_hosts", "converged_at_s", "leader_calls_per_s_total"})
    if (std::find(all.begin(), all.end(), name) != all.end() && std::find(out.begin(), out.end(), name) == out.end())
      out.push_back(name);
  return out;
}

std::string point_knob_label(const PointStats& p, const std::string& knob) {
  const auto it = p.knobs.find(knob);
  return it == p.knobs.end() ? std::string() : knob_label(*it);
}

// ---- The grid: which knobs vary, in what order -----------------------------------

struct KnobInfo {
  std::string name;
  std::vector<json> values;  // distinct, in the study's order
  bool numeric = false;
  bool duration = false;
};

std::vector<KnobInfo> knob_infos(const StudyData& d) {
  std::vector<KnobInfo> out;
  for (const auto& k : d.knobs) {
    KnobInfo info;
    info.name = k.name;
    std::set<std::string> labels;
    auto add = [&](const json& v) {
      if (labels.insert(knob_label(v)).second) info.values.push_back(v);
    };
    for (const auto& v : k.values) add(v);
    for (const auto& p : d.points)
      if (auto it = p.knobs.find(k.name); it != p.knobs.end()) add(*it);
    info.numeric = !info.values.empty() && k.name != "policy";
    for (const auto& v : info.values) {
      if (!knob_number(v)) info.numeric = false;
      if (v.is_string())
        if (auto q = parse_quantity(v.get<std::string>()); q && q->second) info.duration = true;
    }
    out.push_back(std::move(info));
  }
  return out;
}

// ---- Axes ----------------------------------------------------------------------------

double nice_number(double x) {
  if (!(x > 0)) return 1;
  const double e = std::floor(std::log10(x));
  const double f = x / std::pow(10, e);
  const double nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nf * std::pow(10, e);
}

std::string tick_text(double v, bool duration) {
  if (duration) {
    if (v != 0 && std::abs(v) < 1) return fmt::format("{:g}ms", v * 1000);
    return fmt::format("{:g}s", v);
  }
  if (std::abs(v) >= 10000 && std::fmod(v, 1000) == 0) return fmt::format("{:g}k", v / 1000);
  return fmt::format("{:g}", v);
}

struct XAxis {
  enum class Kind { Linear, Log, Category } kind = Kind::Category;
  std::string label;
  double min = 0, max = 1;
  std::vector<std::pair<double, std::string>> ticks;  // value, text
  std::vector<std::string> categories;

  // 0..1 across the plot.
  double frac(double v) const {
    if (kind == Kind::Category) {
      return categories.size() <= 1 ? 0.5 : v / static_cast<double>(categories.size() - 1);
    }
    if (max <= min) return 0.5;
    if (kind == Kind::Log) return (std::log10(v) - std::log10(min)) / (std::log10(max) - std::log10(min));
    return (v - min) / (max - min);
  }
  std::string kind_text() const {
    return kind == Kind::Log ? "log scale" : kind == Kind::Linear ? "linear scale" : "categories";
  }
};

// The position of a point's value of the axis' knob (NaN when it has none).
double x_of(const XAxis& axis, const json& value) {
  if (axis.kind == XAxis::Kind::Category) {
    const auto label = knob_label(value);
    for (std::size_t i = 0; i < axis.categories.size(); ++i)
      if (axis.categories[i] == label) return static_cast<double>(i);
    return kNaN;
  }
  return knob_number(value).value_or(kNaN);
}

XAxis make_axis(const KnobInfo& k) {
  XAxis a;
  a.label = k.name + (k.duration ? " (s)" : "");
  if (!k.numeric) {
    a.kind = XAxis::Kind::Category;
    for (const auto& v : k.values) a.categories.push_back(knob_label(v));
    for (std::size_t i = 0; i < a.categories.size(); ++i) a.ticks.push_back({static_cast<double>(i), a.categories[i]});
    return a;
  }
  std::vector<double> xs;
  for (const auto& v : k.values) xs.push_back(*knob_number(v));
  std::sort(xs.begin(), xs.end());
  xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
  const double lo = xs.front(), hi = xs.back();
  bool geometric = xs.size() >= 3 && lo > 0;
  if (geometric) {
    double rmin = kInf, rmax = 0;
    for (std::size_t i = 1; i < xs.size(); ++i) {
      const double r = xs[i] / xs[i - 1];
      rmin = std::min(rmin, r);
      rmax = std::max(rmax, r);
    }
    geometric = rmin >= 2 && rmax / rmin <= 2.5;
  }
  const bool log = lo > 0 && (hi / lo > 20 || geometric);
  if (log) {
    a.kind = XAxis::Kind::Log;
    a.min = lo;
    a.max = hi;
    const double decades = std::log10(hi) - std::log10(lo);
    const std::vector<double> mantissas = decades > 3 ? std::vector<double>{1} : std::vector<double>{1, 2, 5};
    for (double e = std::floor(std::log10(lo)); e <= std::ceil(std::log10(hi)); ++e)
      for (double m : mantissas) {
        const double v = m * std::pow(10, e);
        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) a.ticks.push_back({v, tick_text(v, k.duration)});
      }
    // The ends of the range, when no tick is near them.
    for (double end : {lo, hi}) {
      bool near = false;
      for (const auto& t : a.ticks)
        if (std::abs(std::log10(t.first) - std::log10(end)) < 0.08 * std::max(decades, 0.1)) near = true;
      if (!near) a.ticks.push_back({end, tick_text(end, k.duration)});
    }
    std::sort(a.ticks.begin(), a.ticks.end());
    return a;
  }
  a.kind = XAxis::Kind::Linear;
  if (hi == lo) {
    a.min = lo - (lo == 0 ? 1 : std::abs(lo) / 2);
    a.max = hi + (hi == 0 ? 1 : std::abs(hi) / 2);
  } else {
    a.min = lo;
    a.max = hi;
  }
  const double step = nice_number((a.max - a.min) / 5);
  a.min = std::floor(a.min / step) * step;
  a.max = std::ceil(a.max / step) * step;
  for (double v = a.min; v <= a.max + step / 2; v += step) a.ticks.push_back({v, tick_text(std::abs(v) < step / 1e6 ? 0 : v, k.duration)});
  return a;
}

// ---- Plot models ------------------------------------------------------------------------

struct PlotPoint {
  double x = 0, y = 0;
  double lo = kNaN, hi = kNaN;  // the band; hi = +inf: unbounded above
  std::string tip;
};

struct PlotLine {
  std::string name;
  std::vector<PlotPoint> pts;
  std::size_t style = 0;  // colour and marker
  std::size_t dash = 0;   // 0 solid; 1.. dash patterns
};

// One panel of small multiples: the points that share the values of the
// knobs that neither run along the x axis nor split the lines.
struct Panel {
  std::string title;  // "lag=5s", or "" when the plot has one panel
  std::vector<PlotLine> lines;
};

struct LinePlot {
  std::string id, title, caption, y_label;
  XAxis x;
  bool percent = false;
  std::vector<Panel> panels;
  std::string empty;  // why there is nothing to draw
};

struct HeatCell {
  std::size_t k = 0, n = 0;
};

struct HeatMap {
  std::string id, title, caption, row_knob, col_knob;
  std::vector<std::string> rows, cols;
  std::vector<std::vector<HeatCell>> cells;  // [row][col]
  std::string empty;
};

using Plot = std::variant<LinePlot, HeatMap>;

// Okabe-Ito, without its yellow (too pale on white).
const char* const kColours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"};
const char* const kDashes[] = {"", "7 4", "2 3", "9 3 2 3"};

const KnobInfo* find_knob(const std::vector<KnobInfo>& knobs, const std::string& name) {
  for (const auto& k : knobs)
    if (k.name == name) return &k;
  return nullptr;
}

// How a plot against `x` splits the other knobs that vary: lines by policy
// (else by the first other knob), a panel per combination of the rest.
struct Facets {
  std::string line_knob;  // "" when nothing else varies
  std::vector<std::string> panel_knobs;
};

Facets facets_for(const std::vector<KnobInfo>& knobs, const std::string& x, bool lines_by_knob = true) {
  Facets f;
  std::vector<std::string> rest;
  for (const auto& k : knobs)
    if (k.name != x && k.values.size() > 1) rest.push_back(k.name);
  std::stable_partition(rest.begin(), rest.end(), [](const std::string& n) { return n == "policy"; });
  if (lines_by_knob && !rest.empty()) {
    f.line_knob = rest.front();
    rest.erase(rest.begin());
  }
  f.panel_knobs = rest;
  return f;
}

std::string knob_equals(const PointStats& p, const std::string& knob) {
  return knob == "policy" ? point_knob_label(p, knob) : knob + "=" + point_knob_label(p, knob);
}

using PointMetric = std::function<std::optional<PlotPoint>(const PointStats&)>;

// Lines against the knob `xk`: for each panel, one line per value of the
// facets' line knob and per metric of `metrics` (name, function); a line
// keeps its colour in every panel.
LinePlot faceted_plot(const StudyData& d, const StudyStats& s, const KnobInfo* xk,
                      const Facets& f, const std::vector<std::pair<std::string, PointMetric>>& metrics) {
  LinePlot plot;
  if (!xk) {
    plot.empty = "no data: the study has no knob to plot against";
    return plot;
  }
  plot.x = make_axis(*xk);
  std::vector<std::string> line_keys;  // in order of first appearance: their colours
  std::map<std::string, std::size_t> panel_at;
  for (const auto& p : s.points) {
    std::string panel;
    for (const auto& k : f.panel_knobs) panel += (panel.empty() ? "" : ", ") + knob_equals(p, k);
    std::string key = f.line_knob.empty() ? "" : knob_equals(p, f.line_knob);
    if (f.line_knob.empty() && metrics.size() == 1)
      key = p.policy.empty() ? (d.name.empty() ? "all runs" : d.name) : p.policy;
    auto [pit, fresh_panel] = panel_at.emplace(panel, plot.panels.size());
    if (fresh_panel) plot.panels.push_back({panel, {}});
    Panel& pan = plot.panels[pit->second];
    auto kit = std::find(line_keys.begin(), line_keys.end(), key);
    const auto key_index = static_cast<std::size_t>(kit - line_keys.begin());
    if (kit == line_keys.end()) line_keys.push_back(key);
    const auto xv = p.knobs.find(xk->name);
    if (xv == p.knobs.end()) continue;
    const double x = x_of(plot.x, *xv);
    if (!finite(x) || (plot.x.kind == XAxis::Kind::Log && x <= 0)) continue;
    for (std::size_t m = 0; m < metrics.size(); ++m) {
      const std::string name =
          metrics[m].first.empty() ? key : key.empty() ? metrics[m].first : key + ": " + metrics[m].first;
      auto lit = std::find_if(pan.lines.begin(), pan.lines.end(), [&](const PlotLine& l) { return l.name == name; });
      if (lit == pan.lines.end()) {
        PlotLine line;
        line.name = name;
        if (metrics.size() == 1) {  // a line per value of the line knob
          line.style = key_index;
        } else if (f.line_knob.empty()) {  // a line per metric
          line.style = m;
          line.dash = m == 0 ? 0 : 1 + (m - 1) % 3;
        } else {
          line.style = key_index;
          line.dash = m % std::size(kDashes);
        }
        pan.lines.push_back(std::move(line));
        lit = std::prev(pan.lines.end());
      }
      auto pt = metrics[m].second(p);
      if (!pt || !finite(pt->y)) continue;
      pt->x = x;
      std::string where = knob_label(*xv);
      where = xk->name + "=" + where;
      if (!pan.title.empty()) where = pan.title + ", " + where;
      pt->tip = fmt::format("{}{}{}: {}", name, name.empty() ? "" : ", ", where, pt->tip);
      lit->pts.push_back(*pt);
    }
  }
  bool any = false;
  for (auto& pan : plot.panels) {
    for (auto& l : pan.lines) {
      std::sort(l.pts.begin(), l.pts.end(), [](const PlotPoint& a, const PlotPoint& b) { return a.x < b.x; });
      any = any || !l.pts.empty();
    }
  }
  if (!any) plot.empty = "no data: no point of the study has this metric";
  return plot;
}

// The knob plots run along: the first numeric knob with several values,
// else the first numeric one, else the first varying one.
const KnobInfo* x_knob(const std::vector<KnobInfo>& knobs) {
  for (const auto& k : knobs)
    if (k.numeric && k.values.size() > 1) return &k;
  for (const auto& k : knobs)
    if (k.numeric) return &k;
  for (const auto& k : knobs)
    if (k.name != "policy" && k.values.size() > 1) return &k;
  for (const auto& k : knobs)
    if (k.values.size() > 1) return &k;
  return knobs.empty() ? nullptr : &knobs.front();
}

std::string slug(const std::string& s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : '-';
  return out;
}

std::vector<HeatMap> heat_maps(const StudyStats& s, const std::vector<KnobInfo>& knobs, const KnobInfo* xk) {
  std::vector<const KnobInfo*> varying;
  // Policy as a knob, else the policies the points ran under.
  const KnobInfo runs_policy{"policy", {}, false, false};
  const KnobInfo* policy = &runs_policy;
  for (const auto& k : knobs) {
    if (k.name == "policy") policy = &k;
    else if (k.values.size() > 1) varying.push_back(&k);
  }
  // Columns: the x axis' knob when it varies; rows: the next one, else policy.
  std::stable_partition(varying.begin(), varying.end(), [&](const KnobInfo* k) { return k == xk; });
  const KnobInfo* col = varying.empty() ? nullptr : varying[0];
  const KnobInfo* row = varying.size() >= 2 ? varying[1] : policy;
  const bool split_by_policy = varying.size() >= 2 && policy->values.size() > 1;
  std::vector<std::string> pooled;
  for (std::size_t i = 2; i < varying.size(); ++i) pooled.push_back(varying[i]->name);

  auto label_of = [](const PointStats& p, const KnobInfo* k) {
    if (!k) return std::string("all");
    if (k->name == "policy" && !p.knobs.contains("policy")) return p.policy;
    return point_knob_label(p, k->name);
  };
  auto values_of = [&](const KnobInfo* k) {
    std::vector<std::string> out;
    if (!k) return std::vector<std::string>{"all"};
    for (const auto& v : k->values) out.push_back(knob_label(v));
    if (out.empty())  // a policy that is not a knob: the points' policies
      for (const auto& p : s.points)
        if (std::find(out.begin(), out.end(), p.policy) == out.end()) out.push_back(p.policy);
    return out;
  };
  std::vector<std::string> splits = split_by_policy ? values_of(policy) : std::vector<std::string>{""};
  std::vector<HeatMap> out;
  for (const auto& sp : splits) {
    HeatMap h;
    h.row_knob = row ? row->name : "";
    h.col_knob = col ? col->name : "";
    h.rows = values_of(row);
    h.cols = values_of(col);
    h.cells.assign(h.rows.size(), std::vector<HeatCell>(h.cols.size()));
    for (const auto& p : s.points) {
      if (split_by_policy && label_of(p, policy) != sp) continue;
      const auto r = std::find(h.rows.begin(), h.rows.end(), label_of(p, row));
      const auto c = std::find(h.cols.begin(), h.cols.end(), label_of(p, col));
      if (r == h.rows.end() || c == h.cols.end()) continue;
      HeatCell& cell = h.cells[static_cast<std::size_t>(r - h.rows.begin())][static_cast<std::size_t>(c - h.cols.begin())];
      cell.k += p.safety;
      cell.n += p.runs;
    }
    const std::string over = col && row ? fmt::format("{} and {}", row->name, col->name)
                             : col      ? col->name
                             : row      ? row->name
                                        : "the study's one point";
    h.title = fmt::format("Safety-failure rate by {}{}", over, split_by_policy ? fmt::format(" (policy {})", sp) : "");
    h.id = "heat-" + slug(sp.empty() ? over : over + "-" + sp);
    h.caption = fmt::format(
        "Each cell: the share of runs with a safety violation (a node evicted while its host existed) and "
        "the number of runs n{}. Colour from the scale on the right; a grey cell has no runs.",
        pooled.empty() ? "" : fmt::format(", pooled over {}", fmt::join(pooled, ", ")));
    bool any = false;
    for (const auto& r : h.cells)
      for (const auto& c : r) any = any || c.n > 0;
    if (!any) h.empty = "no data: no run has finished";
    out.push_back(std::move(h));
  }
  return out;
}

std::string facets_text(const Facets& f) {
  std::string out;
  if (!f.line_knob.empty()) out += fmt::format(" A line per {}", f.line_knob);
  if (!f.panel_knobs.empty())
    out += fmt::format("{} panel per {}", out.empty() ? " A" : ", a", fmt::format("{}", fmt::join(f.panel_knobs, " and ")));
  return out.empty() ? out : out + ".";
}

std::vector<Plot> build_plots(const StudyData& d, const StudyStats& s) {
  const auto knobs = knob_infos(d);
  const KnobInfo* xk = x_knob(knobs);
  const std::string xname = xk ? xk->name : "a knob";
  const Facets facets = facets_for(knobs, xk ? xk->name : "");
  std::vector<Plot> plots;
  auto one_metric = [&](const PointMetric& f) {
    return faceted_plot(d, s, xk, facets, {{"", f}});
  };

  LinePlot safety = one_metric([](const PointStats& p) -> std::optional<PlotPoint> {
    if (p.runs == 0) return std::nullopt;
    const Rate& r = p.safety_rate;
    return PlotPoint{0, r.p, r.ci.lo, r.ci.hi,
                     fmt::format("{}% [{}, {}], {} of {} runs", pct(r.p), pct(r.ci.lo), pct(r.ci.hi), r.k, r.n)};
  });
  safety.id = "safety";
  safety.title = fmt::format("Safety-failure rate against {}", xname);
  safety.y_label = "runs with a safety violation (%)";
  safety.percent = true;
  safety.caption = fmt::format(
      "The share of runs in which a node was evicted while its host existed, per point; the band is the "
      "Wilson 95% score interval.{} x axis: {}.",
      facets_text(facets), safety.x.kind_text());
  plots.push_back(std::move(safety));

  for (const auto& profile : profiles_of(s)) {
    LinePlot t = one_metric([&](const PointStats& p) -> std::optional<PlotPoint> {
      const auto it = p.time_to_ready_s.find(profile);
      if (it == p.time_to_ready_s.end()) return std::nullopt;
      const QuantileStats& q = it->second;
      return PlotPoint{0, q.p99, finite(q.p99_ci.lo) ? q.p99_ci.lo : 0.0, finite(q.p99_ci.hi) ? q.p99_ci.hi : kInf,
                       fmt::format("p99 {} s [{}, {}], {} hosts from {} runs", num(q.p99),
                                   finite(q.p99_ci.lo) ? num(q.p99_ci.lo) : "unbounded",
                                   finite(q.p99_ci.hi) ? num(q.p99_ci.hi) : "unbounded", q.samples, q.runs)};
    });
    t.id = "ttr-" + slug(profile);
    t.title = fmt::format("Time to ready, p99, profile {}, against {}", profile, xname);
    t.y_label = "seconds from host added to node ready";
    t.caption = fmt::format(
        "The 99th percentile (nearest rank) of every host's time to ready in profile {}, pooled over the "
        "point's runs; the band is the distribution-free 95% interval of the p99 from order statistics "
        "(binomial ranks). An arrow at the top marks a p99 with no upper bound: fewer than {} samples.{} x "
        "axis: {}.",
        profile, samples_for_upper_bound(0.99), facets_text(facets), t.x.kind_text());
    plots.push_back(std::move(t));
  }

  // Scalar metrics the study asked for by name.
  for (const auto& name : ordered_scalars(d, s)) {
    if (!asked_for(d, name) || name == "leader_calls_per_s_total") continue;
    LinePlot m = one_metric([&](const PointStats& p) -> std::optional<PlotPoint> {
      const auto it = p.scalars.find(name);
      if (it == p.scalars.end() || it->second.n == 0) return std::nullopt;
      const ScalarStats& v = it->second;
      return PlotPoint{0, v.mean, v.mean_ci.lo, v.mean_ci.hi,
                       fmt::format("mean {} [{}, {}], p50 {}, p95 {}, n {}", num(v.mean), num(v.mean_ci.lo),
                                   num(v.mean_ci.hi), num(v.p50), num(v.p95), v.n)};
    });
    m.id = "metric-" + slug(name);
    m.title = fmt::format("{} (mean over runs) against {}", name, xname);
    m.y_label = name;
    m.caption = fmt::format("The mean of {} over the point's runs; the band is mean ± 1.96 standard errors.{} x axis: {}.",
                            name, facets_text(facets), m.x.kind_text());
    plots.push_back(std::move(m));
  }

  for (auto& h : heat_maps(s, knobs, xk)) plots.push_back(std::move(h));

  // The leader's API load against the fleet size: the total and the
  // busiest APIs, a line each, a panel per combination of the other knobs.
  const KnobInfo* hk = find_knob(knobs, "hosts");
  if (!hk || !hk->numeric) hk = xk;
  std::vector<std::pair<double, std::string>> ranked;
  for (const auto& api : apis_of(s)) {
    double sum = 0;
    for (const auto& p : s.points)
      if (auto it = p.leader_calls_per_s.find(api); it != p.leader_calls_per_s.end()) sum += it->second;
    ranked.push_back({-sum, api});
  }
  std::sort(ranked.begin(), ranked.end());
  constexpr std::size_t kTopApis = 4;
  std::vector<std::pair<std::string, PointMetric>> load_lines;
  load_lines.push_back({"total", [](const PointStats& p) -> std::optional<PlotPoint> {
    if (auto it = p.scalars.find("leader_calls_per_s_total"); it != p.scalars.end() && it->second.n > 0) {
      const ScalarStats& v = it->second;
      return PlotPoint{0, v.mean, v.mean_ci.lo, v.mean_ci.hi,
                       fmt::format("{} calls/s [{}, {}], n {}", num(v.mean), num(v.mean_ci.lo), num(v.mean_ci.hi), v.n)};
    }
    if (p.leader_calls_per_s.empty()) return std::nullopt;
    double total = 0;
    for (const auto& [api, rate] : p.leader_calls_per_s) total += rate;
    return PlotPoint{0, total, kNaN, kNaN, fmt::format("{} calls/s (the sum of the APIs)", num(total))};
  }});
  for (std::size_t a = 0; a < std::min(kTopApis, ranked.size()); ++a) {
    const std::string api = ranked[a].second;
    load_lines.push_back({api, [api](const PointStats& p) -> std::optional<PlotPoint> {
      const auto it = p.leader_calls_per_s.find(api);
      if (it == p.leader_calls_per_s.end()) return std::nullopt;
      return PlotPoint{0, it->second, kNaN, kNaN,
                       fmt::format("{} calls/s (mean over {} runs)", num(it->second), p.leader_calls_runs)};
    }});
  }
  const Facets load_facets = facets_for(knobs, hk ? hk->name : "", false);
  LinePlot load = faceted_plot(d, s, hk, load_facets, load_lines);
  if (!load.empty.empty() && hk) load.empty = "no data: no run reported leader_calls_per_s";
  load.id = "leader-load";
  load.title = fmt::format("Leader API load against {}", hk ? hk->name : "a knob");
  load.y_label = "calls per second at the leader";
  load.caption = fmt::format(
      "Solid: leader_calls_per_s_total, the mean over the point's runs, with a band of mean ± 1.96 standard "
      "errors.{}{} x axis: {}.",
      ranked.empty() ? "" : fmt::format(" Dashed: the mean rate of the study's {} busiest APIs.", std::min(kTopApis, ranked.size())),
      facets_text(load_facets), load.x.kind_text());
  plots.push_back(std::move(load));
  return plots;
}

// ---- SVG ------------------------------------------------------------------------------------

// A point's marker: a shape per series besides its colour. `tip`, when not
// empty, is its tooltip.
std::string marker(std::size_t style, double x, double y, const char* colour, const std::string& tip = "") {
  std::string tag, attrs;
  switch (style % 4) {
    case 0:
      tag = "circle";
      attrs = fmt::format("cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\"", x, y);
      break;
    case 1:
      tag = "rect";
      attrs = fmt::format("x=\"{:.1f}\" y=\"{:.1f}\" width=\"8\" height=\"8\"", x - 4, y - 4);
      break;
    case 2:
      tag = "polygon";
      attrs = fmt::format("points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\"", x, y - 5, x - 5, y + 4, x + 5, y + 4);
      break;
    default:
      tag = "polygon";
      attrs = fmt::format("points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\"", x, y - 5, x + 5, y, x, y + 5,
                          x - 5, y);
  }
  if (tip.empty()) return fmt::format("<{} {} fill=\"{}\"/>", tag, attrs, colour);
  return fmt::format("<{} {} fill=\"{}\"><title>{}</title></{}>", tag, attrs, colour, esc(tip), tag);
}

std::string svg_open(const std::string& id, const std::string& title, double w, double h) {
  return fmt::format(
      "<svg id=\"{}\" role=\"img\" aria-labelledby=\"{}-title\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "font-family=\"sans-serif\" font-size=\"13\">\n<title id=\"{}-title\">{}</title>\n"
      "<rect width=\"{}\" height=\"{}\" fill=\"#fff\"/>\n",
      id, id, w, h, w, h, id, esc(title), w, h);
}

std::string svg_empty(const std::string& id, const std::string& title, const std::string& why) {
  const double w = 900, h = 160;
  return svg_open(id, title, w, h) +
         fmt::format("<rect x=\"1\" y=\"1\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#bbb\" stroke-dasharray=\"4 4\"/>\n"
                     "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"16\" fill=\"#555\">{}</text>\n</svg>\n",
                     w - 2, h - 2, w / 2, h / 2, esc(why));
}

std::string shorten(const std::string& s, std::size_t n) {
  return s.size() <= n ? s : s.substr(0, n - 1) + "…";
}

std::string svg_line_plot(const LinePlot& p) {
  if (!p.empty.empty()) return svg_empty(p.id, p.title, p.empty);
  const std::size_t n = p.panels.size();
  const std::size_t ncols = n == 1 ? 1 : (n == 2 || n == 4) ? 2 : 3;
  const std::size_t nrows = (n + ncols - 1) / ncols;
  const bool single = n == 1;
  const double pw = single ? 600 : ncols == 2 ? 330 : 280, ph = single ? 320 : 220;
  const double left = 84, gapx = 58, gapy = 70, top = single ? 14 : 30, bottom = 58, legend = 250, inset = 14;
  const double grid_w = static_cast<double>(ncols) * pw + static_cast<double>(ncols - 1) * gapx;
  const double grid_h = static_cast<double>(nrows) * ph + static_cast<double>(nrows - 1) * gapy;
  std::vector<const PlotLine*> legend_entries;
  for (const auto& pan : p.panels)
    for (const auto& l : pan.lines)
      if (std::none_of(legend_entries.begin(), legend_entries.end(), [&](const PlotLine* e) { return e->name == l.name; }))
        legend_entries.push_back(&l);
  const double w = left + grid_w + 24 + legend;
  const double h = std::max(top + grid_h + bottom, top + 40 + 22.0 * static_cast<double>(legend_entries.size() + 1));

  double ymax = 0;
  for (const auto& pan : p.panels)
    for (const auto& l : pan.lines)
      for (const auto& pt : l.pts) {
        ymax = std::max(ymax, pt.y);
        if (finite(pt.hi)) ymax = std::max(ymax, pt.hi);
      }
  if (p.percent) ymax = std::min(ymax, 1.0);
  if (!(ymax > 0)) ymax = p.percent ? 0.01 : 1;
  const double ystep = nice_number(ymax / (single ? 6 : 4));
  ymax = std::ceil(ymax / ystep - 1e-9) * ystep;

  std::string s = svg_open(p.id, p.title, w, h);
  for (std::size_t i = 0; i < n; ++i) {
    const Panel& pan = p.panels[i];
    const double ox = left + static_cast<double>(i % ncols) * (pw + gapx);
    const double oy = top + static_cast<double>(i / ncols) * (ph + gapy);
    auto px = [&](double x) { return ox + inset + (pw - 2 * inset) * p.x.frac(x); };
    auto py = [&](double y) { return oy + ph - ph * std::clamp(y / ymax, 0.0, 1.0); };
    if (!pan.title.empty())
      s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>\n", ox + pw / 2,
                       oy - 9, esc(shorten(pan.title, static_cast<std::size_t>(pw / 7.5))));
    for (double y = 0; y <= ymax + ystep / 2; y += ystep) {
      s += fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e3e3e3\"/>\n", ox, ox + pw, py(y), py(y));
      s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", ox - 7, py(y) + 4,
                       p.percent ? fmt::format("{:g}", std::round(100 * y * 1e6) / 1e6) : fmt::format("{:g}", y));
    }
    for (const auto& [v, text] : p.x.ticks) {
      const double x = px(v);
      s += fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e3e3e3\"/>\n", x, x, oy, oy + ph);
      s += fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#333\"/>\n", x, x, oy + ph, oy + ph + 5);
      s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", x, oy + ph + 19, esc(text));
    }
    s += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#333\"/>\n", ox, oy, pw, ph);
    // Bands first, so that every line stays visible above them.
    for (const auto& l : pan.lines) {
      const char* colour = kColours[l.style % std::size(kColours)];
      // A band joins neighbouring points with both ends; a point without an
      // upper bound gets a dashed whisker up to an arrow at the top instead.
      std::vector<std::vector<const PlotPoint*>> runs{{}};
      for (const auto& pt : l.pts) {
        if (finite(pt.lo) && finite(pt.hi)) {
          runs.back().push_back(&pt);
          continue;
        }
        if (!runs.back().empty()) runs.push_back({});
        if (finite(pt.lo) && std::isinf(pt.hi))
          s += fmt::format("<path d=\"M{:.1f},{:.1f} V{:.1f}\" stroke=\"{}\" stroke-width=\"1.5\" stroke-dasharray=\"3 3\"/>"
                           "<path d=\"M{:.1f},{:.1f} l-4,7 h8 z\" fill=\"{}\"/>\n",
                           px(pt.x), py(pt.lo), oy + 6, colour, px(pt.x), oy + 1, colour);
      }
      for (const auto& run : runs) {
        if (run.size() == 1) {  // one point: an error bar
          const PlotPoint& pt = *run[0];
          const double x = px(pt.x);
          s += fmt::format("<path d=\"M{:.1f},{:.1f} V{:.1f} M{:.1f},{:.1f} h10 M{:.1f},{:.1f} h10\" stroke=\"{}\" "
                           "stroke-width=\"1.5\" fill=\"none\"/>\n",
                           x, py(pt.lo), py(pt.hi), x - 5, py(pt.lo), x - 5, py(pt.hi), colour);
        } else if (run.size() > 1) {
          std::string pts;
          for (const PlotPoint* pt : run) pts += fmt::format("{:.1f},{:.1f} ", px(pt->x), py(pt->hi));
          for (auto it = run.rbegin(); it != run.rend(); ++it) pts += fmt::format("{:.1f},{:.1f} ", px((*it)->x), py((*it)->lo));
          s += fmt::format("<polygon points=\"{}\" fill=\"{}\" fill-opacity=\"0.15\" stroke=\"{}\" stroke-opacity=\"0.4\" "
                           "stroke-width=\"0.8\"/>\n",
                           pts, colour, colour);
        }
      }
    }
    for (const auto& l : pan.lines) {
      const char* colour = kColours[l.style % std::size(kColours)];
      const char* dash = kDashes[l.dash % std::size(kDashes)];
      std::string path;
      for (const auto& pt : l.pts) path += fmt::format("{}{:.1f},{:.1f} ", path.empty() ? "M" : "L", px(pt.x), py(pt.y));
      if (!path.empty())
        s += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{}/>\n", path, colour,
                         l.dash ? 1.8 : 2.4, *dash ? fmt::format(" stroke-dasharray=\"{}\"", dash) : "");
      for (const auto& pt : l.pts)
        s += (l.dash ? fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" fill=\"{}\"><title>{}</title></circle>", px(pt.x),
                                   py(pt.y), colour, esc(pt.tip))
                     : marker(l.style, px(pt.x), py(pt.y), colour, pt.tip)) +
             "\n";
    }
  }
  s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-weight=\"bold\">{}{}</text>\n", left + grid_w / 2,
                   top + grid_h + 44, esc(p.x.label), p.x.kind == XAxis::Kind::Log ? " — log scale" : "");
  s += fmt::format("<text transform=\"translate(20,{:.1f}) rotate(-90)\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>\n",
                   top + grid_h / 2, esc(p.y_label));
  for (std::size_t i = 0; i < legend_entries.size(); ++i) {
    const PlotLine& l = *legend_entries[i];
    const char* colour = kColours[l.style % std::size(kColours)];
    const char* dash = kDashes[l.dash % std::size(kDashes)];
    const double ly = top + 10 + 22.0 * static_cast<double>(i);
    const double lx = left + grid_w + 24;
    s += fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" stroke-width=\"{}\"{}/>\n", lx, lx + 28,
                     ly, ly, colour, l.dash ? 1.8 : 2.4, *dash ? fmt::format(" stroke-dasharray=\"{}\"", dash) : "");
    if (!l.dash) s += marker(l.style, lx + 14, ly, colour) + "\n";
    s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{}<title>{}</title></text>\n", lx + 34, ly + 4, esc(shorten(l.name, 28)),
                     esc(l.name));
  }
  bool bands = false;
  for (const auto& pan : p.panels)
    for (const auto& l : pan.lines)
      for (const auto& pt : l.pts) bands = bands || finite(pt.lo);
  if (bands) {
    const double ly = top + 10 + 22.0 * static_cast<double>(legend_entries.size()) + 6;
    const double lx = left + grid_w + 24;
    s += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"28\" height=\"12\" fill=\"#777\" fill-opacity=\"0.25\"/>"
                     "<text x=\"{:.1f}\" y=\"{:.1f}\">95% interval</text>\n",
                     lx, ly - 6, lx + 34, ly + 4);
  }
  return s + "</svg>\n";
}

// ColorBrewer YlOrRd (sequential, colour-blind safe), 0 -> light.
const char* const kHeat[] = {"#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026"};

std::string heat_colour(double t) {
  const double x = std::clamp(t, 0.0, 1.0) * static_cast<double>(std::size(kHeat) - 1);
  const auto i = static_cast<std::size_t>(std::floor(x));
  const std::size_t j = std::min(i + 1, std::size(kHeat) - 1);
  const double f = x - static_cast<double>(i);
  auto channel = [](const char* hex, int k) { return std::stoi(std::string(hex + 1 + 2 * k, 2), nullptr, 16); };
  std::string out = "#";
  for (int k = 0; k < 3; ++k)
    out += fmt::format("{:02x}", static_cast<int>(std::lround(channel(kHeat[i], k) * (1 - f) + channel(kHeat[j], k) * f)));
  return out;
}

std::string svg_heat_map(const HeatMap& h) {
  if (!h.empty.empty()) return svg_empty(h.id, h.title, h.empty);
  double max_rate = 0;
  for (const auto& r : h.cells)
    for (const auto& c : r)
      if (c.n) max_rate = std::max(max_rate, static_cast<double>(c.k) / static_cast<double>(c.n));
  const double scale = max_rate > 0 ? std::min(1.0, nice_number(max_rate)) : 0.01;
  std::size_t longest = h.row_knob.size();
  for (const auto& r : h.rows) longest = std::max(longest, r.size());
  const double left = std::clamp(static_cast<double>(longest) * 7.5 + 24, 90.0, 240.0);
  const double cw = std::clamp(560.0 / static_cast<double>(std::max<std::size_t>(h.cols.size(), 1)), 64.0, 130.0);
  const double ch = 48, top = 46, bottom = 16, legend = 150;
  const double gw = cw * static_cast<double>(h.cols.size()), gh = ch * static_cast<double>(h.rows.size());
  const double w = std::max(left + gw + legend, 520.0), hh = top + std::max(gh, 210.0) + bottom;
  std::string s = svg_open(h.id, h.title, w, hh);
  s += fmt::format("<text x=\"{:.1f}\" y=\"16\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>\n", left + gw / 2,
                   esc(h.col_knob.empty() ? "" : h.col_knob));
  s += fmt::format("<text x=\"8\" y=\"{}\" font-weight=\"bold\">{}</text>\n", top - 8, esc(h.row_knob));
  for (std::size_t c = 0; c < h.cols.size(); ++c)
    s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", left + cw * (static_cast<double>(c) + 0.5),
                     top - 10, esc(shorten(h.cols[c], static_cast<std::size_t>(cw / 7.5))));
  for (std::size_t r = 0; r < h.rows.size(); ++r) {
    const double y = top + ch * static_cast<double>(r);
    s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", left - 8, y + ch / 2 + 4,
                     esc(shorten(h.rows[r], 30)));
    for (std::size_t c = 0; c < h.cols.size(); ++c) {
      const HeatCell& cell = h.cells[r][c];
      const double x = left + cw * static_cast<double>(c);
      if (cell.n == 0) {
        s += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{}\" fill=\"#d9d9d9\" stroke=\"#fff\" stroke-width=\"2\"/>"
                         "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" fill=\"#555\">no runs</text>\n",
                         x, y, cw, ch, x + cw / 2, y + ch / 2 + 4);
        continue;
      }
      const double rate = static_cast<double>(cell.k) / static_cast<double>(cell.n);
      const Interval ci = wilson_interval(cell.k, cell.n);
      const double t = rate / scale;
      const char* ink = t > 0.55 ? "#fff" : "#000";
      s += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\" stroke=\"#fff\" stroke-width=\"2\">"
                       "<title>{}={}, {}={}: {}% [{}, {}], {} of {} runs</title></rect>\n",
                       x, y, cw, ch, heat_colour(t), esc(h.row_knob), esc(h.rows[r]), esc(h.col_knob), esc(h.cols[c]), pct(rate),
                       pct(ci.lo), pct(ci.hi), cell.k, cell.n);
      s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-weight=\"bold\" fill=\"{}\">{}%</text>\n",
                       x + cw / 2, y + 20, ink, pct(rate));
      s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-size=\"11\" fill=\"{}\">n={}</text>\n",
                       x + cw / 2, y + 36, ink, cell.n);
    }
  }
  // Legend: the colour scale.
  const double lx = left + gw + 40, ly = top + 8, lh = 160;
  s += fmt::format("<text x=\"{}\" y=\"{}\" font-weight=\"bold\">safety failures</text>\n", lx - 10, ly - 14);
  constexpr int kSteps = 20;
  for (int i = 0; i < kSteps; ++i) {
    const double t = 1 - (static_cast<double>(i) + 0.5) / kSteps;
    s += fmt::format("<rect x=\"{}\" y=\"{:.1f}\" width=\"18\" height=\"{:.1f}\" fill=\"{}\"/>\n", lx,
                     ly + lh * i / kSteps, lh / kSteps + 0.5, heat_colour(t));
  }
  s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"18\" height=\"{}\" fill=\"none\" stroke=\"#333\"/>\n", lx, ly, lh);
  for (int i = 0; i <= 4; ++i) {
    const double v = scale * (1 - i / 4.0);
    const double y = ly + lh * i / 4.0;
    s += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#333\"/>", lx + 18, lx + 23, y, y);
    s += fmt::format("<text x=\"{}\" y=\"{:.1f}\">{}%</text>\n", lx + 27, y + 4, pct(v));
  }
  s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"18\" height=\"12\" fill=\"#d9d9d9\"/><text x=\"{}\" y=\"{}\">no runs</text>\n",
                   lx, ly + lh + 14, lx + 27, ly + lh + 24);
  return s + "</svg>\n";
}

const std::string& plot_title(const Plot& p) {
  return std::visit([](const auto& x) -> const std::string& { return x.title; }, p);
}

// ---- Tables --------------------------------------------------------------------------------

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

std::vector<std::string> knob_names(const StudyData& d) {
  std::vector<std::string> out;
  for (const auto& k : d.knobs) out.push_back(k.name);
  return out;
}

Table summary_table(const StudyData& d, const StudyStats& s) {
  Table t;
  const auto knobs = knob_names(d);
  t.header = knobs;
  const bool any_errored = std::any_of(s.points.begin(), s.points.end(), [](const PointStats& p) { return p.errored > 0; });
  for (const char* h : {"runs", "pass % [95% CI]", "safety failures % [95% CI]", "liveness failures % [95% CI]", "inconclusive"})
    t.header.push_back(h);
  if (any_errored) t.header.push_back("errored");
  const auto profiles = profiles_of(s);
  for (const auto& pr : profiles) t.header.push_back(fmt::format("time to ready p99, {} (s) [95% CI]", pr));
  const auto scalars = summary_scalars(d, s);
  for (const auto& m : scalars) t.header.push_back(m + " (mean)");
  for (const auto& p : s.points) {
    std::vector<std::string> row;
    for (const auto& k : knobs) row.push_back(point_knob_label(p, k));
    row.push_back(std::to_string(p.runs));
    row.push_back(rate_text(p.pass_rate));
    row.push_back(rate_text(p.safety_rate));
    row.push_back(rate_text(p.liveness_rate));
    row.push_back(std::to_string(p.inconclusive));
    if (any_errored) row.push_back(std::to_string(p.errored));
    for (const auto& pr : profiles) {
      const auto it = p.time_to_ready_s.find(pr);
      row.push_back(it == p.time_to_ready_s.end() ? "" : p99_text(it->second));
    }
    for (const auto& m : scalars) {
      const auto it = p.scalars.find(m);
      row.push_back(it == p.scalars.end() || it->second.n == 0 ? "" : num(it->second.mean));
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::string html_table(const Table& t, const std::string& cls = "") {
  std::string s = cls.empty() ? "<table>\n<thead><tr>" : fmt::format("<table class=\"{}\">\n<thead><tr>", cls);
  for (const auto& h : t.header) s += "<th>" + esc(h) + "</th>";
  s += "</tr></thead>\n<tbody>\n";
  for (const auto& r : t.rows) {
    s += "<tr>";
    for (const auto& c : r) s += "<td>" + esc(c) + "</td>";
    s += "</tr>\n";
  }
  return s + "</tbody></table>\n";
}

std::string point_name(const StudyData& d, const PointStats& p) {
  std::string out;
  for (const auto& k : d.knobs) {
    if (!out.empty()) out += ", ";
    out += k.name + "=" + point_knob_label(p, k.name);
  }
  return out.empty() ? p.id : out;
}

std::size_t zero_failure_runs_wilson(double bound) {
  // With no failure the Wilson upper bound is z^2 / (n + z^2): below `bound` from
  // n > z^2 (1 - bound) / bound.
  return static_cast<std::size_t>(std::floor(kZ95 * kZ95 * (1 - bound) / bound)) + 1;
}

std::string method_notes_text() {
  return fmt::format(
      "A point with no failure in n runs does not show a failure rate of zero, only one below its upper "
      "bound: to claim \"under 1%\" at 95% confidence a point needs about 300 runs without a failure (the rule "
      "of three, n ≥ 3/0.01; exactly {} by the one-sided binomial bound), and {} for the upper end of the "
      "two-sided Wilson interval shown here to fall below 1%.",
      static_cast<std::size_t>(std::ceil(std::log(0.05) / std::log(0.99))), zero_failure_runs_wilson(0.01));
}

}  // namespace

// ---- Renderers ---------------------------------------------------------------------------

std::vector<std::string> study_plot_titles(const StudyData& data, const StudyStats& stats) {
  std::vector<std::string> out;
  for (const auto& p : build_plots(data, stats)) out.push_back(plot_title(p));
  return out;
}

std::string seeds_text(const StudyData& d, const StudyStats& s) {
  if (d.precision.is_null()) return fmt::format("{} seeds each", d.seeds_per_point);
  const std::string rate = d.precision["rate"].get<std::string>();
  const double half_width = d.precision["half_width"].get<double>();
  const int max_seeds = d.precision["max_seeds"].get<int>();
  std::vector<std::string> short_of;
  for (const auto& p : s.points) {
    const Rate& r = rate == "pass" ? p.pass_rate : rate == "liveness" ? p.liveness_rate : p.safety_rate;
    if (p.runs + p.errored >= static_cast<std::size_t>(max_seeds) && !wilson_within(r.k, r.n, half_width))
      short_of.push_back(p.id);
  }
  std::string text = fmt::format(
      "each run until its {} rate's 95% interval is within ±{:g} points ({} seeds at a time, at most {})", rate,
      100 * half_width, d.precision.value("batch", 0), max_seeds);
  if (!short_of.empty())
    text += fmt::format("; {} stopped at {} seeds still short of that: {}",
                        short_of.size() == 1 ? "one point" : fmt::format("{} points", short_of.size()), max_seeds,
                        fmt::join(short_of, ", "));
  return text;
}

std::string render_study_html(const StudyData& d, const StudyStats& s) {
  const std::string title = d.name.empty() ? "Study report" : "Study: " + d.name;
  std::size_t runs = 0, errored = 0;
  for (const auto& p : s.points) {
    runs += p.runs;
    errored += p.errored;
  }
  std::string h = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>\n"
      "body{{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2em auto;max-width:1180px;"
      "padding:0 1em;color:#1a1a1a;line-height:1.45}}\n"
      "h1{{font-size:1.7em;margin-bottom:.2em}} h2{{margin-top:1.8em;border-bottom:1px solid #ddd}}\n"
      ".question{{font-size:1.2em;background:#f3f6fa;border-left:4px solid #0072B2;padding:.6em 1em}}\n"
      ".meta{{color:#444}} .warn{{background:#fff4e5;border-left:4px solid #E69F00;padding:.5em 1em}}\n"
      ".scroll{{overflow-x:auto}} table{{border-collapse:collapse;font-size:.9em;margin:.5em 0}}\n"
      "td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right;white-space:nowrap}}\n"
      "th{{background:#f4f4f4}} tbody tr:nth-child(even){{background:#fafafa}}\n"
      "figure{{margin:1.5em 0}} figure h3{{margin:.2em 0}} figcaption{{color:#444;font-size:.9em;max-width:900px}}\n"
      "svg{{max-width:100%;height:auto;display:block}}\n"
      "</style></head><body>\n<h1>{}</h1>\n",
      esc(title), esc(title));
  h += fmt::format("<p class=\"question\"><strong>Question:</strong> {}</p>\n",
                   d.question.empty() ? "(the study states none)" : esc(d.question));
  std::string knobs;
  for (const auto& k : d.knobs) {
    std::vector<std::string> values;
    for (const auto& v : k.values) values.push_back(knob_label(v));
    knobs += fmt::format("{}<strong>{}</strong>{}: {}", knobs.empty() ? "" : "; ", esc(k.name),
                         k.path != k.name ? fmt::format(" (<code>{}</code>)", esc(k.path)) : "", esc(fmt::format("{}", fmt::join(values, ", "))));
  }
  h += fmt::format(
      "<p class=\"meta\">Base scenario <code>{}</code>. Knobs: {}. {} points, {}; {} runs found in "
      "<code>{}</code>{}.</p>\n",
      esc(d.base.empty() ? "(not stated)" : d.base), knobs.empty() ? "none" : knobs, s.points.size(),
      esc(seeds_text(d, s)), runs,
      esc((fs::path(d.dir) / "runs.jsonl").string()),
      errored ? fmt::format(", and {} that ended in an error (not counted)", errored) : "");
  if (!d.warnings.empty()) {
    h += "<div class=\"warn\"><strong>Lines skipped:</strong><ul>\n";
    for (const auto& w : d.warnings) h += "<li>" + esc(w) + "</li>\n";
    h += "</ul></div>\n";
  }
  h += "<h2>Summary</h2>\n<p>One row per point of the grid. Rates are the share of the point's runs with that "
       "verdict, with the Wilson 95% score interval in brackets; time to ready is the p99 over every host of "
       "the profile in every run of the point, with its 95% interval.</p>\n";
  h += "<div class=\"scroll\">" + html_table(summary_table(d, s)) + "</div>\n";
  h += "<p><strong>How many runs?</strong> " + esc(method_notes_text()) + "</p>\n";

  h += "<h2>Plots</h2>\n";
  for (const auto& p : build_plots(d, s)) {
    std::visit(
        [&](const auto& plot) {
          using T = std::decay_t<decltype(plot)>;
          h += fmt::format("<figure>\n<h3>{}</h3>\n", esc(plot.title));
          if constexpr (std::is_same_v<T, LinePlot>) h += svg_line_plot(plot);
          else h += svg_heat_map(plot);
          h += fmt::format("<figcaption>{}</figcaption>\n</figure>\n", esc(plot.caption));
        },
        p);
  }

  // Details: every metric, per point; those the study asked for first.
  h += "<h2>Details</h2>\n";
  const auto profiles = profiles_of(s);
  if (!profiles.empty()) {
    Table t;
    t.header = {"point", "profile", "hosts (samples)", "runs", "p50 (s)", "p95 (s)", "p99 (s)", "p99 95% CI (s)", "CI ranks"};
    for (const auto& p : s.points)
      for (const auto& [profile, q] : p.time_to_ready_s)
        t.rows.push_back({point_name(d, p), profile, std::to_string(q.samples), std::to_string(q.runs), num(q.p50), num(q.p95),
                          num(q.p99),
                          fmt::format("[{}, {}]", finite(q.p99_ci.lo) ? num(q.p99_ci.lo) : "unbounded",
                                      finite(q.p99_ci.hi) ? num(q.p99_ci.hi) : "unbounded"),
                          fmt::format("{}..{}", q.p99_ci.lo_rank, q.p99_ci.hi_rank)});
    h += "<h3>Time to ready (seconds from host added to node ready)</h3>\n<div class=\"scroll\">" + html_table(t) + "</div>\n";
  }
  const auto scalars = ordered_scalars(d, s);
  if (!scalars.empty()) {
    Table t;
    t.header = {"point", "metric", "n", "mean", "mean 95% CI", "p50", "p95", "null"};
    for (const auto& m : scalars)
      for (const auto& p : s.points) {
        const auto it = p.scalars.find(m);
        if (it == p.scalars.end()) continue;
        const ScalarStats& v = it->second;
        t.rows.push_back({point_name(d, p), m, std::to_string(v.n), num(v.mean),
                          v.n ? fmt::format("[{}, {}]", num(v.mean_ci.lo), num(v.mean_ci.hi)) : "", num(v.p50), num(v.p95),
                          v.nulls ? std::to_string(v.nulls) : ""});
      }
    h += "<h3>Other metrics, across runs</h3>\n<div class=\"scroll\">" + html_table(t) + "</div>\n";
  }
  const auto apis = apis_of(s);
  if (!apis.empty()) {
    Table t;
    t.header = {"point", "runs"};
    for (const auto& a : apis) t.header.push_back(a);
    for (const auto& p : s.points) {
      std::vector<std::string> row{point_name(d, p), std::to_string(p.leader_calls_runs)};
      for (const auto& a : apis) {
        const auto it = p.leader_calls_per_s.find(a);
        row.push_back(it == p.leader_calls_per_s.end() ? "" : num(it->second));
      }
      t.rows.push_back(std::move(row));
    }
    h += "<h3>Calls per second at the leader, per API (mean over runs)</h3>\n<div class=\"scroll\">" + html_table(t) + "</div>\n";
  }

  h += fmt::format(
      "<h2>Method</h2>\n<ul>\n"
      "<li>Verdict rates: k of n runs, with the Wilson score interval at 95% (z = {}). Runs that ended in an "
      "error are left out of n.</li>\n"
      "<li>Quantiles (p50, p95, p99) are nearest-rank everywhere: the ⌈q·n⌉-th smallest of the n values.</li>\n"
      "<li>Time to ready pools every host's time from all runs of a point (the \"hosts\" column) before taking "
      "quantiles. The 95% interval of the p99 is distribution-free, from order statistics: with X ~ "
      "Binomial(n, 0.99), the lower end is the j-th smallest sample and the upper end the k-th, j the smallest "
      "x with P(X ≤ x) ≥ 0.025 and k one more than the smallest x with P(X ≤ x) ≥ 0.975; it covers the true "
      "p99 with probability at least 95%. With fewer than {} samples the p99 has no upper bound.</li>\n"
      "<li>Other metrics: mean, p50 and p95 across the point's runs (n = runs that reported the metric; null "
      "counts runs where it had no value, e.g. never converged); the mean's interval is mean ± 1.96 standard "
      "errors. Leader calls per API: the mean over the runs that report any (an API a run did not call counts "
      "as 0).</li>\n"
      "<li>{}</li>\n</ul>\n",
      kZ95, samples_for_upper_bound(0.99), esc(method_notes_text()));
  return h + "</body></html>\n";
}

std::string render_study_markdown(const StudyData& d, const StudyStats& s) {
  auto cell = [](const std::string& c) {
    std::string out;
    for (char ch : c) {
      if (ch == '|') out += "\\|";
      else if (ch == '\n' || ch == '\r') out += ' ';
      else out += ch;
    }
    return out;
  };
  std::string m = fmt::format("## Study: {}\n\n**Question:** {}\n\n", cell(d.name.empty() ? "(unnamed)" : d.name),
                              cell(d.question.empty() ? "(the study states none)" : d.question));
  std::size_t runs = 0;
  for (const auto& p : s.points) runs += p.runs;
  m += fmt::format("Base scenario `{}`; {} points, {}; {} runs.\n\n", cell(d.base), s.points.size(),
                   cell(seeds_text(d, s)), runs);
  const Table t = summary_table(d, s);
  m += "|";
  for (const auto& h : t.header) m += " " + cell(h) + " |";
  m += "\n|";
  for (std::size_t i = 0; i < t.header.size(); ++i) m += i < d.knobs.size() ? " --- |" : " ---: |";
  m += "\n";
  for (const auto& r : t.rows) {
    m += "|";
    for (const auto& c : r) m += " " + cell(c) + " |";
    m += "\n";
  }
  m += fmt::format("\nRates: Wilson 95% score interval.{} {}\n",
                   profiles_of(s).empty() ? ""
                                          : " Time to ready: nearest-rank p99 of every host's time, pooled over the "
                                            "point's runs, with its distribution-free 95% interval from order statistics.",
                   method_notes_text());
  if (!d.warnings.empty()) {
    m += "\nSkipped:\n";
    for (const auto& w : d.warnings) m += "- " + cell(w) + "\n";
  }
  return m;
}

namespace {

std::string csv_text(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string csv_num(double x) {
  if (!finite(x)) return "";
  return fmt::format("{}", x);
}

}  // namespace

std::string render_study_csv(const StudyData& d, const StudyStats& s) {
  const auto profiles = profiles_of(s);
  const auto scalars = scalars_of(s);
  const auto apis = apis_of(s);
  std::set<std::string> with_nulls;
  for (const auto& p : s.points)
    for (const auto& [name, v] : p.scalars)
      if (v.nulls) with_nulls.insert(name);
  std::vector<std::string> header;
  for (const auto& k : d.knobs) header.push_back(csv_text(k.name));
  for (const char* c : {"runs", "errored", "pass", "safety", "liveness", "inconclusive", "pass_rate", "pass_rate_lo",
                        "pass_rate_hi", "safety_rate", "safety_rate_lo", "safety_rate_hi", "liveness_rate",
                        "liveness_rate_lo", "liveness_rate_hi"})
    header.push_back(c);
  for (const auto& pr : profiles)
    for (const char* stat : {"p50", "p95", "p99", "p99_lo", "p99_hi", "samples", "runs"})
      header.push_back(csv_text(fmt::format("time_to_ready_s_{}.{}", stat, pr)));
  for (const auto& m : scalars) {
    for (const char* stat : {"mean", "p50", "p95", "n"}) header.push_back(csv_text(fmt::format("{}_{}", m, stat)));
    if (with_nulls.count(m)) header.push_back(csv_text(m + "_null"));
  }
  for (const auto& a : apis) header.push_back(csv_text("leader_calls_per_s_mean." + a));
  std::string out = fmt::format("{}\r\n", fmt::join(header, ","));
  for (const auto& p : s.points) {
    std::vector<std::string> row;
    for (const auto& k : d.knobs) {
      const auto it = p.knobs.find(k.name);
      if (it == p.knobs.end() || it->is_null()) row.push_back("");
      else if (it->is_string()) row.push_back(csv_text(it->get<std::string>()));
      else row.push_back(csv_text(it->dump()));
    }
    for (std::size_t v : {p.runs, p.errored, p.pass, p.safety, p.liveness, p.inconclusive}) row.push_back(std::to_string(v));
    for (const Rate* r : {&p.pass_rate, &p.safety_rate, &p.liveness_rate}) {
      row.push_back(csv_num(r->p));
      row.push_back(csv_num(r->ci.lo));
      row.push_back(csv_num(r->ci.hi));
    }
    for (const auto& pr : profiles) {
      const auto it = p.time_to_ready_s.find(pr);
      if (it == p.time_to_ready_s.end()) {
        row.insert(row.end(), 7, "");
        continue;
      }
      const QuantileStats& q = it->second;
      for (double v : {q.p50, q.p95, q.p99, q.p99_ci.lo, q.p99_ci.hi}) row.push_back(csv_num(v));
      row.push_back(std::to_string(q.samples));
      row.push_back(std::to_string(q.runs));
    }
    for (const auto& m : scalars) {
      const auto it = p.scalars.find(m);
      const bool has = it != p.scalars.end();
      row.push_back(has ? csv_num(it->second.mean) : "");
      row.push_back(has ? csv_num(it->second.p50) : "");
      row.push_back(has ? csv_num(it->second.p95) : "");
      row.push_back(has ? std::to_string(it->second.n) : "");
      if (with_nulls.count(m)) row.push_back(has ? std::to_string(it->second.nulls) : "");
    }
    for (const auto& a : apis) {
      const auto it = p.leader_calls_per_s.find(a);
      row.push_back(it == p.leader_calls_per_s.end() ? "" : csv_num(it->second));
    }
    out += fmt::format("{}\r\n", fmt::join(row, ","));
  }
  return out;
}

}  // namespace swarmsim::reports

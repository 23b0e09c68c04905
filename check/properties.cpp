#include "check/properties.hpp"

#include <fmt/format.h>
#include <rapidcheck.h>
#include <rapidcheck/detail/Configuration.h>
#include <rapidcheck/detail/Property.h>
#include <rapidcheck/detail/TestListener.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "check/generators.hpp"
#include "model/removal_policy.hpp"

namespace rc::detail {
// Defined in librapidcheck (the encoding RC_PARAMS="reproduce=..." uses);
// not declared in an installed header.
std::string reproduceMapToString(const std::unordered_map<std::string, Reproduce>& reproduceMap);
}  // namespace rc::detail

namespace swarmsim::check {

const char* to_string(Property p) {
  switch (p) {
    case Property::NoSpuriousEviction:
      return "no-spurious-eviction";
    case Property::Cleanup:
      return "cleanup";
    case Property::Convergence:
      return "convergence";
    case Property::NoFlapping:
      return "no-flapping";
    case Property::Determinism:
      return "determinism";
    case Property::BoundedRemovals:
      return "bounded-removals";
    case Property::SparesItself:
      return "spares-itself";
    case Property::NoRemovalOnFailedRead:
      return "no-removal-on-failed-read";
    case Property::OneSwarm:
      return "one-swarm";
    case Property::ManagerCount:
      return "manager-count";
    case Property::SoundPromotions:
      return "sound-promotions";
    case Property::NotesKept:
      return "notes-kept";
    case Property::SimulatorFault:
      return "simulator-fault";
  }
  return "?";
}

const std::vector<Property>& all_properties() {
  static const std::vector<Property> all = {
      Property::NoSpuriousEviction, Property::Cleanup,
      Property::Convergence,        Property::NoFlapping,
      Property::Determinism,        Property::BoundedRemovals,
      Property::SparesItself,       Property::NoRemovalOnFailedRead,
      Property::OneSwarm,           Property::ManagerCount,
      Property::SoundPromotions,    Property::NotesKept};
  return all;
}

bool promised_by(Property p, const std::string& policy_name) {
  const auto policy = model::RemovalPolicy::from_name(policy_name);
  if (!policy) return false;
  switch (p) {
    case Property::BoundedRemovals:
      return policy->promises_bounded_removals();
    case Property::SparesItself:
      return policy->promises_to_spare_itself();
    case Property::NoRemovalOnFailedRead:
      return policy->promises_no_removal_on_failed_read();
    case Property::ManagerCount:
      return policy->promises_manager_count();
    case Property::SoundPromotions:
      return policy->promises_sound_promotions();
    case Property::NotesKept:
      return policy->publishes_node_identity();
    default:
      return true;
  }
}

std::vector<Property> properties_for(const std::string& policy) {
  std::vector<Property> out;
  for (Property p : all_properties())
    if (promised_by(p, policy)) out.push_back(p);
  return out;
}

std::optional<Property> property_from_name(const std::string& name) {
  for (Property p : all_properties())
    if (name == to_string(p)) return p;
  return std::nullopt;
}

std::string inconclusive_cause(const sim::RunResult& r) {
  for (const auto& v : r.violations) {
    if (v.environment.empty()) continue;
    if (v.world_events.empty()) return "unnamed";
    const std::string& e = v.world_events.front();
    std::string word = e.substr(0, e.find(' '));
    if (word == "the") return "lossy-link";  // "the <link> link of <host> lost the reply"
    if (word.rfind("cattle.", 0) == 0) return "cattle-write-faults";
    if (word.find("busy") != std::string::npos || e.find(" busy ") != std::string::npos)
      return "busy-after-join";
    return word;
  }
  return "unnamed";
}

int count_hosts(const sim::ScenarioSpec& spec) {
  std::set<std::string> names;
  for (const auto& e : spec.events)
    if (e.kind == sim::EventKind::AddHost) names.insert(e.host);
  return static_cast<int>(names.size());
}

namespace {

bool wants(const std::vector<Property>& ps, Property p) {
  return std::find(ps.begin(), ps.end(), p) != ps.end();
}

// The first violation of those kinds that the logic is to blame for: one the
// environment caused (the run is inconclusive) breaks no property.
std::string first_violation(const sim::RunResult& r, const std::vector<std::string>& kinds) {
  for (const auto& v : r.violations)
    if (v.environment.empty())
      for (const auto& k : kinds)
        if (v.kind == k)
          return fmt::format("{} on {} at {}: {}", v.kind, v.host,
                             sim::format_duration_ms(v.time_ns), v.detail);
  return {};
}

}  // namespace

CaseVerdict evaluate(const sim::ScenarioSpec& spec, const std::string& policy,
                     const std::vector<Property>& properties, const std::atomic<bool>* interrupt) {
  sim::RunOptions ro;
  ro.seed = spec.seed;
  ro.policy = policy;
  ro.keep_trace = false;
  ro.interrupt = interrupt;
  CaseVerdict v;
  v.result = sim::run_scenario(spec, ro);
  const auto& r = v.result;
  if (r.interrupted) return v;  // no verdict on half a run
  auto fail = [&](Property p, std::string why) {
    if (!v.failed) {
      v.failed = p;
      v.message = std::move(why);
    }
  };
  // Each property owns the violation kinds that break it.
  const std::vector<std::pair<Property, std::vector<std::string>>> kinds = {
      {Property::NoSpuriousEviction,
       {"spurious-eviction", "spurious-demotion", "removed-self", "removed-last-manager"}},
      {Property::BoundedRemovals, {"removals-over-bound"}},
      {Property::SparesItself, {"demoted-self"}},
      {Property::NoRemovalOnFailedRead, {"removed-after-failed-read"}},
      {Property::OneSwarm, {"second-swarm"}},
      {Property::SoundPromotions, {"unsound-promotion"}},
      {Property::NotesKept, {"departure-note-lost"}},
  };
  for (const auto& [property, names] : kinds) {
    if (!wants(properties, property)) continue;
    if (auto why = first_violation(r, names); !why.empty()) fail(property, why);
  }
  if (wants(properties, Property::Cleanup)) {
    auto why = first_violation(r, {"orphan-node"});
    if (!why.empty()) fail(Property::Cleanup, why);
  }
  if (wants(properties, Property::Convergence)) {
    // A host the environment never gave a chance (its replica never
    // answered for it) is not the logic's failure to converge.
    for (const auto& vl : r.violations) {
      if ((vl.kind == "no-ready-node" || vl.kind == "duplicate-ready-nodes") &&
          vl.environment.empty()) {
        fail(Property::Convergence, fmt::format("{} on {} at {}: {}", vl.kind, vl.host,
                                                sim::format_duration_ms(vl.time_ns), vl.detail));
        break;
      }
    }
  }
  if (wants(properties, Property::ManagerCount)) {
    auto why = first_violation(r, {"manager-count"});
    if (!why.empty()) fail(Property::ManagerCount, why);
  }
  if (wants(properties, Property::NoFlapping) && r.verdict != sim::Verdict::Safety) {
    std::map<std::string, int> additions;
    for (const auto& e : spec.events)
      if (e.kind == sim::EventKind::AddHost) ++additions[e.host];
    for (const auto& [host, joins] : r.joins_by_host) {
      if (joins > kJoinsPerAdditionMax * additions[host]) {
        fail(Property::NoFlapping, fmt::format("host {} joined {} times for {} addition(s)", host,
                                               joins, additions[host]));
        break;
      }
    }
  }
  if (wants(properties, Property::Determinism)) {
    const auto second = sim::run_scenario(spec, ro);
    if (second.interrupted) {
      v.result.interrupted = true;
      return v;
    }
    if (second.digest != r.digest || second.trace_events != r.trace_events)
      fail(Property::Determinism,
           fmt::format("the same case ran twice gave digests {:016x} and {:016x}", r.digest,
                       second.digest));
  }
  return v;
}

namespace {

// Thrown out of RapidCheck's search and shrink loops to stop them: they call
// the listener after every case and every shrink step and do not catch
// what it throws, which is the only way to end a check of a million cases
// at once rather than by discarding each remaining case in turn.
struct StopCheck {};

// Counts cases and shrinks, tallies tags, keeps RapidCheck quiet (the caller
// decides what to print), and stops the check when asked to.
class Listener : public rc::detail::TestListener {
 public:
  Listener(CheckReport& report, const std::function<void(int)>& on_case,
           const std::atomic<bool>* interrupt)
      : report_(report), on_case_(on_case), interrupt_(interrupt) {}
  void onTestCaseFinished(const rc::detail::CaseDescription& d) override {
    stop_if_asked();
    if (d.result.type == rc::detail::CaseResult::Type::Discard) return;
    ++report_.cases_run;
    for (const auto& t : d.tags) {
      // RC_TAG shows strings quoted; the tags read better bare.
      const bool quoted = t.size() >= 2 && t.front() == '"' && t.back() == '"';
      ++report_.tag_counts[quoted ? t.substr(1, t.size() - 2) : t];
    }
    if (on_case_) on_case_(report_.cases_run);
  }
  void onShrinkTried(const rc::detail::CaseDescription&, bool accepted) override {
    report_.shrinks += accepted;
    stop_if_asked();
  }
  void onTestFinished(const rc::detail::TestMetadata&, const rc::detail::TestResult&) override {}

 private:
  void stop_if_asked() const {
    if (interrupt_ != nullptr && interrupt_->load()) throw StopCheck{};
  }
  CheckReport& report_;
  const std::function<void(int)>& on_case_;
  const std::atomic<bool>* interrupt_;
};

}  // namespace

std::string check_id(const std::string& policy) {
  return "swarmsim-check-" + policy;
}

namespace {

// What one generated case came to, kept by its index in the search order.
struct Outcome {
  bool done = false;
  bool inconclusive = false;
  std::string cause;  // inconclusive_cause, when inconclusive
  bool labels_lost = false;
  bool notes_lost = false;
  bool notes_recalled = false;
  std::size_t fingerprint = 0;  // of the case, to make sure the replay meets the same one
  std::optional<Property> failed;
  std::string message;
  std::vector<std::string> tags;  // until counted into the search's tally
};

std::size_t fingerprint(const EnvCase& c) {
  std::size_t h = std::hash<int>{}(c.seed) ^ (c.others.size() << 20);
  if (c.burst) h ^= static_cast<std::size_t>(c.burst->count) << 40;
  for (const auto& t : describe(c)) h = h * 1000003u ^ std::hash<std::string>{}(t);
  return h;
}

// The search of a check spread over threads. RapidCheck generates the cases
// (in a producer thread, through a property that only hands each case on),
// `jobs` workers evaluate them, and the search ends at the first failing
// case in generation order once every earlier case is known to pass, or
// when the cases run out. The caller then runs RapidCheck again as a single
// thread would, with a property that answers the known cases from these
// outcomes and evaluates only the shrink candidates.
class ParallelSearch {
 public:
  ParallelSearch(const CheckOptions& o, const GenOptions& go,
                 const std::vector<Property>& properties)
      : o_(o), go_(go), properties_(properties) {}

  // False when interrupted.
  bool run() {
    std::vector<std::thread> workers;
    for (int i = 0; i < std::max(o_.jobs, 1); ++i) workers.emplace_back([this] { work(); });
    produce();
    {
      std::lock_guard lock(m_);
      produced_all_ = true;
    }
    ready_.notify_all();
    for (auto& w : workers) w.join();
    return !interrupted_;
  }
  // Cases known, in order: up to and including the first failure.
  std::size_t known() const { return first_failure_ ? *first_failure_ + 1 : contiguous_; }
  const Outcome& outcome(std::size_t i) const { return outcomes_[i]; }
  // The tags of the cases known, tallied as the RapidCheck listener would.
  const std::map<std::string, int>& tag_counts() const { return tally_; }
  int inconclusive() const { return inconclusive_; }
  const std::map<std::string, int>& inconclusive_causes() const { return causes_; }

 private:
  void produce() {
    auto property = [this]() {
      const EnvCase c = *gen_environment(go_);
      std::unique_lock lock(m_);
      room_.wait(lock, [this] {
        return queue_.size() < 4 * static_cast<std::size_t>(o_.jobs) || stopping();
      });
      if (stopping()) return;
      queue_.emplace_back(generated_++, c);
      outcomes_.emplace_back();
      ready_.notify_one();
    };
    // Ends the generation loop from outside the property: RapidCheck turns
    // an exception in a property into a failure, but not one in a listener.
    struct Stopper : rc::detail::TestListener {
      explicit Stopper(ParallelSearch& s) : s_(s) {}
      void onTestCaseFinished(const rc::detail::CaseDescription&) override {
        std::lock_guard lock(s_.m_);
        if (s_.stopping()) throw StopCheck{};
      }
      void onShrinkTried(const rc::detail::CaseDescription&, bool) override {}
      void onTestFinished(const rc::detail::TestMetadata&, const rc::detail::TestResult&) override {
      }
      ParallelSearch& s_;
    } stopper(*this);
    rc::detail::TestMetadata metadata{check_id(o_.policy), "generated environments"};
    rc::detail::TestParams params;
    params.seed = o_.seed;
    params.maxSuccess = o_.cases;
    params.maxSize = 100;
    try {
      rc::detail::checkProperty(rc::detail::toProperty(property), metadata, params, stopper, {});
    } catch (const StopCheck&) {
    }
  }

  bool stopping() const {
    return interrupted_ || (first_failure_ && contiguous_ > *first_failure_);
  }

  void work() {
    for (;;) {
      std::pair<std::size_t, EnvCase> job;
      {
        std::unique_lock lock(m_);
        ready_.wait(lock, [this] { return !queue_.empty() || produced_all_ || stopping(); });
        if (stopping()) {
          queue_.clear();
          room_.notify_all();
          return;
        }
        if (queue_.empty()) return;  // every case generated and taken
        job = std::move(queue_.front());
        queue_.pop_front();
        room_.notify_one();
        if (first_failure_ && job.first > *first_failure_) continue;  // past the first failure
      }
      Outcome out;
      out.fingerprint = fingerprint(job.second);
      out.tags = describe(job.second);
      sim::ScenarioSpec spec = to_scenario(job.second, "counterexample");
      spec.policy = o_.policy;
      CaseVerdict v;
      try {
        v = evaluate(spec, o_.policy, properties_, o_.interrupt);
      } catch (const std::exception& e) {
        v.failed = Property::SimulatorFault;
        v.message = e.what();
      }
      out.done = true;
      out.labels_lost = v.result.labels_lost > 0;
      out.notes_lost = v.result.notes_lost > 0;
      out.notes_recalled = v.result.notes_recalled > 0;
      out.inconclusive = !v.failed && v.result.verdict == sim::Verdict::Inconclusive;
      if (out.inconclusive) out.cause = inconclusive_cause(v.result);
      out.failed = v.failed;
      out.message = std::move(v.message);
      if (out.labels_lost) out.tags.emplace_back("happened=label-update-lost");
      if (out.notes_lost) out.tags.emplace_back("happened=departure-note-lost");
      if (out.notes_recalled) out.tags.emplace_back("happened=left-node-recalled");
      std::lock_guard lock(m_);
      if (v.result.interrupted) {
        interrupted_ = true;
        ready_.notify_all();
        room_.notify_all();
        continue;
      }
      if (out.failed && (!first_failure_ || job.first < *first_failure_))
        first_failure_ = job.first;
      outcomes_[job.first] = std::move(out);
      while (contiguous_ < outcomes_.size() && outcomes_[contiguous_].done) {
        if (!first_failure_ || contiguous_ <= *first_failure_) {
          for (const auto& t : outcomes_[contiguous_].tags) ++tally_[t];
          inconclusive_ += outcomes_[contiguous_].inconclusive;
          if (outcomes_[contiguous_].inconclusive) ++causes_[outcomes_[contiguous_].cause];
        }
        std::vector<std::string>().swap(outcomes_[contiguous_].tags);
        ++contiguous_;
        if (o_.on_case && (!first_failure_ || contiguous_ <= *first_failure_ + 1))
          o_.on_case(static_cast<int>(contiguous_));
      }
      if (stopping()) {
        ready_.notify_all();
        room_.notify_all();
      }
    }
  }

  const CheckOptions& o_;
  GenOptions go_;
  const std::vector<Property>& properties_;
  std::mutex m_;
  std::condition_variable ready_, room_;
  std::deque<std::pair<std::size_t, EnvCase>> queue_;
  std::deque<Outcome> outcomes_;  // by index; a deque keeps references stable as it grows
  std::map<std::string, int> tally_;
  int inconclusive_ = 0;
  std::map<std::string, int> causes_;
  std::size_t generated_ = 0, contiguous_ = 0;
  std::optional<std::size_t> first_failure_;
  bool produced_all_ = false, interrupted_ = false;
};

}  // namespace

CheckReport run_check(const CheckOptions& o) {
  CheckReport report;
  GenOptions go;
  go.max_hosts = std::max(o.max_hosts, 1);
  go.join_bursts = o.join_bursts;
  // Shrinking only accepts failing candidates, so the last failing case seen
  // is the final, minimal counterexample.
  struct Last {
    sim::ScenarioSpec spec;
    Property property = Property::NoSpuriousEviction;
    std::string message;
  };
  std::optional<Last> last;
  const std::string policy = o.policy;
  std::vector<Property> properties;
  for (Property p : o.properties)
    if (promised_by(p, policy)) properties.push_back(p);
  // With several jobs the search runs first, spread over threads; the
  // RapidCheck run below then replays its outcomes for the cases it knows
  // (the same cases, in the same order) and evaluates shrink candidates.
  std::optional<ParallelSearch> search;
  std::size_t calls = 0;
  if (o.jobs > 1 && o.reproduce.empty()) {
    search.emplace(o, go, properties);
    if (!search->run()) {
      report.interrupted = true;
      report.cases_run = static_cast<int>(search->known());
      report.tag_counts = search->tag_counts();
      report.inconclusive = search->inconclusive();
      report.inconclusive_causes = search->inconclusive_causes();
      return report;
    }
  }
  auto property = [&]() {
    const EnvCase c = *gen_environment(go);
    for (const auto& tag : describe(c)) RC_TAG(tag);
    sim::ScenarioSpec spec = to_scenario(c, "counterexample");
    spec.policy = policy;
    CaseVerdict v;
    const std::size_t call = calls++;
    if (search && call < search->known() && search->outcome(call).done &&
        search->outcome(call).fingerprint == fingerprint(c)) {
      const Outcome& known = search->outcome(call);
      v.failed = known.failed;
      v.message = known.message;
      v.result.labels_lost = known.labels_lost ? 1 : 0;
      v.result.notes_lost = known.notes_lost ? 1 : 0;
      v.result.notes_recalled = known.notes_recalled ? 1 : 0;
      v.result.verdict = known.inconclusive ? sim::Verdict::Inconclusive : sim::Verdict::Pass;
      if (known.inconclusive) ++report.inconclusive_causes[known.cause];
    } else {
      try {
        v = evaluate(spec, policy, properties, o.interrupt);
      } catch (const std::exception& e) {
        v.failed = Property::SimulatorFault;
        v.message = e.what();
      }
    }
    if (v.result.interrupted) RC_DISCARD("interrupted");
    if (v.result.labels_lost > 0) RC_TAG("happened=label-update-lost");
    if (v.result.notes_lost > 0) RC_TAG("happened=departure-note-lost");
    if (v.result.notes_recalled > 0) RC_TAG("happened=left-node-recalled");
    if (!v.failed && v.result.verdict == sim::Verdict::Inconclusive) {
      ++report.inconclusive;
      if (!(search && call < search->known()))
        ++report.inconclusive_causes[inconclusive_cause(v.result)];
    }
    if (v.failed) {
      last = Last{spec, *v.failed, v.message};
      RC_FAIL(fmt::format("{}: {}", to_string(*v.failed), v.message));
    }
  };

  rc::detail::TestMetadata metadata{check_id(policy), "generated environments"};
  rc::detail::TestParams params;
  params.seed = o.seed;
  params.maxSuccess = o.cases;
  params.maxSize = 100;
  params.disableShrinking = !o.shrink;
  std::unordered_map<std::string, rc::detail::Reproduce> reproduce;
  if (!o.reproduce.empty()) {
    const auto config = rc::detail::configFromString("reproduce=" + o.reproduce, {});
    reproduce = config.reproduce;
  }
  // The search already reported its progress case by case.
  const std::function<void(int)> no_progress;
  Listener listener(report, search ? no_progress : o.on_case, o.interrupt);
  auto keep_last = [&] {
    report.found = true;
    report.property = last->property;
    report.message = last->message;
    report.counterexample = last->spec;
    report.hosts_in_counterexample = count_hosts(last->spec);
  };
  try {
    const auto result = rc::detail::checkProperty(rc::detail::toProperty(property), metadata,
                                                  params, listener, reproduce);
    rc::detail::FailureResult failure;
    if (result.match(failure)) {
      report.found = true;
      report.shrink_complete = true;
      if (last) keep_last();
      report.reproduce = rc::detail::reproduceMapToString({{metadata.id, failure.reproduce}});
    }
    rc::detail::GaveUpResult gave_up;
    if (result.match(gave_up)) report.gave_up = true;
  } catch (const StopCheck&) {
    report.interrupted = true;
    if (last) keep_last();
  }
  return report;
}

}  // namespace swarmsim::check

// The join's steps: wait for a leader (fixed: probe the labelled managers,
// then ask Cattle), wait for its token, join, save it and publish the
// node's identity.
#include <fmt/format.h>

#include <algorithm>

#include "model/manager_scaling.hpp"
#include "model/swarmkit_mon_impl.hpp"

namespace swarmsim::model {

void I::announce(const char* value) {
  call(CattleSetHostLabel{self.uuid, "swarm", value});
}

void I::announce_wait_leader(const Response*) {
  probes_failed = 0;
  probe_candidate = 0;
  probing_cattle = false;
  // Among the first MANAGER_SCALE swarmkit-mon containers: join as manager.
  // A host not listed yet ranks after the whole list.
  join_as_manager = false;
  if (!opt.policy.joins_as_worker()) {
    int rank = 0;
    for (auto c = containers.begin(); c != containers.end() && rank < opt.manager_scale;
         ++c, ++rank)
      if (c->host_uuid == self.uuid) join_as_manager = true;
    if (containers.size() < static_cast<std::size_t>(std::max(opt.manager_scale, 0)))
      join_as_manager = true;
  }
  announce("wait_leader");
}

// The managers a joiner may join through, in the order it probes them:
// the leader; under fixed every labelled manager, so that a joiner gets in
// while the first one's machine is dead.
std::vector<MetaContainer> I::join_candidates() const {
  if (probing_cattle) return cattle_managers;
  std::vector<MetaContainer> out;
  if (opt.policy.leads_among_managers())
    for (const auto& c : manager_order)
      if (c.host_uuid != self.uuid && c.primary_ip != self.agent_ip) out.push_back(c);
  if (out.empty() && leader && leader->host_uuid != self.uuid &&
      leader->primary_ip != self.agent_ip)
    out.push_back(*leader);
  return out;
}

bool I::has_join_candidates(const Response*) const {
  return !join_candidates().empty();
}

void I::probe_leader(const Response*) {
  const auto candidates = join_candidates();
  join_target = candidates[std::min(probe_candidate, candidates.size() - 1)];
  call(ProbeManager{join_target->primary_ip + ":2377"});
}

bool I::probe_ok(const Response* r) const {
  return ok(r);
}

// A failed probe moves on to the next candidate at once; a round in
// which none answered backs off, doubling, up to probe_attempts_max rounds.
bool I::next_candidate(const Response* r) const {
  return !ok(r) && probe_candidate + 1 < join_candidates().size();
}

bool I::round_failed(const Response* r) const {
  return !ok(r) && !next_candidate(r);
}

bool I::probes_left(const Response* r) const {
  return round_failed(r) && probes_failed + 1 < opt.probe_attempts_max;
}

bool I::probes_exhausted(const Response* r) const {
  return round_failed(r) && !probes_left(r);
}

// fixed: when no manager its replica names answers, a joiner asks the
// Cattle API for the hosts labelled swarm=manager, removed ones included:
// a manager whose host was deleted in Cattle runs on, invisible to
// metadata, and may be the only one left to let a successor in. Its label
// may have been lost to a whole-host PUT too, so removed hosts without it
// come next; a probe answers only where a manager listens.
bool I::asks_cattle_for_managers(const Response* r) const {
  return probes_exhausted(r) && opt.policy.leads_among_managers() && !probing_cattle;
}

bool I::gives_up(const Response* r) const {
  return probes_exhausted(r) && !asks_cattle_for_managers(r);
}

void I::ask_cattle_for_managers(const Response*) {
  call(CattleListHosts{},
       "no manager named in metadata answers: which hosts does Cattle label "
       "swarm=manager, removed ones included?");
}

bool I::found_managers_in_cattle(const Response* r) {
  std::set<std::string> probed;
  for (const auto& c : join_candidates()) probed.insert(c.primary_ip);
  cattle_managers.clear();
  auto hosts = as<CattleHostList>(r);
  if (!hosts) return false;
  auto add = [&](bool labelled_only) {
    for (const auto& h : *hosts) {
      if (cattle_managers.size() >= kCattleProbesMax) return;
      const bool labelled = labelled_manager(h.labels);
      if (labelled != labelled_only || (!labelled && h.state != CattleHostState::Removed) ||
          h.uuid == self.uuid || h.agent_ip == self.agent_ip || !probed.insert(h.agent_ip).second)
        continue;
      cattle_managers.push_back(MetaContainer{h.hostname, 0, h.agent_ip, h.uuid});
    }
  };
  add(true);
  add(false);
  return !cattle_managers.empty();
}

bool I::no_managers_in_cattle(const Response* r) {
  return !found_managers_in_cattle(r);
}

void I::probe_cattle_managers(const Response* r) {
  probing_cattle = true;
  probe_candidate = 0;
  probes_failed = 0;
  probe_leader(r);
}

void I::probe_next(const Response* r) {
  ++probe_candidate;
  probe_leader(r);
}

void I::back_off(const Response*) {
  probe_candidate = 0;
  sleep(opt.probe_backoff_ns << probes_failed++);
}

void I::announce_wait_token(const Response*) {
  announce("wait_token");
}

void I::ask_token(const Response*) {
  call(MetaServiceMetadata{});
}

bool I::has_token(const Response* r) const {
  auto a = as<MetaAnswer<ServiceMetadata>>(r);
  if (!a || a->kind != MetaAnswerKind::Json) return false;
  return !(join_as_manager ? a->value.manager_token : a->value.worker_token).empty();
}

void I::join(const Response* r) {
  keep_tokens(r);
  join_now(r);
}

void I::keep_tokens(const Response* r) {
  const auto& md = as<MetaAnswer<ServiceMetadata>>(r)->value;
  join_token = join_as_manager ? md.manager_token : md.worker_token;
  published_worker = md.worker_token;
}

void I::join_now(const Response*) {
  call(SwarmJoin{join_token, self.agent_ip + ":2377", {join_target->primary_ip + ":2377"}},
       fmt::format(
           "join as {} via {} {}", join_as_manager ? "manager" : "worker",
           join_target->primary_ip == (leader ? leader->primary_ip : "") ? "leader" : "manager",
           join_target->primary_ip));
}

// fixed: a host joins only while the Cattle API has it active. A replica
// that stalled while the host was deleted goes on listing it, and a node
// joined for a deleted host is removed again at once, and again.
bool I::confirms_before_join(const Response* r) const {
  return has_token(r) && opt.policy.publishes_node_identity();
}

bool I::joins_at_once(const Response* r) const {
  return has_token(r) && !opt.policy.publishes_node_identity();
}

void I::keep_tokens_confirm_host(const Response* r) {
  keep_tokens(r);
  ask_binding(r);
}

// The script tests `$?` after an `echo`, so a failed join goes unnoticed:
// both outcomes continue to the labels.
void I::save_token(const Response*) {
  call(SaveToken{published_worker}, "save the worker token on the host");
}

bool I::publishes_identity(const Response*) const {
  return opt.policy.publishes_node_identity();
}

void I::ask_info(const Response*) {
  call(GetInfo{});
}

bool I::has_node_id(const Response* r) const {
  auto i = as<SwarmInfo>(r);
  return i && !i->NodeID.empty() && i->LocalNodeState_ == LocalNodeState::Active;
}

void I::publish_node_id(const Response* r) {
  publish_identity(r);
}

void I::label_role(const Response*) {
  if (join_as_manager)
    announce("manager");
  else
    call(CattleSetHostLabel{self.uuid, "swarm", ""});
}

void I::finish_join(const Response*) {
  join_done = true;
}

}  // namespace swarmsim::model

#include "model/removal_policy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>

namespace swarmsim::model {

std::optional<RemovalPolicy> RemovalPolicy::from_name(const std::string& name) {
  RemovalPolicy p;
  if (name == "legacy")
    p.kind = Kind::Legacy;
  else if (name == "legacy-v2")
    p.kind = Kind::LegacyV2;
  else if (name == "grace")
    p.kind = Kind::Grace;
  else if (name == "fixed")
    p.kind = Kind::Fixed;
  else if (name == "go-rewrite")
    p.kind = Kind::GoRewrite;
  else
    return std::nullopt;
  return p;
}

const char* RemovalPolicy::names() {
  return "legacy, legacy-v2, grace, fixed, go-rewrite";
}

const std::vector<std::string>& RemovalPolicy::all_names() {
  static const std::vector<std::string> names = {"legacy", "legacy-v2", "grace", "fixed",
                                                 "go-rewrite"};
  return names;
}

std::string RemovalPolicy::name() const {
  switch (kind) {
    case Kind::Legacy:
      return "legacy";
    case Kind::LegacyV2:
      return "legacy-v2";
    case Kind::Grace:
      return "grace";
    case Kind::Fixed:
      return "fixed";
    case Kind::GoRewrite:
      return "go-rewrite";
  }
  return "?";
}

bool RemovalPolicy::decides_on(const Request& request) const {
  if (std::holds_alternative<ListNodes>(request)) return true;
  if (reads_cattle_hosts()) return std::holds_alternative<CattleListHosts>(request);
  return std::holds_alternative<MetaHosts>(request);
}

std::string metadata_hostname_key(const std::string& hostname) {
  return hostname.substr(0, hostname.find('.'));
}

namespace {

bool is_manager(const Node& n) {
  return n.Spec.Role == NodeRole::Manager;
}

// grace: a node younger than the minimum age is left alone whatever the
// comparison says. The age is measured on the manager's clock (CreatedAt)
// against the leader's `now`; skew between the two shifts it.
bool too_young(const RemovalPolicy& p, const ReconcileView& v, const Node& n) {
  return p.kind == RemovalPolicy::Kind::Grace && v.now - n.CreatedAt < p.grace_min_node_age_ns;
}

std::string join_keys(const std::set<std::string>& keys) {
  std::string out;
  std::size_t shown = 0;
  for (const auto& k : keys) {
    if (shown == 8) {
      out += fmt::format(", ... ({} in all)", keys.size());
      break;
    }
    if (shown++) out += ", ";
    out += "'" + k + "'";
  }
  return out;
}

const char* answer_kind(MetaAnswerKind k) {
  switch (k) {
    case MetaAnswerKind::Json:
      return "json";
    case MetaAnswerKind::Empty:
      return "an empty body";
    case MetaAnswerKind::NotFound:
      return "'Not found'";
  }
  return "?";
}

// The script finds the ID of a node it means to remove by looking its
// hostname up again among the candidates:
// `map(select(.Description.Hostname=="H")) | .[0].ID`, for each candidate's
// hostname H in turn as `jq -r` prints it. Observable consequences, all kept:
//  - a node that has not registered has no Description.Hostname key at all
//    (the Engine API omits empty fields), and `jq -r` prints it as `null`;
//    the lookup of "null" finds a candidate whose hostname is the string
//    "null" if there is one (and removes it there and then), else nothing,
//    and `docker node rm null` fails: an unregistered node is never removed;
//  - of several candidates sharing a hostname, the lookup always finds the
//    first, so one pass removes only that one (the later turns remove the
//    same ID again, and fail).
std::vector<const Node*> script_lookups(const std::vector<const Node*>& candidates) {
  std::vector<const Node*> acted_on;
  std::set<std::string> removed;
  for (const Node* turn : candidates) {
    const std::string word =
        turn->Description.Hostname.empty() ? "null" : turn->Description.Hostname;
    const auto found = std::find_if(candidates.begin(), candidates.end(),
                                    [&](const Node* n) { return n->Description.Hostname == word; });
    if (found == candidates.end() || !removed.insert((*found)->ID).second) continue;
    acted_on.push_back(*found);
  }
  return acted_on;
}

// swarmkit-mon v3..v5: keep a node iff its engine hostname equals a metadata
// hostname cut at its first dot. Only the metadata side is cut, so an engine
// that reports `pi1.lab` never matches. v1/v2 compared whole hostnames. An answer that is not JSON
// yields no hostnames at all, and then every registered node (the leader too) is a target.
std::vector<Eviction> select_by_hostname(const RemovalPolicy& p, const ReconcileView& v) {
  std::set<std::string> keys;
  if (v.meta_hosts->kind == MetaAnswerKind::Json) {
    for (const auto& h : v.meta_hosts->value)
      keys.insert(p.kind == RemovalPolicy::Kind::LegacyV2 ? h.hostname
                                                          : metadata_hostname_key(h.hostname));
  }
  const std::string seen =
      v.meta_hosts->kind == MetaAnswerKind::Json
          ? fmt::format("the {} metadata host{} [{}]", v.meta_hosts->value.size(),
                        v.meta_hosts->value.size() == 1 ? "" : "s", join_keys(keys))
          : fmt::format("metadata /hosts answered {}", answer_kind(v.meta_hosts->kind));
  // The nodes no metadata hostname matches. An unregistered node's missing
  // hostname is JSON null, which equals no string, so it is always among them.
  std::vector<const Node*> candidates;
  for (const auto& n : *v.nodes) {
    const bool matched = !n.Description.Hostname.empty() && keys.contains(n.Description.Hostname);
    if (!matched && !too_young(p, v, n)) candidates.push_back(&n);
  }
  std::vector<Eviction> out;
  for (const Node* n : script_lookups(candidates)) {
    out.push_back(
        Eviction{n->ID, is_manager(*n),
                 fmt::format("engine hostname '{}' not among {}", n->Description.Hostname, seen)});
  }
  return out;
}

// fixed: identity plus positive evidence. A node is condemned only when the
// Cattle API (strongly consistent, lists removed hosts) shows that every host
// which claimed it has been removed, or, for a node whose claim never reached
// Cattle (its host went before the claim was written, or an operator's edit
// reverted it and the host went before it was written again), that its
// address belongs to a removed host and to no live one. The node list is
// read before the Cattle list, so a host that is live when the nodes were
// listed is live, or removed, in the Cattle answer: never unknown.
//
// A removed host's machine can come back as a new Rancher host (a new uuid,
// the same agent IP) with its engine and node intact, and its claim on the
// new host comes only with its swarmkit-mon's first loop. So while a live
// host has the removed host's agent IP, a node of the removed host is left
// alone until it is superseded: the live host claims a node created after
// it. Then it is stale, and goes when it is down.
//
// Every node the evidence condemns is returned, the leader's own included:
// the bound per pass and the leader's own node are plan_removals' business.
std::vector<Eviction> condemn_by_identity(const ReconcileView& v) {
  std::vector<Eviction> out;
  if (v.cattle_hosts == nullptr || v.cattle_hosts->empty()) return out;  // no evidence: do nothing
  struct Claims {
    bool live = false;                    // some active host claims the node
    const CattleHost* removed = nullptr;  // a removed host that claims it
  };
  // Keyed by views into the lists the pass read, which outlive this call.
  std::unordered_map<std::string_view, Claims> claims;  // node id -> who claims it
  std::unordered_map<std::string_view, const CattleHost*> live_at_ip;
  std::unordered_map<std::string_view, const CattleHost*> removed_at_addr;
  std::unordered_map<std::string_view, const CattleHost*> removed_by_uuid;
  for (const auto& h : *v.cattle_hosts) {
    if (h.state != CattleHostState::Active) removed_by_uuid[h.uuid] = &h;
    const bool active = h.state == CattleHostState::Active;
    if (auto it = h.labels.find(kNodeIdLabel); it != h.labels.end() && !it->second.empty()) {
      Claims& c = claims[it->second];
      if (active)
        c.live = true;
      else if (!c.removed)
        c.removed = &h;
    }
    if (active) {
      live_at_ip[h.agent_ip] = &h;
    } else {
      removed_at_addr[h.agent_ip] = &h;
    }
  }
  // Whether the live host at `ip`, if any, has moved on from `n`: it claims
  // a node created after `n`, and `n` is down.
  auto superseded_at = [&](const std::string& ip, const Node& n) {
    auto back = live_at_ip.find(ip);
    if (back == live_at_ip.end()) return true;  // nobody lives there any more
    const auto label = back->second->labels.find(kNodeIdLabel);
    if (label == back->second->labels.end()) return false;
    const Node* newer = v.nodes->find(label->second);
    return newer != nullptr && newer->CreatedAt > n.CreatedAt && n.Status.State == NodeState::Down;
  };
  for (const auto& n : *v.nodes) {
    const auto claim = claims.find(n.ID);
    if (claim != claims.end() && claim->second.live) continue;
    // The agent of a host deleted while its machine ran noted, before its
    // engine left, which node it left behind: that node is dead whatever
    // else the world shows (the same machine may be back under a new host,
    // with another node), and it is the only evidence when the claim never
    // reached Cattle and the address (a NAT, a second interface) says nothing.
    if (v.departed != nullptr && n.Status.State == NodeState::Down) {
      auto note = v.departed->find(n.ID);
      if (note != v.departed->end()) {
        if (auto gone = removed_by_uuid.find(note->second); gone != removed_by_uuid.end()) {
          out.push_back(Eviction{n.ID, is_manager(n),
                                 fmt::format("the agent of removed host {} ('{}') left this "
                                             "node behind and said so",
                                             gone->second->uuid, gone->second->hostname)});
          continue;
        }
      }
    }
    if (claim != claims.end()) {
      const CattleHost& gone = *claim->second.removed;
      if (!superseded_at(gone.agent_ip, n)) continue;
      out.push_back(Eviction{n.ID, is_manager(n),
                             fmt::format("host {} ('{}') that claimed this node is removed in "
                                         "Cattle, and no live host claims it",
                                         gone.uuid, gone.hostname)});
      continue;
    }
    if (n.Status.Addr.empty()) continue;
    auto r = removed_at_addr.find(n.Status.Addr);
    if (r == removed_at_addr.end() || !superseded_at(n.Status.Addr, n)) continue;
    out.push_back(Eviction{n.ID, is_manager(n),
                           fmt::format("unclaimed node at {}, the address of removed host "
                                       "{} ('{}')",
                                       n.Status.Addr, r->second->uuid, r->second->hostname)});
  }
  return out;
}

// go-rewrite: hosts from the Cattle API, addresses instead of names, and
// nothing removed unless there are more nodes than live hosts. Which of the
// unmatched nodes goes first is the order `docker node ls` lists them in.
std::vector<Eviction> select_by_address(const ReconcileView& v) {
  std::vector<Eviction> out;
  if (v.cattle_hosts == nullptr || v.cattle_hosts->empty()) return out;
  std::set<std::string> live_ips;
  for (const auto& h : *v.cattle_hosts)
    if (h.state == CattleHostState::Active) live_ips.insert(h.agent_ip);
  const auto nodes = v.nodes->size();
  if (nodes <= live_ips.size()) return out;
  std::size_t excess = nodes - live_ips.size();
  for (const auto& n : *v.nodes) {
    if (excess == 0) break;
    if (n.ID == v.self_node_id || live_ips.contains(n.Status.Addr)) continue;
    out.push_back(Eviction{n.ID, is_manager(n),
                           fmt::format("{} nodes for {} live hosts, and address {} is no live "
                                       "host's agent IP",
                                       nodes, live_ips.size(), n.Status.Addr)});
    --excess;
  }
  return out;
}

}  // namespace

RemovalPlan plan_removals(const RemovalPolicy& p, const ReconcileView& v) {
  RemovalPlan plan;
  switch (p.kind) {
    case RemovalPolicy::Kind::Fixed:
      // The leader never removes its own node. When the evidence condemns
      // it, the host it runs on is gone from Rancher (what the agent does
      // then: SwarmkitMon's hand-over).
      for (auto& e : condemn_by_identity(v)) {
        if (e.node_id == v.self_node_id)
          plan.self_condemned = std::move(e);
        else
          plan.condemned.push_back(std::move(e));
      }
      for (const auto& e : plan.condemned) {
        if (static_cast<int>(plan.evictions.size()) >= p.max_removals_per_pass) break;
        plan.evictions.push_back(e);
      }
      return plan;
    case RemovalPolicy::Kind::GoRewrite:
      plan.evictions = select_by_address(v);
      break;
    default:
      plan.evictions = select_by_hostname(p, v);
      break;
  }
  plan.condemned = plan.evictions;
  return plan;
}

std::vector<Eviction> select_stale_nodes(const RemovalPolicy& p, const ReconcileView& v) {
  return plan_removals(p, v).evictions;
}

std::optional<Eviction> select_unreachable_manager(const RemovalPolicy& p, const ReconcileView& v) {
  if (!p.removes_unreachable_managers()) return std::nullopt;
  for (const auto& n : *v.nodes) {
    if (!n.ManagerStatus_ || n.ManagerStatus_->Reachability_ != Reachability::Unreachable) continue;
    if (too_young(p, v, n)) continue;
    return Eviction{n.ID, true, "manager is unreachable"};
  }
  return std::nullopt;
}

std::vector<Eviction> select_down_nodes(const RemovalPolicy& p, const ReconcileView& v) {
  std::vector<Eviction> out;
  if (!p.purges_down_nodes()) return out;
  std::vector<const Node*> down;  // the purge looks its nodes up the same way
  for (const auto& n : *v.nodes)
    if (n.Status.State == NodeState::Down && !too_young(p, v, n)) down.push_back(&n);
  for (const Node* node : script_lookups(down)) {
    const Node& n = *node;
    // The script meant "down nodes whose hostname came back under a new
    // node", but `[ "$x"!="" ]` is always true: every down node goes.
    out.push_back(Eviction{
        n.ID, is_manager(n),
        fmt::format("node '{}' is down (purge of replaced down nodes)", n.Description.Hostname)});
  }
  return out;
}

}  // namespace swarmsim::model

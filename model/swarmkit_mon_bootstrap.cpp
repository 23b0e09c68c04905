// The bootstrap's steps: the first leader inits the swarm, publishes its
// tokens and labels itself manager.
#include <fmt/format.h>

#include "model/manager_scaling.hpp"
#include "model/swarmkit_mon_impl.hpp"

namespace swarmsim::model {

bool I::engine_inactive(const Response*) const {
  return info.LocalNodeState_ == LocalNodeState::Inactive;
}

bool I::engine_active(const Response* r) const {
  return !engine_inactive(r);
}

// Whether this pass starts with bootstrap: always when there is no swarm;
// under a policy that republishes, also while the tokens were never
// confirmed published (the publication can be lost to a partition).
bool I::needs_bootstrap() const {
  return info.LocalNodeState_ == LocalNodeState::Inactive ||
         (opt.policy.republishes_join_tokens() && !tokens_published);
}

void I::swarm_init(const Response*) {
  call(SwarmInit{self.agent_ip + ":2377"}, "bootstrap: no swarm yet, this host leads");
}

bool I::inits_at_once(const Response* r) const {
  return engine_inactive(r) && !opt.policy.inits_only_without_published_tokens();
}

bool I::checks_before_init(const Response* r) const {
  return engine_inactive(r) && opt.policy.inits_only_without_published_tokens();
}

void I::ask_cattle_service(const Response*) {
  call(CattleGetService{}, "bootstrap: is a swarm's join token published already?");
}

bool I::nothing_published(const Response* r) const {
  auto a = as<MetaAnswer<ServiceMetadata>>(r);
  return a && a->kind == MetaAnswerKind::Json && a->value.worker_token.empty() &&
         a->value.manager_token.empty();
}

// fixed: and its own host is still active in Cattle. A replica that
// stalled while the host was deleted shows it as it was; a swarm made on
// a deleted host would have a manager nobody can find or label.
bool I::self_active_in_cattle(const Response* r) const {
  auto hosts = as<CattleHostList>(r);
  return hosts && !hosts->empty() && hosts->front().uuid == self.uuid &&
         hosts->front().state == CattleHostState::Active;
}

// fixed: and its container comes first in the Cattle API's own list of
// the service's containers. Metadata replicas lag, and while a stack
// upgrade recreates the containers two replicas can each show their own
// host's container first: two hosts would `init` two swarms.
void I::ask_cattle_containers(const Response*) {
  call(CattleServiceContainers{}, "bootstrap: does this host's container come first in Cattle?");
}

bool I::first_in_cattle(const Response* r) const {
  auto a = as<MetaAnswer<ContainerList>>(r);
  return a && a->kind == MetaAnswerKind::Json && !a->value.empty() &&
         a->value.front().host_uuid == self.uuid;
}

// Tokens published, or the Cattle API did not answer: no `init` now.
bool I::init_unsafe(const Response* r) const {
  return !nothing_published(r);
}

void I::get_swarm(const Response*) {
  call(GetSwarm{});
}

// fixed: the NodeID `swarm init` gave this engine, read before the pass
// that follows decides anything, so that the leader knows its own node:
// the /info of this loop was read while the engine was in no swarm.
bool I::rereads_info_after_init(const Response*) const {
  return opt.policy.publishes_node_identity();
}

void I::keep_info_get_swarm(const Response* r) {
  if (auto i = as<SwarmInfo>(r)) info = *i;
  get_swarm(r);
}

bool I::has_tokens(const Response* r) const {
  auto t = as<JoinTokens>(r);
  return t && !t->Worker.empty();
}

bool I::no_tokens(const Response* r) const {
  return !has_tokens(r);
}

void I::publish_tokens(const Response* r) {
  tokens = *as<JoinTokens>(r);
  publish_attempts = 1;
  call(CattlePublishTokens{ServiceMetadata{tokens.Worker, tokens.Manager, {}}});
}

// The script retried publication by recursing until it worked; the
// recursion ends when the stack does, which we model as a fixed budget.
bool I::published(const Response* r) const {
  return ok(r);
}

bool I::publish_retry(const Response* r) const {
  return !ok(r) && publish_attempts < kPublishAttemptsMax;
}

bool I::publish_given_up(const Response* r) const {
  return !ok(r) && !publish_retry(r);
}

void I::publish_again(const Response*) {
  ++publish_attempts;
  call(CattlePublishTokens{ServiceMetadata{tokens.Worker, tokens.Manager, {}}},
       "token publication failed: retry");
}

void I::label_manager(const Response*) {
  tokens_published = true;
  announce("manager");
}

void I::finish_bootstrap(const Response*) {
  bootstrap_done = true;
}

}  // namespace swarmsim::model

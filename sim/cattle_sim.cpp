#include "sim/cattle_sim.hpp"

#include <fmt/format.h>

namespace swarmsim::sim {

std::shared_ptr<const model::MetaHost> CattleSim::meta_host(const HostRecord& r) const {
  return std::make_shared<const model::MetaHost>(
      model::MetaHost{r.name, r.api.uuid, r.api.hostname, r.api.agent_ip, r.api.labels});
}

std::shared_ptr<const model::MetaContainer> CattleSim::meta_container(const HostRecord& r) const {
  return std::make_shared<const model::MetaContainer>(
      model::MetaContainer{"swarmkit-mon-" + r.name, r.create_index, r.api.agent_ip, r.api.uuid});
}

void CattleSim::api_changed(std::size_t index) {
  HostRecord& r = hosts_[index];
  r.shared = std::make_shared<const model::CattleHost>(r.api);
  all_hosts_ = all_hosts_.with(host_key(index), r.shared);
}

// A label changed on an active host: its entries are replaced.
void CattleSim::relabelled(std::size_t index) {
  active_hosts_ = active_hosts_.with(host_key(index), meta_host(hosts_[index]));
  api_changed(index);
}

std::shared_ptr<const model::CattleHost> CattleSim::shared_host(const std::string& uuid) const {
  auto it = by_uuid_.find(uuid);
  if (it == by_uuid_.end()) return nullptr;
  const HostRecord& r = hosts_[it->second];
  return r.api.state == model::CattleHostState::Removed ? nullptr : r.shared;
}

std::string CattleSim::add_host(Instant now, const std::string& name, const std::string& hostname,
                                const std::string& agent_ip) {
  HostRecord r;
  // Readable but unique: a re-added host gets a new uuid under the same name.
  r.api.uuid = fmt::format("{:08x}-{}", hosts_.size() + 1, name);
  r.api.hostname = hostname;
  r.api.agent_ip = agent_ip;
  r.name = name;
  by_uuid_[r.api.uuid] = hosts_.size();
  hosts_.push_back(std::move(r));
  active_hosts_ = active_hosts_.with(host_key(hosts_.size() - 1), meta_host(hosts_.back()));
  api_changed(hosts_.size() - 1);
  publish(now);
  return hosts_.back().api.uuid;
}

void CattleSim::remove_host(Instant now, const std::string& uuid) {
  auto it = by_uuid_.find(uuid);
  if (it == by_uuid_.end()) return;
  HostRecord& r = hosts_[it->second];
  if (r.api.state == model::CattleHostState::Active) {
    active_hosts_ = active_hosts_.without(host_key(it->second));
    if (r.has_container) containers_ = containers_.without(container_key(r));
  }
  r.api.state = model::CattleHostState::Removed;
  api_changed(it->second);
  publish(now);
}

void CattleSim::add_container(Instant now, const std::string& uuid) {
  auto it = by_uuid_.find(uuid);
  if (it == by_uuid_.end() || hosts_[it->second].has_container) return;
  HostRecord& r = hosts_[it->second];
  r.has_container = true;
  r.create_index = next_create_index_++;
  if (r.api.state == model::CattleHostState::Active)
    containers_ = containers_.with(container_key(r), meta_container(r));
  publish(now);
}

void CattleSim::recreate_container(Instant now, const std::string& uuid) {
  auto it = by_uuid_.find(uuid);
  if (it == by_uuid_.end() || !hosts_[it->second].has_container) return;
  HostRecord& r = hosts_[it->second];
  const bool listed = r.api.state == model::CattleHostState::Active;
  if (listed) containers_ = containers_.without(container_key(r));
  r.create_index = next_create_index_++;
  if (listed) containers_ = containers_.with(container_key(r), meta_container(r));
  publish(now);
}

bool CattleSim::set_host_label(Instant now, const std::string& uuid, const std::string& key,
                               const std::string& value) {
  auto it = by_uuid_.find(uuid);
  if (it == by_uuid_.end()) return false;
  auto& host = hosts_[it->second].api;
  if (host.state == model::CattleHostState::Removed) return false;
  auto label = host.labels.find(key);
  const bool present = label != host.labels.end();
  if (value.empty() ? !present : (present && label->second == value)) return true;  // no change
  if (value.empty())
    host.labels.erase(label);
  else
    host.labels[key] = value;
  relabelled(it->second);
  publish(now);
  return true;
}

std::optional<model::CattleHost> CattleSim::get_host(const std::string& uuid) const {
  const auto* h = host(uuid);
  if (h == nullptr || h->state == model::CattleHostState::Removed) return std::nullopt;
  return *h;
}

bool CattleSim::put_host_labels(Instant now, const std::string& uuid, const Labels& loaded,
                                const Labels& labels, const std::string& writer) {
  auto it = by_uuid_.find(uuid);
  if (it == by_uuid_.end()) return false;
  auto& host = hosts_[it->second].api;
  if (host.state == model::CattleHostState::Removed) return false;
  if (host.labels == labels) return true;  // nothing changes: no new snapshot
  auto value = [](const Labels& m, const std::string& k) {
    auto v = m.find(k);
    return v == m.end() ? std::string() : v->second;
  };
  // A key someone else changed after `loaded` was read, and which this copy
  // still holds as it was read: the PUT reverts it.
  std::vector<LostLabel> lost;
  auto consider = [&](const std::string& key) {
    const std::string before = value(loaded, key), now_there = value(host.labels, key),
                      put = value(labels, key);
    if (now_there != before && put == before)
      lost.push_back(LostLabel{uuid, key, now_there, put, writer});
  };
  for (const auto& [k, _] : host.labels) consider(k);
  for (const auto& [k, _] : loaded)
    if (!host.labels.contains(k)) consider(k);
  host.labels = labels;
  relabelled(it->second);
  publish(now);
  for (const auto& l : lost)
    for (auto& fn : lost_listeners_) fn(l);
  return true;
}

void CattleSim::put_service(Instant now, const model::ServiceMetadata& loaded,
                            const model::ServiceMetadata& metadata, const std::string& writer) {
  std::vector<LostNote> lost;
  for (const auto& [node, uuid] : service_.departed)
    if (!metadata.departed.contains(node))
      lost.push_back(LostNote{node, uuid, writer, !loaded.departed.contains(node)});
  if (metadata.worker_token == service_.worker_token &&
      metadata.manager_token == service_.manager_token && metadata.departed == service_.departed)
    return;  // nothing changes: no new snapshot
  service_ = metadata;
  published_service_ = std::make_shared<const model::ServiceMetadata>(service_);
  publish(now);
  for (const auto& l : lost)
    for (auto& fn : note_listeners_) fn(l);
}

model::Response CattleSim::serve(Instant now, const model::Request& request, const Writer& writer) {
  using model::ApiError;
  if (std::holds_alternative<model::CattleListHosts>(request)) return list_hosts();
  if (auto* g = std::get_if<model::CattleGetHost>(&request)) {
    auto host = shared_host(g->host_uuid);
    if (!host) return ApiError{404, "host not found"};
    return model::CattleHostList().with({0, 0}, std::move(host));
  }
  if (std::holds_alternative<model::CattleGetService>(request))
    return model::MetaAnswer<model::ServiceMetadata>{model::MetaAnswerKind::Json, service_};
  if (std::holds_alternative<model::CattleServiceContainers>(request))
    return model::MetaAnswer<model::ContainerList>{model::MetaAnswerKind::Json,
                                                   latest()->containers};
  if (auto* p = std::get_if<model::CattlePutHostLabels>(&request)) {
    const model::CattleHost* h = host(p->host_uuid);
    if (h == nullptr) return ApiError{404, "host not found"};
    const Labels loaded = writer.loaded_labels ? *writer.loaded_labels : h->labels;
    if (!put_host_labels(now, p->host_uuid, loaded, p->labels, writer.name))
      return ApiError{404, "host not found"};
    return model::Ok{};
  }
  if (auto* p = std::get_if<model::CattlePutService>(&request)) {
    const model::ServiceMetadata loaded = writer.loaded_service ? *writer.loaded_service : service_;
    put_service(now, loaded, p->metadata, writer.name);
    return model::Ok{};
  }
  return ApiError{405,
                  std::string("the Cattle API does not serve ") + model::request_name(request)};
}

bool CattleSim::host_active(const std::string& uuid) const {
  auto h = host(uuid);
  return h && h->state == model::CattleHostState::Active;
}

const model::CattleHost* CattleSim::host(const std::string& uuid) const {
  auto it = by_uuid_.find(uuid);
  return it == by_uuid_.end() ? nullptr : &hosts_[it->second].api;
}

void CattleSim::release_before(std::size_t version) {
  for (; released_ < version && released_ + 1 < history_.size(); ++released_)
    history_[released_].reset();
}

void CattleSim::publish(Instant now) {
  auto s = std::make_shared<CattleSnapshot>();
  s->version = history_.size();
  s->taken_at = now;
  s->hosts = active_hosts_;
  s->containers = containers_;
  s->service = published_service_;
  history_.push_back(std::move(s));
  change_times_.push_back(now);
}

}  // namespace swarmsim::sim

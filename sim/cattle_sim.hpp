// CattleSim: the Rancher server's database, the one strongly consistent
// source of truth about hosts.
//
// Models: hosts (uuid, name, the hostname the Rancher agent reported, agent
// IP, labels, state), the swarmkit-mon service's containers with their
// create_index, and the service metadata where the leader publishes join
// tokens. Every change produces a new immutable, versioned snapshot; metadata
// replicas hold a pointer to the snapshot they last loaded, so a reload costs
// a pointer copy whatever the number of hosts. A change costs O(log N): the
// snapshot's lists are persistent (model::SharedList) and share all but the
// changed entry's path with the version before. Every version is kept, in
// order, so that a replica can find the one it would have loaded at any
// past instant (see MetadataReplicaSim).
//
// Labels are written as the Rancher API and UI write them: the writer reads
// the whole host object (get_host), changes its copy, and PUTs the whole
// object back (put_host_labels). Whatever another writer changed between
// that read and that PUT is reverted: the lost update. Every loss is reported
// to the on_label_lost listeners, so that traces and the generators' tally
// can show it.
//
// The swarmkit-mon service's metadata (join tokens, fixed's departure
// notes) is written the same way, whole (put_service): a note written by
// one agent between another writer's read and PUT is lost, and reported to
// the on_note_lost listeners.
//
// Faults: none here. The Cattle API is reached over the network, so API
// calls can be lost or time out (see the world's rpc), and replicas lag.
// Left out: host state transitions other than active/removed (the API lists
// removed hosts until they are purged; we never purge).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/io.hpp"
#include "model/rancher_api.hpp"
#include "model/time.hpp"

namespace swarmsim::sim {

struct CattleSnapshot {
  std::uint64_t version = 0;
  Instant taken_at = 0;
  model::HostList hosts;            // active hosts, in creation order
  model::ContainerList containers;  // swarmkit-mon containers on active hosts
  std::shared_ptr<const model::ServiceMetadata> service =
      std::make_shared<const model::ServiceMetadata>();

  const model::MetaHost* find_host(const std::string& uuid) const { return hosts.find(uuid); }
};

class CattleSim {
 public:
  std::string add_host(Instant now, const std::string& name, const std::string& hostname,
                       const std::string& agent_ip);
  void remove_host(Instant now, const std::string& uuid);
  // The scheduler created the host's swarmkit-mon container.
  void add_container(Instant now, const std::string& uuid);
  // A stack upgrade replaced it: a new container, the next create_index.
  void recreate_container(Instant now, const std::string& uuid);
  // Returns false when the host is gone (the API answers 404).
  bool set_host_label(Instant now, const std::string& uuid, const std::string& key,
                      const std::string& value);
  // GET /v1/hosts/{uuid}: the whole host object, or nothing once it is
  // removed (a PUT to it would fail too).
  std::optional<model::CattleHost> get_host(const std::string& uuid) const;
  // PUT /v1/hosts/{uuid}: `labels` replace the stored labels whole. `loaded`
  // is the object the writer read before; every label changed since then
  // that the writer's copy does not change is reverted, and reported as
  // lost. Returns false when the host is gone.
  using Labels = std::map<std::string, std::string>;
  bool put_host_labels(Instant now, const std::string& uuid, const Labels& loaded,
                       const Labels& labels, const std::string& writer);
  struct LostLabel {
    std::string host_uuid, key;
    std::string lost_value;      // what the other writer had set ("" : it had deleted it)
    std::string restored_value;  // what the PUT put back ("" : deleted)
    std::string writer;          // who PUT the stale copy
  };
  void on_label_lost(std::function<void(const LostLabel&)> fn) {
    lost_listeners_.push_back(std::move(fn));
  }
  // PUT /v1/services/{id}: `metadata` replaces the service's metadata
  // whole. `loaded` is what the writer read before. A departure note the
  // writer's copy lacks is lost, and reported (LostNote).
  void put_service(Instant now, const model::ServiceMetadata& loaded,
                   const model::ServiceMetadata& metadata, const std::string& writer);
  // A note present at the server that a PUT of the service leaves out. No
  // writer means to remove a note, so every such PUT loses one: most put
  // back an older copy they read before the note was written
  // (`stale_copy`); one that drops a note it read is lost as well.
  struct LostNote {
    std::string node_id, host_uuid;
    std::string writer;  // who PUT the copy without it
    bool stale_copy = true;
  };
  void on_note_lost(std::function<void(const LostNote&)> fn) {
    note_listeners_.push_back(std::move(fn));
  }

  // One Cattle API request (service_of() says Service::Cattle), served at
  // the Rancher server: the one handler of the simulated agents and of
  // `swarmsim serve`'s clients. A PUT names its writer and, to report what
  // it reverts, what the writer read before (null: what is there now).
  struct Writer {
    std::string name;
    const Labels* loaded_labels = nullptr;
    const model::ServiceMetadata* loaded_service = nullptr;
  };
  model::Response serve(Instant now, const model::Request& request, const Writer& writer);

  std::shared_ptr<const CattleSnapshot> latest() const { return history_.back(); }
  // Every version so far, version v at index v; taken_at never decreases.
  const std::vector<std::shared_ptr<const CattleSnapshot>>& history() const { return history_; }
  // history()[v]->taken_at, kept apart so that a search reads one array.
  const std::vector<Instant>& change_times() const { return change_times_; }
  // Lets go of the versions before `version`: no replica will load them
  // any more (history()[v] is null for those; change_times() stays whole).
  void release_before(std::size_t version);
  const model::ServiceMetadata& service() const { return service_; }
  bool host_active(const std::string& uuid) const;
  const model::CattleHost* host(const std::string& uuid) const;
  // GET /v1/hosts: strongly consistent, removed hosts included.
  model::CattleHostList list_hosts() const { return all_hosts_; }
  // How many hosts GET /v1/hosts lists (removed ones included).
  std::size_t host_count() const { return hosts_.size(); }
  // GET /v1/hosts/{uuid} as an answer: the host shared, not copied; null
  // once it is removed.
  std::shared_ptr<const model::CattleHost> shared_host(const std::string& uuid) const;

 private:
  struct HostRecord {
    model::CattleHost api;
    std::string name;
    bool has_container = false;
    std::uint64_t create_index = 0;
    std::shared_ptr<const model::CattleHost> shared;  // `api` as answers hand it out
  };
  // The record's API object changed: a new shared copy, in every list.
  void api_changed(std::size_t index);
  void publish(Instant now);
  static model::HostList::Key host_key(std::size_t index) { return {index, 0}; }
  static model::ContainerList::Key container_key(const HostRecord& r) {
    return {r.create_index, 0};
  }
  std::shared_ptr<const model::MetaHost> meta_host(const HostRecord& r) const;
  std::shared_ptr<const model::MetaContainer> meta_container(const HostRecord& r) const;
  void relabelled(std::size_t index);

  std::vector<HostRecord> hosts_;  // creation order
  std::unordered_map<std::string, std::size_t> by_uuid_;
  model::ServiceMetadata service_;
  std::uint64_t next_create_index_ = 1;
  model::HostList active_hosts_;
  model::CattleHostList all_hosts_;
  model::ContainerList containers_;
  std::shared_ptr<const model::ServiceMetadata> published_service_ =
      std::make_shared<const model::ServiceMetadata>();
  std::vector<std::shared_ptr<const CattleSnapshot>> history_{
      std::make_shared<const CattleSnapshot>()};
  std::vector<Instant> change_times_{0};
  std::size_t released_ = 0;  // versions below this one are released
  std::vector<std::function<void(const LostLabel&)>> lost_listeners_;
  std::vector<std::function<void(const LostNote&)>> note_listeners_;
};

}  // namespace swarmsim::sim

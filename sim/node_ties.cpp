#include "sim/node_ties.hpp"

#include "sim/world.hpp"

namespace swarmsim::sim {

NodeTies::NodeTies(World& world) : world_(world) {
  world.observe(*this);
}

void NodeTies::on(const WorldEvent& event) {
  struct Visit {
    NodeTies& t;
    void operator()(const NodeIdLearnt& e) { t.held_.emplace(e.host, e.node_id); }
    void operator()(const LeftSwarmByLogic& e) {
      t.left_by_logic_[{e.host, e.node_id}] = t.world_.kernel().now();
    }
    void operator()(const TieWriteBegun& e) {
      t.tie_written_[{e.host, e.node_id}] = t.world_.kernel().now();
    }
    void operator()(const LoopRanToEnd& e) { t.full_loop_began_[{e.host, e.node_id}] = e.started; }
    void operator()(const ServerAnswered&) {}
    // The registry's and the logic's events are the other checkers'.
    void operator()(const NodeRemoved&) {}
    void operator()(const NodeDemoted&) {}
    void operator()(const NodePromoted&) {}
    void operator()(const NodeStateChanged&) {}
    void operator()(const SwarmSplit&) {}
    void operator()(const DecisiveReadAnswered&) {}
    void operator()(const DecisiveReadFailed&) {}
    void operator()(const HostChanged&) {}
    void operator()(const CallMade&) {}
  };
  std::visit(Visit{*this}, event);
}

Instant NodeTies::at(const std::map<Key, Instant>& m, HostIndex host, const std::string& id) {
  auto it = m.find({host, id});
  return it == m.end() ? Instant{-1} : it->second;
}

bool NodeTies::held(HostIndex host, const std::string& id) const {
  return held_.contains({host, id});
}
Instant NodeTies::tie_written(HostIndex host, const std::string& id) const {
  return at(tie_written_, host, id);
}
Instant NodeTies::full_loop_began(HostIndex host, const std::string& id) const {
  return at(full_loop_began_, host, id);
}
Instant NodeTies::left_by_logic(HostIndex host, const std::string& id) const {
  return at(left_by_logic_, host, id);
}

}  // namespace swarmsim::sim

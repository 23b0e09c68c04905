// swarmkit-mon as its drivers see it: the logic (SwarmkitMon) with its
// Cattle procedures (CattleWrite) carried out inside, so that every Call it
// yields is a single request for one service (service_of() never says
// Service::Procedure). The simulator (sim/mon_sim) and the live agent
// (live/agent) drive this class and nothing else of the logic: they carry
// requests and answers, and no procedure of the logic is written twice.
//
// Same face as SwarmkitMon: feed handle_*, drain poll_action.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "model/cattle_write.hpp"
#include "model/swarmkit_mon.hpp"

namespace swarmsim::model {

class Agent {
 public:
  explicit Agent(MonOptions options);

  void handle_start(Instant now) { logic_.handle_start(now); }
  // The answer to Call `id`; answers to anything but the outstanding call
  // are ignored.
  void handle_response(Instant now, RequestId id, const Response& response);
  void handle_wakeup(Instant now, RequestId id) { logic_.handle_wakeup(now, id); }
  // The next single request or timer.
  std::optional<Action> poll_action();

  // The procedure the outstanding call belongs to, if any, and whether that
  // call (the last one polled) is the procedure's first: observers see a
  // procedure begin.
  const Request* procedure() const { return write_ ? &write_->procedure() : nullptr; }
  bool procedure_begins() const { return begins_; }

  const SwarmkitMon& logic() const { return logic_; }
  std::string phase() const { return logic_.phase(); }
  bool is_leader() const { return logic_.is_leader(); }
  const std::optional<std::string>& fault() const { return logic_.fault(); }

 private:
  SwarmkitMon logic_;
  // The procedure in progress: the logic's call it stands for, and the id
  // of its request that is outstanding.
  std::optional<CattleWrite> write_;
  Call asked_;
  RequestId outstanding_ = 0;
  RequestId next_id_ = 1ull << 62;  // apart from the logic's own ids
  std::optional<Action> ready_;
  bool begins_ = false;
};

}  // namespace swarmsim::model

#include "model/agent.hpp"

namespace swarmsim::model {

Agent::Agent(MonOptions options) : logic_(options) {}

std::optional<Action> Agent::poll_action() {
  begins_ = false;
  if (ready_) {
    auto a = std::move(ready_);
    ready_.reset();
    return a;
  }
  auto action = logic_.poll_action();
  if (!action) return action;
  auto* call = std::get_if<Call>(&*action);
  if (call == nullptr || service_of(call->request) != Service::Procedure) return action;
  // A procedure: the logic waits for its answer while its requests go out.
  write_.emplace(call->request);
  asked_ = std::move(*call);
  outstanding_ = next_id_++;
  begins_ = true;
  return Call{outstanding_, write_->next(), asked_.why, asked_.eviction, asked_.pass};
}

void Agent::handle_response(Instant now, RequestId id, const Response& response) {
  if (!write_) return logic_.handle_response(now, id, response);
  if (id != outstanding_) return;
  auto step = write_->step(response);
  if (auto* next = std::get_if<Request>(&step)) {
    outstanding_ = next_id_++;
    ready_ = Call{outstanding_, std::move(*next), asked_.why, asked_.eviction, asked_.pass};
    return;
  }
  write_.reset();
  outstanding_ = 0;
  logic_.handle_response(now, asked_.id, std::get<Response>(step));
}

}  // namespace swarmsim::model

// The agent's writes through the Cattle API, as procedures of the logic.
//
// Rancher 1.x has no partial update and no conditional PUT: to change one
// label of a host, or one field of the swarmkit-mon service's metadata, the
// script read the whole object, changed its copy, PUT the whole copy back
// and read it again; until that read showed the change, it started over.
// Two writers of one object in between lose each other's changes (the
// second PUT reverts the first): rancher/rancher#8466 for labels, and the
// same for the service metadata that holds the join tokens and fixed's
// departure notes.
//
// CattleWrite is that procedure, sans-IO: made from one of the logic's
// procedure requests (CattleSetHostLabel, CattlePublishTokens,
// CattleNoteDeparture), it yields Cattle requests one at a time (GET, PUT,
// GET) and takes their answers, until it has the procedure's answer: Ok
// once a read shows the change, an error when a request fails, or a 409
// after kCattleWriteTries rounds that never showed it. The simulator and
// the live agent carry its requests; neither knows the procedure.
#pragma once

#include <variant>

#include "model/io.hpp"

namespace swarmsim::model {

// Rounds of GET, PUT, GET before a write is given up.
inline constexpr int kCattleWriteTries = 5;

class CattleWrite {
 public:
  // `procedure` must be one that service_of() calls Service::Procedure.
  explicit CattleWrite(Request procedure);

  // The request to carry out now: what the procedure waits for.
  const Request& next() const { return next_; }
  // The answer to next(): either the next request to carry out, or the
  // procedure's own answer (and the procedure is over).
  std::variant<Request, Response> step(const Response& answer);

  const Request& procedure() const { return procedure_; }
  int round() const { return round_; }

 private:
  enum class Phase { Read, Write, ReadBack };
  Request read_request() const;
  // From the object as read: the object to PUT, or none when the read
  // already shows the change (only a departure note is spared the PUT: the
  // script PUT its labels and tokens whatever it read).
  std::optional<Request> changed(const Response& read) const;
  bool shows_change(const Response& read) const;

  Request procedure_;
  Request next_;
  Phase phase_ = Phase::Read;
  int round_ = 1;
};

}  // namespace swarmsim::model

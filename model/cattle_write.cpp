#include "model/cattle_write.hpp"

#include <fmt/format.h>

#include <optional>

namespace swarmsim::model {

namespace {

const CattleHost* host_read(const Response& r) {
  auto* hosts = std::get_if<CattleHostList>(&r);
  return hosts != nullptr && !hosts->empty() ? &hosts->front() : nullptr;
}

const ServiceMetadata* service_read(const Response& r) {
  auto* a = std::get_if<MetaAnswer<ServiceMetadata>>(&r);
  return a != nullptr && a->kind == MetaAnswerKind::Json ? &a->value : nullptr;
}

bool label_shown(const CattleSetHostLabel& l, const CattleHost& h) {
  const auto it = h.labels.find(l.key);
  return l.value.empty() ? it == h.labels.end() : it != h.labels.end() && it->second == l.value;
}

bool note_shown(const CattleNoteDeparture& n, const ServiceMetadata& m) {
  const auto it = m.departed.find(n.node_id);
  return it != m.departed.end() && it->second == n.host_uuid;
}

}  // namespace

CattleWrite::CattleWrite(Request procedure)
    : procedure_(std::move(procedure)), next_(read_request()) {}

Request CattleWrite::read_request() const {
  if (auto* l = std::get_if<CattleSetHostLabel>(&procedure_)) return CattleGetHost{l->host_uuid};
  return CattleGetService{};
}

std::optional<Request> CattleWrite::changed(const Response& read) const {
  if (auto* l = std::get_if<CattleSetHostLabel>(&procedure_)) {
    auto labels = host_read(read)->labels;
    if (l->value.empty())
      labels.erase(l->key);
    else
      labels[l->key] = l->value;
    return CattlePutHostLabels{l->host_uuid, std::move(labels)};
  }
  ServiceMetadata m = *service_read(read);
  if (auto* p = std::get_if<CattlePublishTokens>(&procedure_)) {
    m.worker_token = p->tokens.worker_token;
    m.manager_token = p->tokens.manager_token;
  } else if (auto* n = std::get_if<CattleNoteDeparture>(&procedure_)) {
    if (note_shown(*n, m)) return std::nullopt;
    m.departed[n->node_id] = n->host_uuid;
  }
  return CattlePutService{std::move(m)};
}

// What the script's read-back looked for: the label's value, the manager
// token ("until a read shows the manager token"), the note.
bool CattleWrite::shows_change(const Response& read) const {
  if (auto* l = std::get_if<CattleSetHostLabel>(&procedure_))
    return label_shown(*l, *host_read(read));
  const ServiceMetadata& m = *service_read(read);
  if (auto* p = std::get_if<CattlePublishTokens>(&procedure_))
    return m.manager_token == p->tokens.manager_token;
  return note_shown(std::get<CattleNoteDeparture>(procedure_), m);
}

std::variant<Request, Response> CattleWrite::step(const Response& answer) {
  switch (phase_) {
    case Phase::Read: {
      const bool read = std::holds_alternative<CattleSetHostLabel>(procedure_)
                            ? host_read(answer) != nullptr
                            : service_read(answer) != nullptr;
      if (!read) return answer;  // the GET failed: so did the write
      auto put = changed(answer);
      if (!put) return Ok{};
      phase_ = Phase::Write;
      next_ = std::move(*put);
      return next_;
    }
    case Phase::Write:
      if (!std::holds_alternative<Ok>(answer)) return answer;
      phase_ = Phase::ReadBack;
      next_ = read_request();
      return next_;
    case Phase::ReadBack: {
      const bool read = std::holds_alternative<CattleSetHostLabel>(procedure_)
                            ? host_read(answer) != nullptr
                            : service_read(answer) != nullptr;
      if (!read) return answer;
      if (shows_change(answer)) return Ok{};
      if (round_ >= kCattleWriteTries)
        return ApiError{
            409, fmt::format("{} not seen after {} writes",
                             request_arguments(procedure_).empty() ? request_name(procedure_)
                                                                   : request_arguments(procedure_),
                             round_)};
      ++round_;
      phase_ = Phase::Read;
      next_ = read_request();
      return next_;
    }
  }
  return answer;
}

}  // namespace swarmsim::model

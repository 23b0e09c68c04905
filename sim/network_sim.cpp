#include "sim/network_sim.hpp"

#include <stdexcept>

#include "sim/streams.hpp"

namespace swarmsim::sim {

NetworkSim::NetworkSim(Kernel& kernel, std::uint64_t seed, std::vector<LinkClassSpec> links)
    : kernel_(kernel), seed_(seed) {
  for (auto& spec : links) links_.push_back(Link{std::move(spec)});
}

std::size_t NetworkSim::link_index(const std::string& name) const {
  for (std::size_t i = 0; i < links_.size(); ++i)
    if (links_[i].spec.name == name) return i;
  throw std::invalid_argument("unknown link class '" + name + "'");
}

EndpointId NetworkSim::add_endpoint(const std::string& name, const std::string& link_class) {
  endpoints_.push_back(Endpoint{name, link_index(link_class), {}, {}});
  return static_cast<EndpointId>(endpoints_.size() - 1);
}

bool NetworkSim::connected(EndpointId a, EndpointId b) const {
  if (a == b) return true;
  for (const auto& [id, side] : partitions_) {
    if (side.contains(a) != side.contains(b)) return false;
  }
  return true;
}

NetworkSim::PairStream& NetworkSim::pair_stream(EndpointId from, EndpointId to) {
  Endpoint& sender = endpoints_.at(from);
  Endpoint& receiver = endpoints_.at(to);
  const bool by_sender = sender.sends.size() <= receiver.receives.size();
  const auto& list = by_sender ? sender.sends : receiver.receives;
  const EndpointId peer = by_sender ? to : from;
  for (const auto& [other, index] : list)
    if (other == peer) return streams_[index];
  std::string name = streams::network(sender.name, receiver.name);
  const Rng rng = Rng::substream(seed_, streams::network(sender.name, receiver.name));
  const auto index = static_cast<std::uint32_t>(streams_.size());
  streams_.push_back(PairStream{std::move(name), rng});
  sender.sends.emplace_back(to, index);
  receiver.receives.emplace_back(from, index);
  return streams_[index];
}

Duration NetworkSim::delay_on(const Link& a, const Link& b, PairStream& stream, EndpointId from,
                              EndpointId to) {
  if (from == to) return 0;
  const Duration d = a.spec.latency.sample(stream.rng) + b.spec.latency.sample(stream.rng);
  if (on_draw_) on_draw_(stream.name, d);
  return d;
}

Duration NetworkSim::draw_delay(EndpointId from, EndpointId to) {
  return delay_on(links_[endpoints_.at(from).link], links_[endpoints_.at(to).link],
                  pair_stream(from, to), from, to);
}

void NetworkSim::send(EndpointId from, EndpointId to, const std::function<void()>& deliver) {
  const Transmission t = transmit(from, to);
  for (int c = 0; c < t.copies; ++c)
    kernel_.schedule_after(t.delay[c], [this, from, to, deliver] {
      if (arrives(from, to)) deliver();
    });
}

NetworkSim::Transmission NetworkSim::transmit(EndpointId from, EndpointId to) {
  Transmission t;
  ++stats_.sent;
  if (!connected(from, to)) {
    ++stats_.cut;
    return t;
  }
  const Link& a = links_[endpoints_.at(from).link];
  const Link& b = links_[endpoints_.at(to).link];
  PairStream& stream = pair_stream(from, to);
  Rng& rng = stream.rng;
  if (from != to && (rng.bernoulli(a.spec.loss) || rng.bernoulli(b.spec.loss))) {
    ++stats_.lost;
    return t;
  }
  t.copies = 1;
  if (from != to && (rng.bernoulli(a.spec.duplicate) || rng.bernoulli(b.spec.duplicate))) {
    ++stats_.duplicated;
    t.copies = 2;
  }
  for (int c = 0; c < t.copies; ++c) {
    Duration delay = delay_on(a, b, stream, from, to);
    // Either access link can hold a message back, like it can drop it.
    bool held = false;
    for (const Link* l : {&a, &b}) {
      if (from == to || !rng.bernoulli(l->spec.reorder)) continue;
      held = true;
      delay += l->spec.reorder_delay.sample(rng);
    }
    stats_.reordered += held;
    t.delay[c] = delay;
  }
  return t;
}

bool NetworkSim::arrives(EndpointId from, EndpointId to) {
  // A partition that started while the message was in flight swallows it.
  if (!connected(from, to)) {
    ++stats_.cut;
    return false;
  }
  ++stats_.delivered;
  return true;
}

std::uint64_t NetworkSim::start_partition(std::vector<EndpointId> side) {
  const std::uint64_t id = next_partition_++;
  partitions_[id] = std::set<EndpointId>(side.begin(), side.end());
  for (auto& fn : topology_listeners_) fn();
  return id;
}

void NetworkSim::heal_partition(std::uint64_t partition_id) {
  partitions_.erase(partition_id);
  for (auto& fn : topology_listeners_) fn();
}

}  // namespace swarmsim::sim

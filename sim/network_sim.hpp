// The network between hosts and the Rancher server.
//
// Every endpoint sits behind an access link of some link class (`cloud-lan`
// for the manager VM, `edge-wan` for Pis at the edge). A message from A to B
// crosses A's access link and then B's: its delay is a draw from each class's
// latency distribution, and each link can drop, duplicate or hold it back
// (reordering). Partitions cut a set of endpoints off from everybody else
// between a start and a heal time; a message is lost if the two ends are on
// different sides when it is sent or when it would arrive.
//
// Left out on purpose: bandwidth, TCP retransmission and connection state.
// Request/response exchanges above this layer time out instead.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sim/kernel.hpp"
#include "sim/random.hpp"
#include "sim/scenario.hpp"

namespace swarmsim::sim {

using EndpointId = std::uint32_t;

struct NetworkStats {
  std::uint64_t sent = 0, delivered = 0, lost = 0, duplicated = 0, reordered = 0, cut = 0;
};

class NetworkSim {
 public:
  NetworkSim(Kernel& kernel, std::uint64_t seed, std::vector<LinkClassSpec> links);

  // Adds an endpoint on the named link class (must exist). `name` names its
  // random streams: give each endpoint a name of its own that does not
  // depend on what else exists (a host's name, with #2 for a second machine
  // of that name), so that adding an endpoint changes no other's draws.
  EndpointId add_endpoint(const std::string& name, const std::string& link_class);
  const std::string& endpoint_name(EndpointId e) const { return endpoints_.at(e).name; }

  // Sends a message: `deliver` runs zero, one or two times at the receiver.
  void send(EndpointId from, EndpointId to, const std::function<void()>& deliver);
  // send() in two halves, for callers that schedule arrivals themselves:
  // transmit() draws what happens to a message sent now (the delays of the
  // copies that travel; none when it is lost or the endpoints are cut
  // apart), and arrives() says at an arrival whether the copy gets through
  // a partition that started while it was in flight. Both keep the stats.
  struct Transmission {
    int copies = 0;
    Duration delay[2] = {0, 0};
  };
  Transmission transmit(EndpointId from, EndpointId to);
  bool arrives(EndpointId from, EndpointId to);

  // Isolates `side` from every other endpoint until heal_partition(id).
  std::uint64_t start_partition(std::vector<EndpointId> side);
  void heal_partition(std::uint64_t partition_id);
  bool connected(EndpointId a, EndpointId b) const;
  // Called with no arguments whenever a partition starts or heals.
  void on_topology_change(std::function<void()> fn) {
    topology_listeners_.push_back(std::move(fn));
  }

  // A one-way delay A -> B as send() would draw it, without faults (for
  // callers that model a local or already-established exchange).
  Duration draw_delay(EndpointId from, EndpointId to);

  const NetworkStats& stats() const { return stats_; }

  // Called with every delay drawn (stream name, value), for the tests that
  // hold the streams apart.
  void on_draw(std::function<void(const std::string&, Duration)> fn) { on_draw_ = std::move(fn); }

 private:
  struct Link {
    LinkClassSpec spec;
  };
  struct Endpoint {
    std::string name;
    std::size_t link;  // index into links_
    // The pair streams this endpoint sends on and receives on: (peer, index
    // into streams_). A host talks to a handful of peers, so the shorter of
    // the two lists of a pair is a short scan (the Rancher server's are long).
    std::vector<std::pair<EndpointId, std::uint32_t>> sends, receives;
  };

  std::size_t link_index(const std::string& name) const;

  Kernel& kernel_;
  std::uint64_t seed_;
  std::vector<Link> links_;
  std::vector<Endpoint> endpoints_;
  std::map<std::uint64_t, std::set<EndpointId>> partitions_;  // ordered: deterministic
  std::uint64_t next_partition_ = 1;
  std::vector<std::function<void()>> topology_listeners_;
  NetworkStats stats_;
  // Every draw for a message from A to B, on either access link, comes from
  // the stream of the directed pair (A, B): how much others talk, and to
  // whom, cannot shift what a pair draws.
  struct PairStream {
    std::string name;
    Rng rng;
  };
  PairStream& pair_stream(EndpointId from, EndpointId to);
  Duration delay_on(const Link& a, const Link& b, PairStream& stream, EndpointId from,
                    EndpointId to);
  std::vector<PairStream> streams_;
  std::function<void(const std::string&, Duration)> on_draw_;
};

}  // namespace swarmsim::sim

#include "check/generators.hpp"

#include <algorithm>

namespace swarmsim::check {

namespace gen = rc::gen;

rc::Gen<Window> gen_window(int max_at_s, int max_for_s) {
  return gen::build<Window>(gen::set(&Window::at_s, gen::inRange(0, max_at_s + 1)),
                            gen::set(&Window::for_s, gen::inRange(1, max_for_s + 1)));
}

namespace {

// An optional fault present in about one case in `one_in`. The presence
// flag is generated separately so that the shrinker can drop the fault
// altogether (a weightedOneOf would only shrink within the chosen branch).
template <typename T>
rc::Gen<std::optional<T>> sometimes(int one_in, rc::Gen<T> g) {
  auto present =
      gen::weightedElement<bool>({{static_cast<std::size_t>(one_in - 1), false}, {1, true}});
  return gen::map(gen::pair(present, std::move(g)), [](std::pair<bool, T> p) {
    return p.first ? std::optional<T>(std::move(p.second)) : std::optional<T>();
  });
}

}  // namespace

rc::Gen<HostCase> gen_host() {
  using sim::AgentHostnameRule;
  using sim::HostnameStyle;
  return gen::build<HostCase>(
      // aarch64 first: shrinking keeps the Raspberry Pi, so a minimal
      // counterexample still reads like the incident.
      gen::set(&HostCase::aarch64, gen::weightedElement<bool>({{2, true}, {1, false}})),
      gen::set(&HostCase::cpu_tenths, gen::inRange(10, 61)),
      gen::set(&HostCase::style,
               gen::weightedElement<HostnameStyle>({{8, HostnameStyle::Short},
                                                    {2, HostnameStyle::Dotted},
                                                    {1, HostnameStyle::Fqdn},
                                                    {1, HostnameStyle::Upper},
                                                    {1, HostnameStyle::SharedDefault}})),
      gen::set(&HostCase::rule,
               gen::weightedElement<AgentHostnameRule>({{8, AgentHostnameRule::Kernel},
                                                        {2, AgentHostnameRule::Short},
                                                        {1, AgentHostnameRule::Fqdn},
                                                        {1, AgentHostnameRule::Lowercase},
                                                        {1, AgentHostnameRule::Override},
                                                        {1, AgentHostnameRule::Null}})),
      gen::set(&HostCase::custom_hostname,
               gen::weightedOneOf<int>({{4, gen::just(0)}, {1, gen::inRange(1, 5)}})),
      gen::set(&HostCase::edge, gen::weightedElement<bool>({{1, false}, {2, true}})),
      gen::set(&HostCase::seen_addr,
               gen::weightedElement<sim::SeenAddr>({{6, sim::SeenAddr::AgentIp},
                                                    {1, sim::SeenAddr::Nat},
                                                    {1, sim::SeenAddr::OtherInterface}})),
      // Mostly sub-second, sometimes a minute and a half.
      gen::set(&HostCase::lag_ms,
               gen::weightedOneOf<int>({{3, gen::inRange(1, 2001)}, {1, gen::inRange(1, 90001)}})),
      gen::set(&HostCase::empty_permille,
               gen::weightedOneOf<int>({{5, gen::just(0)}, {1, gen::inRange(0, 301)}})),
      gen::set(&HostCase::startup_s, gen::inRange(1, 31)),
      gen::set(&HostCase::busy_s,
               gen::weightedOneOf<int>({{4, gen::just(0)}, {1, gen::inRange(0, 41)}})),
      gen::set(&HostCase::skew_s,
               gen::weightedOneOf<int>({{5, gen::just(0)}, {1, gen::inRange(-30, 31)}})),
      gen::set(&HostCase::add_offset_s, gen::inRange(0, 601)),
      gen::set(&HostCase::remove_after_s, sometimes(4, gen::inRange(1, 901))),
      gen::set(&HostCase::machine_runs_on, gen::weightedElement<bool>({{2, false}, {1, true}})),
      gen::set(&HostCase::readd_after_s, sometimes(2, gen::inRange(1, 301))),
      gen::set(&HostCase::same_machine, gen::weightedElement<bool>({{1, false}, {1, true}})),
      gen::set(&HostCase::restart_after_leave_s, sometimes(3, gen::inRange(0, 91))),
      gen::set(&HostCase::dies_after_s, sometimes(10, gen::inRange(1, 901))),
      gen::set(&HostCase::crash, sometimes(6, gen_window(600, 120))),
      gen::set(&HostCase::stall, sometimes(6, gen_window(600, 180))),
      gen::set(&HostCase::empty, sometimes(8, gen_window(600, 90))),
      gen::set(&HostCase::partition, sometimes(8, gen_window(600, 120))),
      gen::set(&HostCase::ui_edit, sometimes(6, gen_window(60, 120))),
      gen::set(&HostCase::twin, gen::weightedElement<bool>({{5, false}, {1, true}})));
}

rc::Gen<JoinBurst> gen_burst() {
  return gen::build<JoinBurst>(
      gen::set(&JoinBurst::count, gen::inRange(2, 41)),
      gen::set(&JoinBurst::from_s, gen::inRange(0, 301)),
      gen::set(&JoinBurst::over_s,
               gen::weightedOneOf<int>({{1, gen::just(0)}, {2, gen::inRange(5, 301)}})),
      gen::set(&JoinBurst::poisson, gen::weightedElement<bool>({{1, false}, {1, true}})),
      gen::set(&JoinBurst::lag_ms,
               gen::weightedOneOf<int>({{3, gen::inRange(1, 2001)}, {1, gen::inRange(1, 30001)}})));
}

rc::Gen<CoreLoss> gen_core_loss() {
  return gen::build<CoreLoss>(
      gen::set(&CoreLoss::host, gen::inRange(0, 3)),
      // A host deleted in Cattle (the hand-over) and a machine off for a
      // while (the replacement) tell the most; a manager shut down for good
      // with MANAGER_SCALE 1 ends the swarm, which tells little.
      gen::set(&CoreLoss::kind, gen::weightedElement<CoreLossKind>({{3, CoreLossKind::Deleted},
                                                                    {3, CoreLossKind::Reboots},
                                                                    {2, CoreLossKind::Dies},
                                                                    {1, CoreLossKind::Removed}})),
      gen::set(&CoreLoss::at_s, gen::inRange(0, 601)),
      gen::set(&CoreLoss::for_s, gen::inRange(5, 301)),
      gen::set(&CoreLoss::stall_replica, gen::weightedElement<bool>({{1, false}, {1, true}})),
      gen::set(&CoreLoss::then, sometimes(3, gen_window(120, 120))));
}

rc::Gen<ServerCase> gen_servers() {
  const auto level = gen::weightedOneOf<int>({{10, gen::just(0)}, {1, gen::inRange(1, 4)}});
  return gen::build<ServerCase>(gen::set(&ServerCase::leader_level, level),
                                gen::set(&ServerCase::cattle_level, level),
                                gen::set(&ServerCase::metadata_level, level));
}

rc::Gen<EnvCase> gen_environment(const GenOptions& options) {
  const int max_others = std::max(options.max_hosts - 1, 0);
  return gen::build<EnvCase>(
      // MANAGER_SCALE 1 or 3: Docker's advice is an odd number of managers,
      // and with two, losing either one loses raft quorum whatever the
      // removal policy does.
      gen::set(&EnvCase::managers, gen::element(1, 3)),
      gen::set(&EnvCase::loop_s,
               gen::weightedOneOf<int>({{3, gen::just(30)}, {1, gen::inRange(10, 61)}})),
      gen::set(&EnvCase::edge_latency_ms, gen::inRange(1, 201)),
      gen::set(&EnvCase::edge_loss_permille,
               gen::weightedOneOf<int>({{4, gen::just(0)}, {1, gen::inRange(0, 51)}})),
      gen::set(&EnvCase::edge_dup_permille,
               gen::weightedOneOf<int>({{6, gen::just(0)}, {1, gen::inRange(0, 51)}})),
      gen::set(&EnvCase::edge_reorder_permille,
               gen::weightedOneOf<int>({{6, gen::just(0)}, {1, gen::inRange(0, 101)}})),
      gen::set(&EnvCase::removed_together, gen::weightedElement<bool>({{2, false}, {1, true}})),
      gen::set(&EnvCase::image_x86_only_at_s, sometimes(12, gen::inRange(0, 601))),
      gen::set(&EnvCase::always_pull, gen::weightedElement<bool>({{1, false}, {1, true}})),
      gen::set(&EnvCase::upgrade_at_s, sometimes(8, gen::inRange(0, 601))),
      gen::set(&EnvCase::upgrade_manager_scale,
               gen::weightedElement<int>({{4, 0}, {1, 1}, {1, 3}})),
      gen::set(&EnvCase::leader, gen_host()), gen::set(&EnvCase::seed, gen::inRange(1, 1000000)),
      // Up to size/5 hosts besides the leader (RapidCheck's size grows over
      // a run), capped at max_hosts.
      gen::set(&EnvCase::others,
               gen::map(gen::scale(0.2, gen::container<std::vector<HostCase>>(gen_host())),
                        [max_others](std::vector<HostCase> v) {
                          if (static_cast<int>(v.size()) > max_others) v.resize(max_others);
                          return v;
                        })),
      // Last, so that the fields above draw the same with or without it.
      gen::set(&EnvCase::burst, options.join_bursts ? sometimes(3, gen_burst())
                                                    : gen::just(std::optional<JoinBurst>{})),
      // Most cases spare the core; one in three loses a core host, and one
      // in nine two of them.
      gen::set(&EnvCase::core_losses,
               gen::weightedOneOf<std::vector<CoreLoss>>(
                   {{6, gen::just(std::vector<CoreLoss>{})},
                    {2, gen::container<std::vector<CoreLoss>>(1, gen_core_loss())},
                    {1, gen::container<std::vector<CoreLoss>>(2, gen_core_loss())}})),
      gen::set(&EnvCase::cattle_error_permille,
               gen::weightedOneOf<int>({{4, gen::just(0)}, {1, gen::inRange(0, 201)}})),
      gen::set(&EnvCase::cattle_timeout_permille,
               gen::weightedOneOf<int>({{4, gen::just(0)}, {1, gen::inRange(0, 101)}})),
      // Last, so that the fields above draw as they did before servers had
      // a capacity. Most cases keep the defaults; one in four overloads a
      // server.
      gen::set(&EnvCase::servers, gen_servers()));
}

}  // namespace swarmsim::check

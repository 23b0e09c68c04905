#include "sim/host_sim.hpp"

#include <cctype>

#include "sim/engine_sim.hpp"
#include "sim/metadata_sim.hpp"
#include "sim/mon_sim.hpp"

namespace swarmsim::sim {

HostSim::HostSim() = default;
HostSim::~HostSim() = default;
HostSim::HostSim(HostSim&&) noexcept = default;

void HostSim::power_off() {
  machine_on = false;
  mon->stop();
  metadata->stop();
  engine->shut_down();
}

void HostSim::power_on() {
  machine_on = true;
  engine->reboot();
}

void HostSim::crash() {
  mon->stop();
  engine->crash();
}

void HostSim::reboot() {
  engine->reboot();
}

void HostSim::stop_agent() {
  mon->stop();
}

void HostSim::end_registration() {
  mon->stop();
  metadata->stop();
  container_created = false;
}

namespace {
std::string short_name(const std::string& h) {
  return h.substr(0, h.find('.'));
}
std::string mapped(std::string s, int (*fn)(int)) {
  for (auto& c : s) c = static_cast<char>(fn(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

std::string kernel_hostname(const std::string& name, const ProfileSpec& p) {
  switch (p.hostname_style) {
    case HostnameStyle::Short:
      return name;
    case HostnameStyle::Dotted:
      return name + "." + p.domain;
    case HostnameStyle::Fqdn:
      return name + "." + p.domain + ".example.com";
    case HostnameStyle::Upper:
      return mapped(name, ::toupper);
    case HostnameStyle::SharedDefault:
      return "raspberrypi";
  }
  return name;
}

std::string rancher_hostname(const std::string& name, const std::string& kernel,
                             const ProfileSpec& p) {
  switch (p.agent_hostname) {
    case AgentHostnameRule::Kernel:
      return kernel;
    case AgentHostnameRule::Short:
      return short_name(kernel);
    case AgentHostnameRule::Fqdn:
      return short_name(kernel) + "." + p.domain + ".example.com";
    case AgentHostnameRule::Lowercase:
      return mapped(kernel, ::tolower);
    case AgentHostnameRule::Override: {
      // `{name}` in the override stands for the machine's name, so that one
      // profile can serve many hosts (CATTLE_HOSTNAME=rpi-{name}).
      std::string out = p.hostname_override.empty() ? name : p.hostname_override;
      for (auto at = out.find("{name}"); at != std::string::npos; at = out.find("{name}"))
        out.replace(at, 6, name);
      return out;
    }
    case AgentHostnameRule::Null:
      return "null";
  }
  return kernel;
}

}  // namespace swarmsim::sim

// RapidCheck generators for whole environments (see environment.hpp for
// what a case is). Weights keep the benign choice most likely, so that the
// interesting mechanisms appear in a good share of cases without every case
// being a pile-up of all of them; shrinking goes towards the first element of
// every choice, which is always the benign one.
#pragma once

#include <rapidcheck.h>

#include "check/environment.hpp"

namespace swarmsim::check {

struct GenOptions {
  int max_hosts = 20;  // leader included
  // One case in three also gets a join storm (EnvCase::burst). Off by
  // default: turning it on changes which cases a seed draws.
  bool join_bursts = false;
};

rc::Gen<Window> gen_window(int max_at_s, int max_for_s);
rc::Gen<HostCase> gen_host();
rc::Gen<JoinBurst> gen_burst();
rc::Gen<CoreLoss> gen_core_loss();
rc::Gen<EnvCase> gen_environment(const GenOptions& options);

}  // namespace swarmsim::check

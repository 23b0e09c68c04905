// Reading fields out of JSON the APIs send, for the codecs in api/: a
// missing or null field is empty, a field of the wrong type is a WireError
// naming it.
#pragma once

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "api/docker_wire.hpp"

namespace swarmsim::api::fields {

inline std::string text(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_string())
    throw WireError(fmt::format("{}: expected a string, got {}", key, it->dump()));
  return it->get<std::string>();
}

// An object of strings. `strict`: a value that is not a string is an error;
// else it is skipped.
inline std::map<std::string, std::string> text_map(const nlohmann::json& j, const char* key,
                                                   bool strict) {
  std::map<std::string, std::string> out;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return out;
  if (!it->is_object())
    throw WireError(fmt::format("{}: expected an object, got {}", key, it->dump()));
  for (const auto& [k, v] : it->items()) {
    if (v.is_string())
      out[k] = v.get<std::string>();
    else if (strict)
      throw WireError(fmt::format("{} {}: expected a string, got {}", key, k, v.dump()));
  }
  return out;
}

}  // namespace swarmsim::api::fields

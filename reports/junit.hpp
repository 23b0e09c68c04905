// JUnit XML for CI: one document of test suites that both the Jenkins xunit
// plugin schema (junit-10.xsd) and the Apache Ant JUnit schema accept, so the
// same file feeds Jenkins, GitLab, GitHub annotations and anything else that
// reads the Ant format. tests/schemas holds both schemas and says how to
// check a file against them.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace swarmsim::reports::junit {

enum class Outcome { Passed, Failed, Errored, Skipped };

struct Case {
  std::string name;       // stable test name (no counts, no timings in it)
  std::string classname;  // e.g. "swarmsim.gate.regression"; empty: the suite's name
  double time_s = 0;      // wall-clock seconds
  Outcome outcome = Outcome::Passed;
  std::string type;     // failure/error type; empty: "failure" or "error"
  std::string message;  // one-line message
  std::string body;     // details (explanation, replay command), element text
};

struct Suite {
  std::string name;   // blank: "unnamed", as Ant wants a non-empty name
  double time_s = 0;  // wall-clock seconds
  std::vector<std::pair<std::string, std::string>> properties;  // suite-level <properties>
  std::vector<Case> cases;
  std::string system_out;  // may be empty: an empty <system-out/> is still written
  std::string system_err;
};

struct Document {
  std::vector<Suite> suites;
  // "YYYY-MM-DDTHH:MM:SS", no timezone (Ant requires exactly this form).
  // Anything else, including an impossible date, is replaced by timestamp_now().
  std::string timestamp;
  std::string hostname;  // blank: "localhost"
};

// The whole XML document, UTF-8: a <testsuites> root without attributes, and
// per suite <properties>, the test cases, <system-out> and <system-err> in
// that order. Every string is passed through xml_safe, so any bytes give a
// well-formed, valid document. A passed case carries no message or body (Ant
// allows nothing inside it). Times are written with three decimals; negative
// and NaN times become 0, and times are capped at 10^9 s. Throws
// std::runtime_error when libxml2 reports an error.
std::string render(const Document& doc);

// The current time in UTC, in the form Document::timestamp wants. The Ant
// schema forbids a timezone designator, so a reader cannot tell local time
// from UTC; UTC at least makes reports from different machines agree.
std::string timestamp_now();

// gethostname(), or "localhost" when it fails or is empty.
std::string hostname();

}  // namespace swarmsim::reports::junit

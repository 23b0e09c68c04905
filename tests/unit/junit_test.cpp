// JUnit XML: every rendered document, whatever the strings in it, must
// validate against both the Jenkins xunit schema and the Ant JUnit schema in
// tests/schemas, and must say what it was given. The schemas are checked too:
// documents that break them must be rejected.
#include "reports/junit.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "reports/text.hpp"

using namespace swarmsim::reports;
using namespace swarmsim::reports::junit;
using namespace std::string_literals;

namespace {

const std::string kJenkins = std::string(SWARMSIM_SOURCE_DIR) + "/tests/schemas/junit-10.xsd";
const std::string kAnt = std::string(SWARMSIM_SOURCE_DIR) + "/tests/schemas/ant-junit.xsd";

// xmllint's exit status when a document is well-formed but not valid; a
// broken schema (5) or a malformed document (1) must not count as a
// rejection.
constexpr int kInvalid = 3;

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? "'\\''"s : std::string(1, c);
  return out + "'";
}

bool have_xmllint() {
  return std::system("command -v xmllint >/dev/null 2>&1") == 0;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// A file name of its own for each test, as ctest runs tests in parallel.
std::string temp_path(const std::string& suffix) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return ::testing::TempDir() + "swarmsim_junit_" + std::to_string(getpid()) + "_" + info->name() +
         "_" + suffix;
}

// Files the running test wrote; the fixture removes them when it ends.
std::vector<std::string>& written_files() {
  static std::vector<std::string> files;
  return files;
}

std::string write_temp(const std::string& suffix, const std::string& content) {
  const std::string path = temp_path(suffix);
  written_files().push_back(path);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

struct Validation {
  int status = -1;
  std::string messages;  // what xmllint said, for the failure report
};

Validation validate(const std::string& schema, const std::string& file) {
  const std::string log = file + ".log";
  const int rc = std::system(("xmllint --noout --schema " + quote(schema) + " " + quote(file) +
                              " >" + quote(log) + " 2>&1")
                                 .c_str());
  Validation v;
  v.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  v.messages = read_file(log);
  std::remove(log.c_str());
  return v;
}

// The string value of an XPath expression, as xmllint computes it from the
// file: this parses the document back independently of the writer.
std::string xpath(const std::string& file, const std::string& expr) {
  FILE* p = popen(("xmllint --xpath " + quote(expr) + " " + quote(file)).c_str(), "r");
  if (p == nullptr) return "<popen failed>";
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  pclose(p);
  // xmllint ends the value with a newline of its own.
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// Renders, writes and validates against both schemas; returns the file.
std::string render_valid(const Document& doc) {
  const std::string xml = render(doc);
  const std::string file = write_temp("doc.xml", xml);
  for (const auto& schema : {kJenkins, kAnt}) {
    const Validation v = validate(schema, file);
    EXPECT_EQ(v.status, 0) << schema << ":\n" << v.messages << "\ndocument:\n" << xml;
  }
  return file;
}

Document sample(std::vector<Suite> suites) {
  Document d;
  d.suites = std::move(suites);
  d.timestamp = "2024-02-29T23:59:58";
  d.hostname = "ci-runner-7";
  return d;
}

Case make_case(std::string name, Outcome o, std::string type = "", std::string message = "",
               std::string body = "") {
  Case c;
  c.name = std::move(name);
  c.classname = "swarmsim.gate.regression";
  c.time_s = 0.25;
  c.outcome = o;
  c.type = std::move(type);
  c.message = std::move(message);
  c.body = std::move(body);
  return c;
}

class JunitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_xmllint()) GTEST_SKIP() << "xmllint is not on PATH";
  }
  void TearDown() override {
    for (const auto& f : written_files()) std::remove(f.c_str());
    written_files().clear();
  }
};

TEST_F(JunitTest, EveryOutcomeValidatesAndIsCounted) {
  Suite s;
  s.name = "swarmsim gate";
  s.time_s = 1.5;
  s.properties = {{"seed", "42"}, {"policy", "drain-first"}};
  s.cases = {make_case("passes", Outcome::Passed),
             make_case("fails", Outcome::Failed, "", "quorum lost", "replay: swarmsim run x"),
             make_case("errs", Outcome::Errored, "std::runtime_error", "boom", "trace"),
             make_case("skips", Outcome::Skipped, "", "not on this platform")};
  s.system_out = "stdout text\n";
  const std::string xml = render(sample({s}));
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 0), 0u) << xml;
  EXPECT_NE(xml.find("<testsuites>"), std::string::npos) << xml;
  for (const char* attr : {"tests=\"4\"", "failures=\"1\"", "errors=\"1\"", "skipped=\"1\"",
                           "time=\"1.500\"", "timestamp=\"2024-02-29T23:59:58\"",
                           "hostname=\"ci-runner-7\"", "package=\"swarmsim gate\"", "id=\"0\""})
    EXPECT_NE(xml.find(attr), std::string::npos) << attr << " missing from\n" << xml;

  const std::string f = render_valid(sample({s}));
  const std::string suite = "/testsuites/testsuite[1]";
  EXPECT_EQ(xpath(f, "count(/testsuites/@*)"), "0");
  EXPECT_EQ(xpath(f, "count(" + suite + "/testcase)"), "4");
  EXPECT_EQ(xpath(f, "string(" + suite + "/@tests)"), "4");
  EXPECT_EQ(xpath(f, "string(" + suite + "/@failures)"), "1");
  EXPECT_EQ(xpath(f, "string(" + suite + "/@errors)"), "1");
  EXPECT_EQ(xpath(f, "string(" + suite + "/@skipped)"), "1");
  // Children in the order Ant requires.
  EXPECT_EQ(xpath(f, "name(" + suite + "/*[1])"), "properties");
  EXPECT_EQ(xpath(f, "name(" + suite + "/*[last()-1])"), "system-out");
  EXPECT_EQ(xpath(f, "name(" + suite + "/*[last()])"), "system-err");
  EXPECT_EQ(xpath(f, "string(" + suite + "/properties/property[2]/@value)"), "drain-first");
  EXPECT_EQ(xpath(f, "string(" + suite + "/system-out)"), "stdout text\n");
  EXPECT_EQ(xpath(f, "count(" + suite + "/testcase[1]/*)"), "0");
  EXPECT_EQ(xpath(f, "string(" + suite + "/testcase[1]/@classname)"), "swarmsim.gate.regression");
  EXPECT_EQ(xpath(f, "string(" + suite + "/testcase[1]/@time)"), "0.250");
  // An empty type falls back to the element's name, as Ant requires one.
  EXPECT_EQ(xpath(f, "string(" + suite + "/testcase[2]/failure/@type)"), "failure");
  EXPECT_EQ(xpath(f, "string(" + suite + "/testcase[2]/failure/@message)"), "quorum lost");
  EXPECT_EQ(xpath(f, "string(" + suite + "/testcase[2]/failure)"), "replay: swarmsim run x");
  EXPECT_EQ(xpath(f, "string(" + suite + "/testcase[3]/error/@type)"), "std::runtime_error");
  EXPECT_EQ(xpath(f, "string(" + suite + "/testcase[4]/skipped/@message)"), "not on this platform");
  for (int i = 1; i <= 4; ++i)
    EXPECT_EQ(xpath(f, "count(" + suite + "/testcase[" + std::to_string(i) + "]/*/*)"), "0");
}

TEST_F(JunitTest, SeveralSuitesAreNumberedAndCountedSeparately) {
  Suite a, b, c;
  a.name = "alpha";
  a.cases = {make_case("a1", Outcome::Failed), make_case("a2", Outcome::Failed)};
  b.name = "beta";
  b.cases = {make_case("b1", Outcome::Passed)};
  c.name = "gamma";
  c.cases = {make_case("c1", Outcome::Errored), make_case("c2", Outcome::Skipped),
             make_case("c3", Outcome::Passed)};
  c.cases[0].classname = "";  // falls back to the suite's name
  const std::string f = render_valid(sample({a, b, c}));
  EXPECT_EQ(xpath(f, "count(/testsuites/testsuite)"), "3");
  const std::vector<std::vector<std::string>> want = {
      {"alpha", "0", "2", "2", "0", "0"},
      {"beta", "1", "1", "0", "0", "0"},
      {"gamma", "2", "3", "0", "1", "1"},
  };
  for (std::size_t i = 0; i < want.size(); ++i) {
    const std::string s = "/testsuites/testsuite[" + std::to_string(i + 1) + "]";
    EXPECT_EQ(xpath(f, "string(" + s + "/@name)"), want[i][0]);
    EXPECT_EQ(xpath(f, "string(" + s + "/@package)"), want[i][0]);
    EXPECT_EQ(xpath(f, "string(" + s + "/@id)"), want[i][1]);
    EXPECT_EQ(xpath(f, "string(" + s + "/@tests)"), want[i][2]);
    EXPECT_EQ(xpath(f, "string(" + s + "/@failures)"), want[i][3]);
    EXPECT_EQ(xpath(f, "string(" + s + "/@errors)"), want[i][4]);
    EXPECT_EQ(xpath(f, "string(" + s + "/@skipped)"), want[i][5]);
  }
  EXPECT_EQ(xpath(f, "string(/testsuites/testsuite[3]/testcase[1]/@classname)"), "gamma");
}

TEST_F(JunitTest, EmptySuitesAndEmptyDocumentsValidate) {
  Suite empty;  // no name, no cases, no properties, no output
  const std::string f = render_valid(sample({empty, empty}));
  EXPECT_EQ(xpath(f, "string(/testsuites/testsuite[1]/@name)"), "unnamed");
  EXPECT_EQ(xpath(f, "string(/testsuites/testsuite[2]/@id)"), "1");
  EXPECT_EQ(xpath(f, "string(/testsuites/testsuite[1]/@tests)"), "0");
  EXPECT_EQ(xpath(f, "count(/testsuites/testsuite[1]/properties)"), "1");
  EXPECT_EQ(xpath(f, "count(/testsuites/testsuite[1]/system-out)"), "1");
  EXPECT_EQ(xpath(f, "count(/testsuites/testsuite[1]/system-err)"), "1");

  const std::string none = render_valid(sample({}));
  EXPECT_EQ(xpath(none, "count(/testsuites/*)"), "0");
}

std::vector<std::string> hostile_strings() {
  return {
      "",
      " ",
      "\t\n\r ",
      "\"quoted\" 'single' <tag attr=\"x\"> & &amp; &#0; &unknown;",
      "]]> <![CDATA[ inside ]]> ]]>",
      "a\0b"s,
      "\0"s,
      "\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x1f\x7f",
      "\x1b[31mred\x1b[0m \x1b]0;title\x07",
      "\xC2\x9B\x32J C1 CSI",
      "\xC0\x80 overlong \xE0\x80\xAF \xF0\x80\x80\xAF",
      "\xED\xA0\x80 surrogate \xED\xBF\xBF",
      "truncated \xE2\x82",
      "\xF0\x9F\x98",
      "\xFF\xFE bytes \x80\xBF",
      "\xF4\x90\x80\x80 above U+10FFFF \xF5\x80\x80\x80",
      "\xEF\xBF\xBE\xEF\xBF\xBF noncharacters",
      "line one\nline two\r\nline three\rend\ttab",
      "  leading and trailing  ",
      "é 中 \xF0\x9F\x98\x80 \xC2\xA0 \xEF\xBB\xBF",
      "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e \"boom\">]>&e;",
      "--> <!-- comment",
  };
}

TEST_F(JunitTest, HostileStringsStayValidAndRoundTrip) {
  const auto hostile = hostile_strings();
  Document doc = sample({});
  for (const auto& h : hostile) {
    Suite s;
    s.name = h;
    s.properties = {{h, h}, {"k", h}};
    s.cases = {make_case(h, Outcome::Failed, h, h, h), make_case(h, Outcome::Errored, h, h, h),
               make_case(h, Outcome::Skipped, h, h, h), make_case(h, Outcome::Passed, h, h, h)};
    for (auto& c : s.cases) c.classname = h;  // empty: the suite's name
    s.system_out = h;
    s.system_err = h;
    doc.suites.push_back(s);
  }
  doc.hostname = "\x1b\xFF host";
  const std::string f = render_valid(doc);

  // What comes back is what was given, less what XML cannot carry.
  for (std::size_t i = 0; i < hostile.size(); ++i) {
    SCOPED_TRACE("hostile string " + std::to_string(i));
    const std::string safe = xml_safe(hostile[i]);
    const std::string s = "/testsuites/testsuite[" + std::to_string(i + 1) + "]";
    const std::string c = s + "/testcase[1]";
    EXPECT_EQ(xpath(f, "string(" + c + "/@name)"), safe);
    EXPECT_EQ(xpath(f, "string(" + c + "/failure/@message)"), safe);
    EXPECT_EQ(xpath(f, "string(" + c + "/failure)"), safe);
    EXPECT_EQ(xpath(f, "string(" + s + "/testcase[2]/error)"), safe);
    EXPECT_EQ(xpath(f, "string(" + s + "/properties/property[2]/@value)"), safe);
    EXPECT_EQ(xpath(f, "string(" + s + "/system-out)"), safe);
    EXPECT_EQ(xpath(f, "string(" + s + "/system-err)"), safe);
    EXPECT_EQ(xpath(f, "count(" + s + "/testcase[4]/*)"), "0");
  }
  EXPECT_EQ(xpath(f, "string(/testsuites/testsuite[1]/@hostname)"), xml_safe("\x1b\xFF host"));
}

TEST_F(JunitTest, VeryLongStringsValidate) {
  const std::string long_text = std::string(1 << 20, 'x') + "\xFF\x01" + std::string(1 << 16, '<');
  Suite s;
  s.name = long_text;
  s.properties = {{long_text, long_text}};
  s.cases = {make_case(long_text, Outcome::Failed, long_text, long_text, long_text)};
  s.system_out = long_text;
  const std::string f = render_valid(sample({s}));
  // Every byte of the text survives (the two bad ones as one character each).
  EXPECT_EQ(xpath(f, "string-length(/testsuites/testsuite/testcase/failure) = " +
                         std::to_string((1 << 20) + 2 + (1 << 16))),
            "true");
}

TEST_F(JunitTest, TimesAreClampedAndWrittenWithThreeDecimals) {
  Suite s;
  s.name = "times";
  s.time_s = -std::numeric_limits<double>::infinity();
  const std::vector<std::pair<double, std::string>> times = {
      {std::numeric_limits<double>::quiet_NaN(), "0.000"},
      {-1, "0.000"},
      {-0.0, "0.000"},
      {-0.0004, "0.000"},
      {std::numeric_limits<double>::infinity(), "1000000000.000"},
      {1e300, "1000000000.000"},
      {1.2346, "1.235"},
      {12345.5, "12345.500"},
      {std::numeric_limits<double>::denorm_min(), "0.000"},
  };
  for (const auto& entry : times) {
    Case c = make_case("t", Outcome::Passed);
    c.time_s = entry.first;
    s.cases.push_back(c);
  }
  const std::string f = render_valid(sample({s}));
  EXPECT_EQ(xpath(f, "string(/testsuites/testsuite/@time)"), "0.000");
  for (std::size_t i = 0; i < times.size(); ++i)
    EXPECT_EQ(
        xpath(f, "string(/testsuites/testsuite/testcase[" + std::to_string(i + 1) + "]/@time)"),
        times[i].second)
        << times[i].first;
}

TEST_F(JunitTest, BadTimestampsAndBlankHostnamesAreReplaced) {
  const std::regex form("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}");
  for (const std::string bad :
       {"", "now", "2024-01-02 03:04:05", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05.5",
        "2023-02-29T00:00:00", "2024-13-01T00:00:00", "2024-04-31T00:00:00", "2024-01-01T24:00:00",
        "0000-01-01T00:00:00", "2024-01-02T03:04:0\xFF"}) {
    SCOPED_TRACE(terminal_safe(bad));
    Document d = sample({Suite{}});
    d.timestamp = bad;
    d.hostname = " \t";
    const std::string f = render_valid(d);
    const std::string stamp = xpath(f, "string(/testsuites/testsuite/@timestamp)");
    EXPECT_TRUE(std::regex_match(stamp, form)) << stamp;
    EXPECT_NE(stamp, bad);
    EXPECT_EQ(xpath(f, "string(/testsuites/testsuite/@hostname)"), "localhost");
  }
  Document d = sample({Suite{}});
  d.timestamp = "2000-02-29T00:00:00";  // a leap day in a year divisible by 400
  EXPECT_NE(render(d).find("timestamp=\"2000-02-29T00:00:00\""), std::string::npos);
}

TEST(JunitClock, TimestampAndHostnameHaveTheRequiredForm) {
  EXPECT_TRUE(std::regex_match(timestamp_now(),
                               std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}")))
      << timestamp_now();
  EXPECT_FALSE(hostname().empty());
}

// Hand-written documents: a control that both schemas accept, and breakages
// each schema must reject. A schema that accepted everything would pass the
// tests above; these make sure it cannot.
TEST_F(JunitTest, SchemasRejectWhatTheFormatForbids) {
  const std::string suite_attrs =
      "name=\"s\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\" time=\"0.000\" "
      "timestamp=\"2024-01-02T03:04:05\" hostname=\"h\" package=\"s\" id=\"0\"";
  const std::string case_attrs = "name=\"c\" classname=\"k\" time=\"0.100\"";
  const auto doc = [&](const std::string& attrs, const std::string& inside) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites><testsuite " + attrs + ">" +
           inside + "</testsuite></testsuites>\n";
  };
  const auto with_case = [&](const std::string& in_case) {
    return doc(suite_attrs, "<properties/><testcase " + case_attrs + ">" + in_case +
                                "</testcase><system-out/><system-err/>");
  };
  const auto replaced = [&](const std::string& from, const std::string& to) {
    std::string attrs = suite_attrs;
    attrs.replace(attrs.find(from), from.size(), to);
    return doc(attrs, "<properties/><system-out/><system-err/>");
  };
  struct Example {
    std::string what;
    std::string xml;
    int jenkins;  // expected xmllint status
    int ant;
  };
  const std::vector<Example> examples = {
      {"valid control", with_case("<failure type=\"t\" message=\"m\">text</failure>"), 0, 0},
      {"properties inside a testcase", with_case("<properties/>"), kInvalid, kInvalid},
      {"suite without errors", replaced("errors=\"0\" ", ""), kInvalid, kInvalid},
      {"two failures in one testcase", with_case("<failure type=\"t\"/><failure type=\"t\"/>"), 0,
       kInvalid},
      {"failure without type", with_case("<failure message=\"m\">x</failure>"), 0, kInvalid},
      {"error without type", with_case("<error/>"), 0, kInvalid},
      {"element inside a failure", with_case("<failure type=\"t\"><b/></failure>"), kInvalid,
       kInvalid},
      {"system-out inside a testcase", with_case("<system-out>x</system-out>"), 0, kInvalid},
      {"testcase before properties",
       doc(suite_attrs, "<testcase " + case_attrs + "/><properties/><system-out/><system-err/>"), 0,
       kInvalid},
      {"no system-err", doc(suite_attrs, "<properties/><system-out/>"), 0, kInvalid},
      {"timestamp with a timezone", replaced("03:04:05", "03:04:05Z"), 0, kInvalid},
      {"impossible date", replaced("2024-01-02", "2023-02-29"), 0, kInvalid},
      {"blank suite name", replaced("name=\"s\"", "name=\"  \""), 0, kInvalid},
      {"no package", replaced("package=\"s\" ", ""), 0, kInvalid},
      {"negative time", replaced("time=\"0.000\"", "time=\"-1.000\""), kInvalid, 0},
      {"time with an exponent", replaced("time=\"0.000\"", "time=\"1e3\""), kInvalid, kInvalid},
      {"attributes on testsuites",
       "<testsuites tests=\"0\"><testsuite " + suite_attrs +
           "><properties/><system-out/><system-err/></testsuite></testsuites>",
       0, kInvalid},
  };
  for (std::size_t i = 0; i < examples.size(); ++i) {
    const Example& e = examples[i];
    const std::string file = write_temp(std::to_string(i) + ".xml", e.xml);
    const Validation j = validate(kJenkins, file);
    const Validation a = validate(kAnt, file);
    EXPECT_EQ(j.status, e.jenkins) << e.what << " (junit-10.xsd):\n" << j.messages << e.xml;
    EXPECT_EQ(a.status, e.ant) << e.what << " (ant-junit.xsd):\n" << a.messages << e.xml;
  }
}

}  // namespace

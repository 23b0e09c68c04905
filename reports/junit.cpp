// JUnit XML through libxml2's xmlTextWriter, which does the escaping; we
// make sure the text handed to it is valid XML 1.0 characters and that the
// structure is the one both target schemas share.
#include "reports/junit.hpp"

#include <fmt/format.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlversion.h>
#include <libxml/xmlwriter.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <ctime>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string_view>

#include "reports/text.hpp"

namespace swarmsim::reports::junit {

namespace {

// Large enough for any real run, small enough that "%.3f" stays short.
constexpr double kMaxSeconds = 1e9;

struct BufferFree {
  void operator()(xmlBuffer* b) const { xmlBufferFree(b); }
};
struct WriterFree {
  void operator()(xmlTextWriter* w) const { xmlFreeTextWriter(w); }
};

const xmlChar* xml_chars(const char* s) {
  return reinterpret_cast<const xmlChar*>(s);
}

// A document being written into memory. Every call checks libxml2's return
// code, and every string goes through xml_safe: libxml2 escapes markup but
// passes invalid UTF-8 and forbidden control characters straight through,
// which would make the document unreadable.
class XmlWriter {
 public:
  XmlWriter() {
    // libxml2 initialises its tables (the encoding handlers among them)
    // lazily and without a lock; initialising once here makes rendering safe
    // from several threads. We never call xmlCleanupParser: that state is
    // shared with any other libxml2 user in the process.
    static std::once_flag init;
    std::call_once(init, [] { xmlInitParser(); });
    buffer_.reset(xmlBufferCreate());
    if (!buffer_) throw std::runtime_error("JUnit XML: libxml2 could not allocate a buffer");
    writer_.reset(xmlNewTextWriterMemory(buffer_.get(), 0));
    if (!writer_) throw std::runtime_error("JUnit XML: libxml2 could not create a text writer");
    check(xmlTextWriterSetIndent(writer_.get(), 1), "enable indentation");
    check(xmlTextWriterSetIndentString(writer_.get(), xml_chars("  ")), "set the indentation");
    check(xmlTextWriterStartDocument(writer_.get(), "1.0", "UTF-8", nullptr), "start the document");
  }

  void start(const char* element) {
    check(xmlTextWriterStartElement(writer_.get(), xml_chars(element)),
          fmt::format("start <{}>", element));
  }

  void end() { check(xmlTextWriterEndElement(writer_.get()), "end an element"); }

  void attribute(const char* name, std::string_view value) {
    const std::string safe = xml_safe(value);
    check(xmlTextWriterWriteAttribute(writer_.get(), xml_chars(name), xml_chars(safe.c_str())),
          fmt::format("write attribute {}", name));
  }

  // Element text. Nothing is written for an empty string, so the element
  // stays an empty tag.
  void text(std::string_view value) {
    if (value.empty()) return;
    const std::string safe = xml_safe(value);
    check(xmlTextWriterWriteString(writer_.get(), xml_chars(safe.c_str())), "write text");
  }

  // Closes whatever is open and returns the document.
  std::string finish() {
    check(xmlTextWriterEndDocument(writer_.get()), "end the document");
    check(xmlTextWriterFlush(writer_.get()), "flush the document");
    const xmlChar* content = xmlBufferContent(buffer_.get());
    const int length = xmlBufferLength(buffer_.get());
    if (content == nullptr || length < 0)
      throw std::runtime_error("JUnit XML: libxml2 returned no document");
    return std::string(reinterpret_cast<const char*>(content), static_cast<std::size_t>(length));
  }

 private:
  static void check(int rc, std::string_view what) {
    if (rc < 0) throw std::runtime_error(fmt::format("JUnit XML: libxml2 failed to {}", what));
  }

  std::unique_ptr<xmlBuffer, BufferFree> buffer_;
  // Declared after buffer_ so that it is freed first: freeing the writer
  // flushes into the buffer.
  std::unique_ptr<xmlTextWriter, WriterFree> writer_;
};

// Both schemas want a plain non-negative decimal: no sign, no exponent, and
// never "nan" or "inf".
std::string format_seconds(double s) {
  if (!(s > 0)) s = 0;  // also catches NaN
  return fmt::format("{:.3f}", std::min(s, kMaxSeconds));
}

// XML Schema whitespace: what xs:token collapses away.
bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

std::string or_default(const std::string& s, const char* fallback) {
  return is_blank(xml_safe(s)) ? fallback : s;
}

// Ant types the timestamp as xs:dateTime restricted to the pattern, so it
// must both look right and name a real date and time.
bool is_ant_timestamp(std::string_view t) {
  if (t.size() != 19) return false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const char want = i == 4 || i == 7 ? '-' : i == 10 ? 'T' : i == 13 || i == 16 ? ':' : '0';
    if (want == '0' ? (t[i] < '0' || t[i] > '9') : t[i] != want) return false;
  }
  const auto number = [&](std::size_t pos, std::size_t len) {
    int n = 0;
    for (std::size_t i = pos; i < pos + len; ++i) n = n * 10 + (t[i] - '0');
    return n;
  };
  const int year = number(0, 4), month = number(5, 2), day = number(8, 2);
  const int hour = number(11, 2), minute = number(14, 2), second = number(17, 2);
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  if (day > kDays[month - 1] + (month == 2 && leap ? 1 : 0)) return false;
  return hour <= 23 && minute <= 59 && second <= 59;
}

const char* element_for(Outcome o) {
  switch (o) {
    case Outcome::Failed:
      return "failure";
    case Outcome::Errored:
      return "error";
    case Outcome::Skipped:
      return "skipped";
    case Outcome::Passed:
      break;
  }
  return nullptr;
}

void write_case(XmlWriter& w, const Case& c, const std::string& suite_name) {
  w.start("testcase");
  w.attribute("name", c.name);
  w.attribute("classname", c.classname.empty() ? suite_name : c.classname);
  w.attribute("time", format_seconds(c.time_s));
  // Ant allows at most one child, and only text inside it.
  if (const char* element = element_for(c.outcome)) {
    w.start(element);
    if (c.outcome == Outcome::Skipped) {
      if (!c.type.empty()) w.attribute("type", c.type);
    } else {
      w.attribute("type", c.type.empty() ? element : c.type);  // Ant requires it
    }
    if (!c.message.empty()) w.attribute("message", c.message);
    w.text(c.body);
    w.end();
  }
  w.end();
}

void write_suite(XmlWriter& w, const Suite& s, int id, const std::string& timestamp,
                 const std::string& host) {
  int failures = 0, errors = 0, skipped = 0;
  for (const auto& c : s.cases) {
    failures += c.outcome == Outcome::Failed;
    errors += c.outcome == Outcome::Errored;
    skipped += c.outcome == Outcome::Skipped;
  }
  const std::string name = or_default(s.name, "unnamed");
  w.start("testsuite");
  w.attribute("name", name);
  w.attribute("tests", std::to_string(s.cases.size()));
  w.attribute("failures", std::to_string(failures));
  w.attribute("errors", std::to_string(errors));
  w.attribute("skipped", std::to_string(skipped));
  w.attribute("time", format_seconds(s.time_s));
  w.attribute("timestamp", timestamp);
  w.attribute("hostname", host);
  // Ant requires package and id on every suite inside <testsuites>.
  w.attribute("package", name);
  w.attribute("id", std::to_string(id));

  w.start("properties");
  for (const auto& [key, value] : s.properties) {
    w.start("property");
    w.attribute("name", or_default(key, "unnamed"));
    w.attribute("value", value);
    w.end();
  }
  w.end();
  for (const auto& c : s.cases) write_case(w, c, name);
  w.start("system-out");
  w.text(s.system_out);
  w.end();
  w.start("system-err");
  w.text(s.system_err);
  w.end();
  w.end();
}

}  // namespace

std::string render(const Document& doc) {
  const std::string timestamp = is_ant_timestamp(doc.timestamp) ? doc.timestamp : timestamp_now();
  const std::string host = or_default(doc.hostname, "localhost");
  XmlWriter w;
  // Ant forbids attributes on <testsuites>, so the totals live on the suites.
  w.start("testsuites");
  int id = 0;
  for (const auto& s : doc.suites) write_suite(w, s, id++, timestamp, host);
  w.end();
  return w.finish();
}

std::string timestamp_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  char out[32];
  if (gmtime_r(&now, &utc) == nullptr ||
      std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%S", &utc) == 0)
    throw std::runtime_error("JUnit XML: cannot format the current time");
  return out;
}

std::string hostname() {
  char name[256] = {};
  // gethostname need not terminate a truncated name, hence the spare byte.
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

}  // namespace swarmsim::reports::junit

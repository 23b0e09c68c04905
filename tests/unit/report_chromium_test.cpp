// The study report as a browser shows it: `swarmsim report` writes the
// fixture study's page, headless Chromium loads it from the file system,
// prints its DOM (every plot's title is there) and takes a screenshot that
// is not blank: the palette's colours are on it (read with libpng when it
// is installed; else the screenshot must be much larger than a blank page's
// of the same size). Skipped when no Chromium is installed (`./dev test`
// installs it).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#ifdef SWARMSIM_HAVE_LIBPNG
#include <png.h>
#endif

#include "reports/study_report.hpp"
#include "tests/unit/study_report_fixture.hpp"

namespace fs = std::filesystem;
using swarmsim::testing_fixture::make_temp_dir;
using swarmsim::testing_fixture::write_fixture_study;

namespace {

constexpr int kWidth = 1200, kHeight = 2400;

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string sh_quote(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// `chromium` or `chromium-browser` on PATH.
std::optional<std::string> find_chromium() {
  const char* path = std::getenv("PATH");
  if (!path) return std::nullopt;
  for (const char* name : {"chromium", "chromium-browser"}) {
    std::istringstream dirs(path);
    for (std::string dir; std::getline(dirs, dir, ':');) {
      const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  return std::nullopt;
}

class ReportInChromium : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto found = find_chromium();
    if (!found) GTEST_SKIP() << "no chromium or chromium-browser on PATH (./dev test installs it)";
    chromium = *found;
    scratch = make_temp_dir("swarmsim-report-chromium");
    study = scratch + "/study";
    fs::create_directory(study);
    write_fixture_study(study);
    page = scratch + "/report.html";
    ASSERT_EQ(shell(sh_quote(SWARMSIM_BINARY) + " report " + sh_quote(study) + " --html " +
                    sh_quote(page) + " >/dev/null 2>&1"),
              0);
  }
  // Kept on failure, or with SWARMSIM_KEEP_REPORT set, to look at.
  void TearDown() override {
    if (!scratch.empty() && !::testing::Test::HasFailure() && !std::getenv("SWARMSIM_KEEP_REPORT"))
      fs::remove_all(scratch);
  }

  // Chromium headless with its own profile, under a time-out; stdout to `out`.
  int chromium_run(const std::string& args, const std::string& out) {
    static int profiles = 0;
    const std::string profile = scratch + "/profile-" + std::to_string(profiles++);
    return shell("timeout -s KILL 120 " + sh_quote(chromium) +
                 " --headless --disable-gpu --no-sandbox --disable-dev-shm-usage --hide-scrollbars"
                 " --no-first-run --user-data-dir=" +
                 sh_quote(profile) + " " + args + " >" + sh_quote(out) + " 2>" +
                 sh_quote(scratch + "/chromium.err"));
  }

  std::string screenshot(const std::string& html_file, const std::string& png) {
    chromium_run("--screenshot=" + sh_quote(png) + " --window-size=" + std::to_string(kWidth) +
                     "," + std::to_string(kHeight) + " " + sh_quote("file://" + html_file),
                 scratch + "/screenshot.out");
    return png;
  }

  std::string chromium, scratch, study, page;
};

#ifdef SWARMSIM_HAVE_LIBPNG
struct Pixels {
  unsigned width = 0, height = 0;
  std::vector<unsigned char> rgb;
};

std::optional<Pixels> decode_png(const std::string& path) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) return std::nullopt;
  image.format = PNG_FORMAT_RGB;
  Pixels p;
  p.width = image.width;
  p.height = image.height;
  p.rgb.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, p.rgb.data(), 0, nullptr)) return std::nullopt;
  return p;
}

// Pixels within `tolerance` per channel of the colour #RRGGBB.
std::size_t pixels_near(const Pixels& p, unsigned colour, int tolerance = 12) {
  const int r = static_cast<int>(colour >> 16 & 0xff), g = static_cast<int>(colour >> 8 & 0xff),
            b = static_cast<int>(colour & 0xff);
  std::size_t n = 0;
  for (std::size_t i = 0; i + 2 < p.rgb.size(); i += 3)
    if (std::abs(p.rgb[i] - r) <= tolerance && std::abs(p.rgb[i + 1] - g) <= tolerance &&
        std::abs(p.rgb[i + 2] - b) <= tolerance)
      ++n;
  return n;
}

std::size_t non_white(const Pixels& p) {
  std::size_t n = 0;
  for (std::size_t i = 0; i + 2 < p.rgb.size(); i += 3)
    if (p.rgb[i] < 245 || p.rgb[i + 1] < 245 || p.rgb[i + 2] < 245) ++n;
  return n;
}
#endif

}  // namespace

TEST_F(ReportInChromium, TheDomHoldsEveryPlotWithItsTitle) {
  const std::string dom_file = scratch + "/dom.html";
  ASSERT_EQ(chromium_run("--dump-dom " + sh_quote("file://" + page), dom_file), 0)
      << read(scratch + "/chromium.err");
  const std::string dom = read(dom_file);
  ASSERT_FALSE(dom.empty()) << read(scratch + "/chromium.err");
  const auto data = swarmsim::reports::load_study_dir(study);
  const auto titles =
      swarmsim::reports::study_plot_titles(data, swarmsim::reports::aggregate(data));
  ASSERT_GE(titles.size(), 3u);
  std::size_t svgs = 0;
  for (auto at = dom.find("<svg"); at != std::string::npos; at = dom.find("<svg", at + 1)) ++svgs;
  EXPECT_GE(svgs, titles.size());
  for (const auto& t : titles) EXPECT_NE(dom.find(t), std::string::npos) << "not in the DOM: " << t;
  EXPECT_NE(dom.find("fixture-storm"), std::string::npos);
}

TEST_F(ReportInChromium, TheScreenshotIsNotBlank) {
  const std::string blank_page = scratch + "/blank.html";
  std::ofstream(blank_page)
      << "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body></body></html>\n";
  const std::string shot = screenshot(page, scratch + "/report.png");
  const std::string blank = screenshot(blank_page, scratch + "/blank.png");
  ASSERT_TRUE(fs::exists(shot)) << read(scratch + "/chromium.err");
  ASSERT_TRUE(fs::exists(blank)) << read(scratch + "/chromium.err");
  const auto shot_size = fs::file_size(shot), blank_size = fs::file_size(blank);
  EXPECT_GT(shot_size, 4 * blank_size)
      << "report " << shot_size << " bytes, blank page " << blank_size;
#ifdef SWARMSIM_HAVE_LIBPNG
  const auto pixels = decode_png(shot);
  const auto empty = decode_png(blank);
  ASSERT_TRUE(pixels && empty);
  EXPECT_EQ(pixels->width, static_cast<unsigned>(kWidth));
  EXPECT_EQ(pixels->height, static_cast<unsigned>(kHeight));
  const std::size_t total = std::size_t{pixels->width} * pixels->height;
  EXPECT_LT(non_white(*empty), total / 1000) << "the blank page is not blank";
  EXPECT_GT(non_white(*pixels), total / 50) << "the report page is (nearly) blank";
  // The lines of the first plot (Okabe-Ito blue and vermillion) and the
  // question's box are drawn.
  EXPECT_GT(pixels_near(*pixels, 0x0072B2), 200u);
  EXPECT_GT(pixels_near(*pixels, 0xD55E00), 200u);
#else
  std::cout << "libpng not found at build time: compared file sizes only\n";
#endif
  std::cout << "screenshot: " << shot << "\n";
}

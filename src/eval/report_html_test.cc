#include "eval/report_html.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/utf8.h"

namespace groundline::eval {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------
// A strict reader of the page: every element closed in order (HTML's void
// elements and "/>" excepted), attribute values quoted, '<' and '>' never
// in text or values, '&' only in the five entities the page writes.

struct Node {
  std::string name;
  std::map<std::string, std::string> attributes;  // decoded
  int parent = -1;
  std::string text;  // textContent, decoded
};

struct Page {
  std::vector<Node> nodes;
  std::string error;  // empty when well-formed
};

bool decode_entities(std::string_view raw, std::string& out) {
  static const std::map<std::string, std::string> kEntities = {
      {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}};
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '<' || raw[i] == '>') return false;
    if (raw[i] != '&') {
      out += raw[i];
      continue;
    }
    size_t end = raw.find(';', i);
    if (end == std::string_view::npos) return false;
    auto it = kEntities.find(std::string(raw.substr(i, end - i + 1)));
    if (it == kEntities.end()) return false;
    out += it->second;
    i = end;
  }
  return true;
}

class PageReader {
 public:
  explicit PageReader(std::string_view html) : html_(html) {}

  Page read() {
    const std::string_view kDoctype = "<!DOCTYPE html>\n";
    if (html_.starts_with(kDoctype))
      pos_ = kDoctype.size();
    else
      fail("no doctype");
    while (page_.error.empty() && pos_ < html_.size()) step();
    if (page_.error.empty() && !open_.empty()) fail("<" + page_.nodes[open_.back()].name + "> is not closed");
    if (page_.error.empty() && (page_.nodes.empty() || page_.nodes[0].name != "html")) fail("no <html>");
    return std::move(page_);
  }

 private:
  void fail(const std::string& message) {
    if (page_.error.empty()) page_.error = message + " at byte " + std::to_string(pos_);
    pos_ = html_.size();
  }

  void step() {
    size_t lt = html_.find('<', pos_);
    text(html_.substr(pos_, lt - pos_));
    if (!page_.error.empty()) return;
    if (lt == std::string_view::npos) {
      pos_ = html_.size();
      return;
    }
    pos_ = lt;
    if (html_.substr(pos_, 2) == "</")
      end_tag();
    else
      start_tag();
  }

  void text(std::string_view raw) {
    std::string decoded;
    if (!decode_entities(raw, decoded)) {
      fail("bad text '" + std::string(raw.substr(0, 60)) + "'");
      return;
    }
    if (open_.empty() && decoded.find_first_not_of(" \n") != std::string::npos) fail("text outside <html>");
    for (int i : open_) page_.nodes[i].text += decoded;
  }

  void end_tag() {
    size_t gt = html_.find('>', pos_);
    std::string name(html_.substr(pos_ + 2, gt - pos_ - 2));
    if (open_.empty() || page_.nodes[open_.back()].name != name) {
      fail("</" + name + "> closes nothing open");
      return;
    }
    open_.pop_back();
    pos_ = gt + 1;
  }

  void start_tag() {
    ++pos_;
    Node node{name(), {}, open_.empty() ? -1 : open_.back(), ""};
    if (node.name.empty()) {
      fail("bad tag");
      return;
    }
    bool closed = attributes(node);
    if (!page_.error.empty()) return;
    page_.nodes.push_back(node);
    static const std::vector<std::string> kVoid = {"meta", "link", "br", "hr", "img", "input", "col", "wbr"};
    if (closed || std::find(kVoid.begin(), kVoid.end(), node.name) != kVoid.end()) return;
    open_.push_back(static_cast<int>(page_.nodes.size() - 1));
    if (node.name == "style") raw_text("</style>");
  }

  // Style content is CSS, not markup: skipped up to its end tag.
  void raw_text(std::string_view end) {
    size_t at = html_.find(end, pos_);
    if (at == std::string_view::npos) fail("unclosed raw text");
    pos_ = at;
  }

  std::string name() {
    size_t begin = pos_;
    while (pos_ < html_.size() &&
           (std::isalnum(static_cast<unsigned char>(html_[pos_])) || html_[pos_] == '-'))
      ++pos_;
    return std::string(html_.substr(begin, pos_ - begin));
  }

  // Reads up to '>'; true when the tag ends with "/>".
  bool attributes(Node& node) {
    while (pos_ < html_.size()) {
      while (html_[pos_] == ' ') ++pos_;
      if (html_.substr(pos_, 1) == ">" || html_.substr(pos_, 2) == "/>") {
        bool closed = html_[pos_] == '/';
        pos_ += closed ? 2 : 1;
        return closed;
      }
      attribute_of(node);
    }
    fail("unclosed tag");
    return false;
  }

  void attribute_of(Node& node) {
    std::string key = name();
    size_t end = html_.find('"', pos_ + 2);
    std::string value;
    if (key.empty() || html_.substr(pos_, 2) != "=\"" || end == std::string_view::npos ||
        !decode_entities(html_.substr(pos_ + 2, end - pos_ - 2), value))
      fail("bad attribute " + key + " in <" + node.name + ">");
    else if (!node.attributes.emplace(key, value).second)
      fail("repeated attribute " + key);
    else
      pos_ = end + 1;
  }

  std::string_view html_;
  size_t pos_ = 0;
  Page page_;
  std::vector<int> open_;
};

Page read_page(const std::string& html) {
  return PageReader(html).read();
}

bool has_class(const Node& node, const std::string& name) {
  auto it = node.attributes.find("class");
  if (it == node.attributes.end()) return false;
  return (" " + it->second + " ").find(" " + name + " ") != std::string::npos;
}

std::string attribute(const Node& node, const std::string& name) {
  auto it = node.attributes.find(name);
  return it == node.attributes.end() ? "" : it->second;
}

std::vector<int> find_all(const Page& page, const std::function<bool(const Node&)>& match) {
  std::vector<int> found;
  for (size_t i = 0; i < page.nodes.size(); ++i)
    if (match(page.nodes[i])) found.push_back(static_cast<int>(i));
  return found;
}

bool inside(const Page& page, int node, int ancestor) {
  for (int i = page.nodes[node].parent; i >= 0; i = page.nodes[i].parent)
    if (i == ancestor) return true;
  return false;
}

int plot_of(const Page& page, const std::string& plot) {
  auto found = find_all(page, [&](const Node& n) {
    return n.name == "svg" && has_class(n, "plot") && attribute(n, "data-plot") == plot;
  });
  return found.size() == 1 ? found[0] : -1;
}

// The points of a series of a plot, in document order; empty when the
// series is not there.
std::vector<const Node*> series_points(const Page& page, const std::string& plot, const std::string& series) {
  int svg = plot_of(page, plot);
  auto groups = find_all(page, [&](const Node& n) {
    return n.name == "g" && has_class(n, "series") && attribute(n, "data-series") == series;
  });
  std::vector<const Node*> points;
  for (int g : groups) {
    if (svg < 0 || !inside(page, g, svg)) continue;
    for (const auto& n : page.nodes)
      if (n.parent == g && (n.name == "rect" || n.name == "circle")) points.push_back(&n);
  }
  return points;
}

std::vector<double> series_values(const Page& page, const std::string& plot, const std::string& series) {
  std::vector<double> values;
  for (const auto* point : series_points(page, plot, series))
    values.push_back(std::strtod(attribute(*point, "data-value").c_str(), nullptr));
  return values;
}

// The cells of a row of the comparison table, by data-metric.
std::vector<const Node*> metric_cells(const Page& page, const std::string& metric) {
  auto rows =
      find_all(page, [&](const Node& n) { return n.name == "tr" && attribute(n, "data-metric") == metric; });
  std::vector<const Node*> cells;
  if (rows.size() != 1) return cells;
  for (const auto& n : page.nodes)
    if (n.parent == rows[0] && n.name == "td") cells.push_back(&n);
  return cells;
}

std::vector<std::string> cell_texts(const std::vector<const Node*>& cells) {
  std::vector<std::string> texts;
  for (const auto* c : cells) texts.push_back(c->text);
  return texts;
}

std::vector<bool> best_marks(const std::vector<const Node*>& cells) {
  std::vector<bool> marks;
  for (const auto* c : cells) marks.push_back(has_class(*c, "best"));
  return marks;
}

size_t count_named(const Page& page, const std::string& name, const std::string& css_class = "") {
  return find_all(
             page,
             [&](const Node& n) { return n.name == name && (css_class.empty() || has_class(n, css_class)); })
      .size();
}

// ---------------------------------------------------------------------------
// Reports

json question(std::string id, std::string verdict, std::string text, json answer, json found_rank) {
  return {{"id", id},
          {"question", text},
          {"type", "plan"},
          {"answerable", true},
          {"verdict", verdict},
          {"found_rank", found_rank},
          {"ndcg_at_10", 0.5},
          {"f1", nullptr},
          {"expected", "2 GB"},
          {"answer", answer},
          {"abstained", false},
          {"removed", 1},
          {"retrieved", {"plans/pro.md:30-41"}},
          {"total_ms", 0.8}};
}

json latency(double scale) {
  auto stage = [&](double p50) {
    return json{{"p50", p50 * scale}, {"p95", 3 * p50 * scale}, {"p99", 5 * p50 * scale}};
  };
  return {{"search", stage(0.25)},
          {"retrieve", stage(0.3)},
          {"generate", stage(0.2)},
          {"verify", stage(0.1)},
          {"total", stage(0.7)}};
}

json answers(double accuracy, double unsupported_after) {
  return {{"answerable", 269},
          {"correct", 159},
          {"accuracy", accuracy},
          {"token_f1", 0.41},
          {"citation_precision", 0.46},
          {"sentences_drafted", 501},
          {"sentences_released", 497},
          {"unsupported_before", 0.008},
          {"unsupported_after", unsupported_after},
          {"abstention_rate", 0.18},
          {"unanswerable", 38},
          {"correct_abstentions", 24},
          {"correct_abstention_rate", 0.632}};
}

json config(std::string name, std::vector<double> retrieval, json answer_summary, json latency_ms) {
  return {{"name", name},
          {"settings",
           {{"chunk_tokens", 300},
            {"overlap_tokens", 50},
            {"filters", false},
            {"retriever", "bm25"},
            {"answerer", "extractive"},
            {"sources", 5}}},
          {"knowledge_base", "scratch: re-chunked 300/50"},
          {"retrieval",
           {{"questions", 269},
            {"recall_at_1", retrieval[0]},
            {"recall_at_5", retrieval[1]},
            {"recall_at_10", retrieval[2]},
            {"mrr", retrieval[3]},
            {"ndcg_at_10", retrieval[4]}}},
          {"answers", answer_summary},
          {"latency_ms", latency_ms},
          {"tokens", nullptr},
          {"details",
           {question("q017", "retrieval miss", "How big can uploads be?", "Uploads are capped.", nullptr),
            question("q003", "wrong answer", "What does Pro cost?", "It is free.", 2),
            question("q001", "correct", "What is the upload limit?", "2 GB [1:3]", 1)}}};
}

json sweep() {
  json rows = json::array();
  for (int overlap : {0, 25, 50, 100})
    for (int size = 100; size <= 800; size += 100)
      rows.push_back({{"chunk_tokens", size},
                      {"overlap_tokens", overlap},
                      {"filters", false},
                      {"recall_at_5", 0.5 + size / 2000.0 + overlap / 1000.0},
                      {"mrr", 0.6},
                      {"ndcg_at_10", 0.6},
                      {"accuracy", 0.4 + size / 4000.0}});
  rows.push_back({{"chunk_tokens", 300},
                  {"overlap_tokens", 50},
                  {"filters", true},
                  {"recall_at_5", 0.93},
                  {"mrr", 0.8},
                  {"ndcg_at_10", 0.8},
                  {"accuracy", 0.65}});
  return rows;
}

json fixture_report() {
  json first = config("500/0", {0.55, 0.80, 0.86, 0.65, 0.70}, answers(0.52, 0.01), latency(1.5));
  first["settings"]["chunk_tokens"] = 500;
  first["settings"]["overlap_tokens"] = 0;
  json model = config("300/50", {0.62, 0.87, 0.91, 0.72, 0.75}, answers(0.591, 0.0), latency(1));
  model["tokens"] = {{"prompt", 12000}, {"completion", 800}, {"ms_per_token", 21.5}};
  json retrieval_only = config("300/50 + filters", {0.64, 0.89, 0.93, 0.74, 0.77}, nullptr,
                               {{"search", {{"p50", 0.2}, {"p95", 0.4}, {"p99", 0.6}}}});
  retrieval_only["settings"]["filters"] = true;
  retrieval_only["settings"]["answerer"] = "none";
  return {{"groundline_eval", 1},
          {"kb", "acme.db"},
          {"questions_file", "examples/acme/questions.jsonl"},
          {"questions", 307},
          {"seed", 1},
          {"k", 10},
          {"machine", "AMD EPYC, 2 threads"},
          {"created", "2026-11-27T18:30:00Z"},
          {"problems",
           {"questions.jsonl:12: not valid JSON (skipped)",
            "q017: gold document 'x.md' is not in the knowledge base"}},
          {"configs", {first, model, retrieval_only}},
          {"experiment",
           {{"name", "chunking"}, {"classic", {"500/0", "300/50", "300/50 + filters"}}, {"sweep", sweep()}}}};
}

Page read_report(const json& report) {
  std::string html = report_html(report);
  EXPECT_TRUE(core::check_utf8(html).ok());
  Page page = read_page(html);
  EXPECT_EQ(page.error, "");
  return page;
}

// ---------------------------------------------------------------------------

TEST(ReportHtml, ThePageReaderOfTheseTestsRejectsBrokenMarkup) {
  const std::string head = "<!DOCTYPE html>\n<html><body>";
  EXPECT_EQ(read_page(head + "<p a=\"1\">x &amp; y</p></body></html>").error, "");
  for (std::string broken :
       {"<p>x</body></html>", "<p><b>x</p></b></body></html>", "<p>a & b</p></body></html>",
        "<p a=1>x</p></body></html>", "<p>a > b</p></body></html>", "</body></html></p>",
        "<p a=\"<\">x</p></body></html>", "<p>x</p></body>"})
    EXPECT_NE(read_page(head + broken).error, "") << broken;
  EXPECT_NE(read_page("<html></html>").error, "");
}

TEST(ReportHtml, IsOneWellFormedPageThatFetchesNothing) {
  std::string html = report_html(fixture_report());
  Page page = read_page(html);
  ASSERT_EQ(page.error, "");
  EXPECT_TRUE(core::check_utf8(html).ok());
  EXPECT_EQ(count_named(page, "script"), 0u);
  for (std::string fetches : {"src=", "href=", "url(", "@import", "http:", "https:", "<link", "<img"})
    EXPECT_EQ(html.find(fetches), std::string::npos) << fetches;
  EXPECT_NE(html.find("Content-Security-Policy\" content=\"default-src 'none'"), std::string::npos);
  EXPECT_EQ(count_named(page, "svg", "plot"), 3u);
}

TEST(ReportHtml, HeaderShowsTheRunAndItsProblems) {
  Page page = read_report(fixture_report());
  auto headers = find_all(page, [](const Node& n) { return n.name == "header"; });
  ASSERT_EQ(headers.size(), 1u);
  const std::string& header = page.nodes[headers[0]].text;
  for (std::string fact : {"acme.db", "examples/acme/questions.jsonl", "307", "AMD EPYC, 2 threads",
                           "2026-11-27T18:30:00Z", "q017: gold document 'x.md' is not in the knowledge base"})
    EXPECT_NE(header.find(fact), std::string::npos) << fact;
  EXPECT_EQ(count_named(page, "li"), 2u);
  EXPECT_NE(header.find("Problems (2)"), std::string::npos);
}

TEST(ReportHtml, ComparisonTableHasAColumnPerConfigurationWithSettingsAndMetrics) {
  Page page = read_report(fixture_report());
  EXPECT_EQ(cell_texts(metric_cells(page, "recall_at_5")),
            (std::vector<std::string>{"0.800", "0.870", "0.890"}));
  EXPECT_EQ(cell_texts(metric_cells(page, "accuracy")),
            (std::vector<std::string>{"0.520", "0.591", "\u2014"}));
  EXPECT_EQ(cell_texts(metric_cells(page, "latency.total.p95")),
            (std::vector<std::string>{"3.15", "2.10", "\u2014"}));
  EXPECT_EQ(cell_texts(metric_cells(page, "latency.search.p50")),
            (std::vector<std::string>{"0.38", "0.25", "0.20"}));
  EXPECT_EQ(cell_texts(metric_cells(page, "tokens.ms_per_token")),
            (std::vector<std::string>{"\u2014", "21.50", "\u2014"}));
  for (std::string metric :
       {"recall_at_1", "recall_at_10", "mrr", "ndcg_at_10", "token_f1", "citation_precision",
        "unsupported_before", "unsupported_after", "abstention_rate", "correct_abstention_rate",
        "latency.retrieve.p99", "latency.generate.p50", "latency.verify.p95", "tokens.prompt"})
    EXPECT_EQ(metric_cells(page, metric).size(), 3u) << metric;
  auto settings =
      find_all(page, [](const Node& n) { return n.name == "tr" && attribute(n, "data-setting") != ""; });
  ASSERT_EQ(settings.size(), 6u);
  EXPECT_NE(page.nodes[settings[0]].text.find("500 / 0"), std::string::npos);
  EXPECT_EQ(page.nodes[settings[1]].text, "Filtersoffoffon");
}

TEST(ReportHtml, HighlightsTheBestValueOfEachMetricRow) {
  json report = fixture_report();
  report["configs"][0]["retrieval"]["recall_at_1"] = 0.6401;  // shows as 0.640, as the third
  Page page = read_report(report);
  EXPECT_EQ(best_marks(metric_cells(page, "recall_at_5")), (std::vector<bool>{false, false, true}));
  EXPECT_EQ(best_marks(metric_cells(page, "recall_at_1")), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(best_marks(metric_cells(page, "accuracy")), (std::vector<bool>{false, true, false}));
  // Lower is better for unsupported sentences and latency.
  EXPECT_EQ(best_marks(metric_cells(page, "unsupported_after")), (std::vector<bool>{false, true, false}));
  EXPECT_EQ(best_marks(metric_cells(page, "latency.total.p99")), (std::vector<bool>{false, true, false}));
  EXPECT_EQ(best_marks(metric_cells(page, "latency.search.p50")), (std::vector<bool>{false, false, true}));
  // No best: equal values, a rate that is neither good nor bad, a single value.
  EXPECT_EQ(best_marks(metric_cells(page, "token_f1")), (std::vector<bool>{false, false, false}));
  EXPECT_EQ(best_marks(metric_cells(page, "abstention_rate")), (std::vector<bool>{false, false, false}));
  EXPECT_EQ(best_marks(metric_cells(page, "tokens.ms_per_token")), (std::vector<bool>{false, false, false}));
}

TEST(ReportHtml, MetricsPlotHasAPointPerConfigurationWithTheJsonValues) {
  json report = fixture_report();
  Page page = read_report(report);
  ASSERT_GE(plot_of(page, "metrics"), 0);
  for (std::string metric : {"recall_at_1", "recall_at_5", "recall_at_10", "mrr", "ndcg_at_10"}) {
    std::vector<double> expected;
    for (const auto& c : report["configs"]) expected.push_back(c["retrieval"][metric].get<double>());
    EXPECT_EQ(series_values(page, "metrics", metric), expected) << metric;
  }
  // The third configuration's answers were not evaluated: no point.
  EXPECT_EQ(series_values(page, "metrics", "accuracy"), (std::vector<double>{0.52, 0.591}));
  auto points = series_points(page, "metrics", "accuracy");
  EXPECT_EQ(attribute(*points[1], "data-config"), "300/50");
}

TEST(ReportHtml, LatencyPlotHasAPointPerConfigurationAndStagePresent) {
  json report = fixture_report();
  Page page = read_report(report);
  ASSERT_GE(plot_of(page, "latency"), 0);
  for (std::string p : {"p50", "p95", "p99"}) {
    auto points = series_points(page, "latency", p);
    ASSERT_EQ(points.size(), 5u + 5u + 1u) << p;
    // Stages in pipeline order.
    EXPECT_EQ(attribute(*points[0], "data-stage"), "search");
    EXPECT_EQ(attribute(*points[4], "data-stage"), "total");
    EXPECT_EQ(attribute(*points[10], "data-config"), "300/50 + filters");
    EXPECT_EQ(std::strtod(attribute(*points[9], "data-value").c_str(), nullptr),
              report["configs"][1]["latency_ms"]["total"][p].get<double>());
  }
}

TEST(ReportHtml, ChunkingPlotHasALinePerOverlapAndMarkersForFilters) {
  json report = fixture_report();
  Page page = read_report(report);
  ASSERT_GE(plot_of(page, "chunking"), 0);
  for (int overlap : {0, 25, 50, 100}) {
    std::string name = "overlap-" + std::to_string(overlap);
    std::vector<double> recall, accuracy;
    for (const auto& row : report["experiment"]["sweep"])
      if (row["overlap_tokens"] == overlap && !row["filters"].get<bool>()) {
        recall.push_back(row["recall_at_5"].get<double>());
        accuracy.push_back(row["accuracy"].get<double>());
      }
    EXPECT_EQ(series_values(page, "chunking", name), recall) << name;
    EXPECT_EQ(series_values(page, "chunking", "accuracy-" + name), accuracy) << name;
    EXPECT_EQ(attribute(*series_points(page, "chunking", name).back(), "data-chunk"), "800");
  }
  EXPECT_EQ(series_values(page, "chunking", "filters"), (std::vector<double>{0.93}));
  EXPECT_EQ(series_values(page, "chunking", "accuracy-filters"), (std::vector<double>{0.65}));
}

TEST(ReportHtml, ChunkingPlotOnlyWithAnExperimentAndAccuracyOnlyWhenKnown) {
  json report = fixture_report();
  for (auto& row : report["experiment"]["sweep"]) row["accuracy"] = nullptr;
  Page page = read_report(report);
  EXPECT_EQ(series_values(page, "chunking", "overlap-50").size(), 8u);
  EXPECT_TRUE(series_points(page, "chunking", "accuracy-overlap-50").empty());
  report["experiment"] = nullptr;
  page = read_report(report);
  EXPECT_EQ(plot_of(page, "chunking"), -1);
  EXPECT_GE(plot_of(page, "metrics"), 0);
}

TEST(ReportHtml, EscapesHostileTextAndMakesItValidUtf8) {
  const std::string hostile = "<script>alert('x')</script> & \"q\" \xff\xfe \x01 </td>";
  const std::string shown = "<script>alert('x')</script> & \"q\" \uFFFD\uFFFD \uFFFD </td>";
  json report = fixture_report();
  report["kb"] = report["machine"] = report["created"] = hostile;
  report["problems"] = {hostile};
  report["experiment"]["classic"] = {hostile};
  json& c = report["configs"][0];
  c["name"] = c["settings"]["retriever"] = c["knowledge_base"] = hostile;
  c["latency_ms"][hostile] = {{"p50", 1}, {"p95", 2}, {"p99", 3}};
  c["details"][0]["id"] = c["details"][0]["question"] = c["details"][0]["verdict"] = hostile;
  c["details"][0]["expected"] = c["details"][0]["answer"] = hostile;
  std::string html = report_html(report);
  Page page = read_page(html);
  ASSERT_EQ(page.error, "");
  EXPECT_TRUE(core::check_utf8(html).ok());
  EXPECT_EQ(count_named(page, "script"), 0u);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  auto rows = find_all(page, [](const Node& n) { return n.name == "tr" && has_class(n, "v-other"); });
  ASSERT_EQ(rows.size(), 1u);
  std::vector<std::string> cells;
  for (const auto& n : page.nodes)
    if (n.parent == rows[0]) cells.push_back(n.text);
  EXPECT_EQ(std::vector<std::string>(cells.begin(), cells.begin() + 5),
            (std::vector<std::string>{shown, shown, shown, shown, shown}));
  EXPECT_EQ(attribute(*series_points(page, "metrics", "mrr")[0], "data-config"), shown);
  auto problems = find_all(page, [](const Node& n) { return n.name == "li"; });
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(page.nodes[problems[0]].text, shown);
}

TEST(ReportHtml, FormatsRatesWithThreeDecimalsAndMillisecondsWithTwo) {
  Page page = read_report(fixture_report());
  EXPECT_EQ(cell_texts(metric_cells(page, "mrr"))[0], "0.650");
  EXPECT_EQ(cell_texts(metric_cells(page, "latency.generate.p99"))[1], "1.00");
  EXPECT_EQ(cell_texts(metric_cells(page, "retrieval_questions"))[0], "269");
  auto rows = find_all(page, [](const Node& n) { return n.name == "tr" && has_class(n, "v-miss"); });
  ASSERT_FALSE(rows.empty());
  EXPECT_NE(page.nodes[rows[0]].text.find("capped.\u201410.80"), std::string::npos);  // rank, removed, ms
}

TEST(ReportHtml, RendersAReportWithoutConfigurations) {
  json report = fixture_report();
  report["configs"] = json::array();
  report["experiment"] = nullptr;
  report["problems"] = json::array();
  Page page = read_report(report);
  EXPECT_EQ(count_named(page, "svg"), 0u);
  EXPECT_EQ(count_named(page, "table"), 0u);
  EXPECT_NE(page.nodes[0].text.find("No configurations in this report."), std::string::npos);
  EXPECT_EQ(count_named(page, "section", "problems"), 0u);
}

TEST(ReportHtml, RendersConfigurationsWithoutDetailsLatencyOrAnswers) {
  json report = fixture_report();
  for (auto& c : report["configs"]) {
    c["details"] = json::array();
    c.erase("latency_ms");
    c["answers"] = nullptr;
    c["tokens"] = nullptr;
  }
  Page page = read_report(report);
  EXPECT_EQ(plot_of(page, "latency"), -1);
  EXPECT_EQ(series_values(page, "metrics", "recall_at_5").size(), 3u);
  EXPECT_TRUE(series_points(page, "metrics", "accuracy").empty());
  EXPECT_EQ(cell_texts(metric_cells(page, "accuracy")),
            (std::vector<std::string>{"\u2014", "\u2014", "\u2014"}));
  EXPECT_TRUE(metric_cells(page, "tokens.prompt").empty());
  EXPECT_EQ(count_named(page, "details"), 3u);
  EXPECT_EQ(count_named(page, "table", "questions"), 0u);
}

TEST(ReportHtml, ShowsNullAnswersAndRanksAsAnEmDash) {
  json report = fixture_report();
  for (auto& d : report["configs"][0]["details"]) d["answer"] = nullptr;
  Page page = read_report(report);
  auto rows = find_all(page, [](const Node& n) { return n.name == "tr" && has_class(n, "v-wrong"); });
  ASSERT_EQ(rows.size(), 3u);  // the first configuration's first
  std::vector<std::string> cells;
  for (const auto& n : page.nodes)
    if (n.parent == rows[0]) cells.push_back(n.text);
  ASSERT_EQ(cells.size(), 8u);
  EXPECT_EQ(cells[4], "\u2014");
  EXPECT_EQ(cells[5], "2");
}

TEST(ReportHtml, AnyJsonRenders) {
  for (json report :
       {json(nullptr), json(42), json::array(), json{{"configs", "none"}},
        json{{"configs", {1, nullptr, json::object()}}, {"problems", {1, nullptr}}},
        json{{"configs", {{{"name", 5}, {"retrieval", {{"recall_at_5", "high"}}}, {"details", {1}}}}},
             {"experiment", {{"sweep", {1, {{"chunk_tokens", "x"}}}}}}}}) {
    Page page = read_report(report);
    EXPECT_EQ(page.error, "") << report.dump();
  }
}

TEST(ReportHtml, ListsAtMostFiveHundredQuestionsPerConfiguration) {
  json report = fixture_report();
  report["configs"].erase(2);
  for (auto& c : report["configs"]) {
    c["details"] = json::array();
    for (int i = 0; i < 100000; ++i)
      c["details"].push_back({{"id", "q" + std::to_string(i)}, {"verdict", "correct"}});
  }
  std::string html = report_html(report);
  EXPECT_LT(html.size(), 2u << 20);
  Page page = read_page(html);
  ASSERT_EQ(page.error, "");
  EXPECT_EQ(count_named(page, "tr", "v-correct"), 2 * kQuestionRowsShown);
  auto notes = find_all(page, [](const Node& n) { return has_class(n, "more"); });
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(page.nodes[notes[0]].text, "99500 more in report.json");
  EXPECT_NE(page.nodes[0].text.find("100000 questions \u00b7 100000 correct"), std::string::npos);
}

TEST(ReportHtml, RendersAThousandConfigurations) {
  json report = fixture_report();
  json one = report["configs"][0];
  report["configs"] = json::array();
  for (int i = 0; i < 1000; ++i) {
    one["name"] = "config " + std::to_string(i);
    report["configs"].push_back(one);
  }
  Page page = read_report(report);
  EXPECT_EQ(metric_cells(page, "recall_at_5").size(), 1000u);
  EXPECT_EQ(series_values(page, "metrics", "recall_at_5").size(), kPlottedConfigs);
  EXPECT_EQ(series_points(page, "latency", "p99").size(), 5 * kPlottedConfigs);
  EXPECT_EQ(count_named(page, "details", "questions"), 1000u);
}

// The page tests/browser/eval_report.mjs opens (see tests/CMakeLists.txt).
TEST(ReportHtml, WritesTheBrowserFixtureWhenAsked) {
  const char* path = std::getenv("GROUNDLINE_WRITE_REPORT_FIXTURE");
  if (!path) GTEST_SKIP() << "GROUNDLINE_WRITE_REPORT_FIXTURE names no file";
  json report = fixture_report();
  report["configs"][0]["details"][0]["question"] = "<script>window.pwned = 1</script> & <img src=x>";
  std::ofstream(path) << report_html(report);
  std::ifstream written(path);
  EXPECT_TRUE(written.good()) << path;
}

}  // namespace
}  // namespace groundline::eval

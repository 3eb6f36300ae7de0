#include "eval/report_html.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "core/utf8.h"

namespace groundline::eval {

namespace {

using nlohmann::json;

constexpr std::string_view kDash = "\u2014";
constexpr size_t kCellChars = 1000;  // longer question or answer texts are cut
constexpr size_t kLabelChars = 24;   // configuration names under a plot
constexpr size_t kProblemsShown = 200;
constexpr std::array<std::string_view, 10> kColours = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
                                                       "#b07aa1", "#edc948", "#ff9da7", "#9c755f", "#86bcb6"};

// ---------------------------------------------------------------------------
// Text and numbers

bool is_control(int32_t cp) {
  return (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || (cp >= 0x7f && cp <= 0x9f);
}

void append_escaped(std::string& out, std::string_view bytes) {
  for (char c : bytes) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
}

// HTML-escaped, valid UTF-8, at most `max_chars` code points (then "…").
std::string escape(std::string_view raw, size_t max_chars = std::string_view::npos) {
  std::string out;
  out.reserve(raw.size());
  size_t chars = 0;
  for (size_t pos = 0; pos < raw.size(); ++chars) {
    if (chars == max_chars) return out + "\u2026";
    size_t begin = pos;
    int32_t cp = core::decode_utf8(raw, pos);
    if (cp < 0 || is_control(cp))
      out += "\uFFFD";
    else
      append_escaped(out, raw.substr(begin, pos - begin));
  }
  return out;
}

std::string fixed(double value, int decimals) {
  std::array<char, 400> buffer;
  std::snprintf(buffer.data(), buffer.size(), "%.*f", decimals, value);
  return buffer.data();
}

// The shortest text that reads back as the same double.
std::string shortest(double value) {
  std::array<char, 32> buffer;
  auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return std::string(buffer.data(), result.ptr);
}

// Coordinates in an SVG.
std::string coord(double value) {
  return fixed(value, 1);
}

std::string attr(std::string_view name, std::string_view escaped_value) {
  return " " + std::string(name) + "=\"" + std::string(escaped_value) + "\"";
}

// ---------------------------------------------------------------------------
// Reading the report: a missing, null or wrongly typed field reads as absent.

const json* member(const json& object, const std::string& key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::optional<double> number_at(const json& root, const std::vector<std::string>& path) {
  const json* node = &root;
  for (const auto& key : path)
    if (!(node = member(*node, key))) return std::nullopt;
  if (!node->is_number()) return std::nullopt;
  double value = node->get<double>();
  return std::isfinite(value) ? std::optional(value) : std::nullopt;
}

std::optional<double> number_of(const json& object, const std::string& key) {
  return number_at(object, {key});
}

std::string string_of(const json& object, const std::string& key) {
  const json* node = member(object, key);
  return node && node->is_string() ? node->get<std::string>() : "";
}

const json& array_of(const json& object, const std::string& key) {
  static const json empty = json::array();
  const json* node = member(object, key);
  return node && node->is_array() ? *node : empty;
}

// Escaped text of a string, number or boolean; an em dash for anything else.
std::string value_text(const json* node, size_t max_chars = kCellChars) {
  if (!node) return std::string(kDash);
  if (node->is_string()) return escape(node->get_ref<const std::string&>(), max_chars);
  if (node->is_boolean()) return node->get<bool>() ? "on" : "off";
  if (node->is_number()) {
    double value = node->get<double>();
    return std::isfinite(value) ? shortest(value) : std::string(kDash);
  }
  return std::string(kDash);
}

std::string config_name(const json& config, size_t index) {
  std::string name = string_of(config, "name");
  return name.empty() ? "config " + std::to_string(index + 1) : name;
}

// Stage names of latency_ms over all configurations, in pipeline order.
std::vector<std::string> latency_stages(const json& configs) {
  static const std::vector<std::string> kOrder = {"search", "retrieve",   "generate",
                                                  "verify", "self_check", "total"};
  std::vector<std::string> found;
  for (const auto& config : configs) {
    const json* latency = member(config, "latency_ms");
    if (!latency || !latency->is_object()) continue;
    for (const auto& [stage, value] : latency->items())
      if (value.is_object() && std::find(found.begin(), found.end(), stage) == found.end())
        found.push_back(stage);
  }
  auto rank = [&](const std::string& stage) {
    return std::find(kOrder.begin(), kOrder.end(), stage) - kOrder.begin();
  };
  std::sort(found.begin(), found.end(), [&](const std::string& a, const std::string& b) {
    return rank(a) != rank(b) ? rank(a) < rank(b) : a < b;
  });
  return found;
}

std::string stage_label(std::string stage) {
  std::replace(stage.begin(), stage.end(), '_', ' ');
  return stage;
}

// ---------------------------------------------------------------------------
// Page frame

constexpr std::string_view kStyle = R"(
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --soft: #f5f7fa; --best: #dff3e4; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 1240px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 12px; }
h2 { font-size: 17px; margin: 32px 0 10px; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 8px 24px; margin: 0; }
.facts dt { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.problems { background: #fff8e6; border: 1px solid #f0d58c; border-radius: 6px; padding: 8px 16px; margin-top: 16px; }
.problems h2 { margin: 4px 0; font-size: 15px; }
.note, .more { color: var(--muted); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: var(--soft); }
.compare td { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.compare tr.group th { background: var(--soft); color: var(--muted); font-size: 12px; text-transform: uppercase; }
.compare tbody th { font-weight: normal; white-space: nowrap; }
.compare td.best { background: var(--best); font-weight: 600; }
.missing { color: var(--muted); }
figure { margin: 20px 0; overflow-x: auto; }
figcaption { font-weight: 600; margin-bottom: 6px; }
svg.plot { display: block; width: 100%; max-width: 1000px; height: auto; }
svg.plot text { font-size: 11px; fill: #3e4c59; }
svg.plot text.title { font-size: 12px; font-weight: 600; }
svg.plot .grid { stroke: #e4e7eb; }
svg.plot .axis { stroke: #7b8794; }
details.questions { border: 1px solid var(--line); border-radius: 6px; margin: 10px 0; padding: 6px 12px; }
details.questions summary { cursor: pointer; font-weight: 600; }
details.questions summary span { font-weight: normal; color: var(--muted); }
table.questions td { max-width: 28em; overflow-wrap: anywhere; }
table.questions td.num { text-align: right; white-space: nowrap; }
.tag { font-size: 11px; border: 1px solid var(--line); border-radius: 4px; padding: 0 4px; margin-right: 4px; }
tr.v-miss, tr.v-wrong, tr.v-unanswerable { background: #fdecec; }
tr.v-false-abstention { background: #fff4e0; }
tr.v-correct, tr.v-correct-abstention { background: #eaf7ee; }
)";

void page_head(std::string& out, const json& report) {
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
      "'unsafe-inline'\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  std::string kb = string_of(report, "kb");
  out += "<title>groundline evaluation" + (kb.empty() ? "" : " \u2014 " + escape(kb, 80)) + "</title>\n";
  out += "<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
}

void fact(std::string& out, std::string_view label, const std::string& value_html) {
  out += "<div><dt>" + std::string(label) + "</dt><dd>" + value_html + "</dd></div>";
}

void problems_box(std::string& out, const json& problems) {
  if (problems.empty()) return;
  out += "<section class=\"problems\"><h2>Problems (" + std::to_string(problems.size()) + ")</h2>\n<ul>\n";
  for (size_t i = 0; i < problems.size() && i < kProblemsShown; ++i)
    out += "<li>" + value_text(&problems[i]) + "</li>\n";
  out += "</ul>\n";
  if (problems.size() > kProblemsShown)
    out += "<p class=\"more\">" + std::to_string(problems.size() - kProblemsShown) +
           " more in report.json</p>\n";
  out += "</section>\n";
}

void header_section(std::string& out, const json& report) {
  out += "<header>\n<h1>groundline evaluation</h1>\n<dl class=\"facts\">";
  fact(out, "Knowledge base", value_text(member(report, "kb")));
  fact(out, "Questions file", value_text(member(report, "questions_file")));
  fact(out, "Questions", value_text(member(report, "questions")));
  fact(out, "Machine", value_text(member(report, "machine")));
  fact(out, "Date", value_text(member(report, "created")));
  fact(out, "Sources retrieved (k)", value_text(member(report, "k")));
  fact(out, "Seed", value_text(member(report, "seed")));
  out += "</dl>\n";
  problems_box(out, array_of(report, "problems"));
  out += "</header>\n";
}

// ---------------------------------------------------------------------------
// The configurations side by side

enum class Better { kHigher, kLower, kNeither };

struct MetricRow {
  std::string key;    // data-metric of the row
  std::string label;  // escaped
  std::vector<std::string> path;
  int decimals;
  Better better;
};

std::vector<MetricRow> retrieval_rows() {
  auto rate = [](std::string key, std::string label) {
    return MetricRow{key, label, {"retrieval", key}, 3, Better::kHigher};
  };
  return {{"retrieval_questions",
           "Questions with a gold source",
           {"retrieval", "questions"},
           0,
           Better::kNeither},
          rate("recall_at_1", "Recall@1"),
          rate("recall_at_5", "Recall@5"),
          rate("recall_at_10", "Recall@10"),
          rate("mrr", "MRR"),
          rate("ndcg_at_10", "nDCG@10")};
}

std::vector<MetricRow> answer_rows() {
  auto rate = [](std::string key, std::string label, Better better) {
    return MetricRow{key, label, {"answers", key}, 3, better};
  };
  return {rate("accuracy", "Answer accuracy", Better::kHigher),
          rate("token_f1", "Token F1", Better::kHigher),
          rate("citation_precision", "Citation precision", Better::kHigher),
          rate("unsupported_before", "Unsupported before verification", Better::kLower),
          rate("unsupported_after", "Unsupported after verification", Better::kLower),
          rate("abstention_rate", "Abstention rate", Better::kNeither),
          rate("correct_abstention_rate", "Correct-abstention rate", Better::kHigher)};
}

std::vector<MetricRow> latency_rows(const json& configs) {
  std::vector<MetricRow> rows;
  for (const auto& stage : latency_stages(configs))
    for (std::string p : {"p50", "p95", "p99"})
      rows.push_back({"latency." + stage + "." + p,
                      escape(stage_label(stage)) + " " + p,
                      {"latency_ms", stage, p},
                      2,
                      Better::kLower});
  return rows;
}

std::vector<MetricRow> token_rows() {
  return {{"tokens.prompt", "Prompt tokens", {"tokens", "prompt"}, 0, Better::kNeither},
          {"tokens.completion", "Completion tokens", {"tokens", "completion"}, 0, Better::kNeither},
          {"tokens.ms_per_token", "ms per token", {"tokens", "ms_per_token"}, 2, Better::kLower}};
}

// Which cells of a row to highlight: the best of at least two shown values,
// compared as shown, unless all of them are equal.
std::vector<bool> best_cells(const std::vector<std::optional<double>>& shown, Better better) {
  std::vector<bool> best(shown.size(), false);
  std::vector<double> present;
  for (const auto& v : shown)
    if (v) present.push_back(*v);
  if (better == Better::kNeither || present.size() < 2) return best;
  auto [low, high] = std::minmax_element(present.begin(), present.end());
  if (*low == *high) return best;
  double target = better == Better::kHigher ? *high : *low;
  for (size_t i = 0; i < shown.size(); ++i) best[i] = shown[i] && *shown[i] == target;
  return best;
}

void metric_row(std::string& out, const MetricRow& row, const json& configs) {
  std::vector<std::string> texts;
  std::vector<std::optional<double>> shown;
  for (const auto& config : configs) {
    auto value = number_at(config, row.path);
    texts.push_back(value ? fixed(*value, row.decimals) : std::string());
    shown.push_back(value ? std::optional(std::strtod(texts.back().c_str(), nullptr)) : std::nullopt);
  }
  auto best = best_cells(shown, row.better);
  out += "<tr" + attr("data-metric", escape(row.key)) + "><th scope=\"row\">" + row.label + "</th>";
  for (size_t i = 0; i < texts.size(); ++i) {
    if (texts[i].empty())
      out += "<td class=\"missing\">" + std::string(kDash) + "</td>";
    else
      out += std::string(best[i] ? "<td class=\"best\">" : "<td>") + texts[i] + "</td>";
  }
  out += "</tr>\n";
}

void group_row(std::string& out, std::string_view title, size_t columns) {
  out += "<tr class=\"group\"><th colspan=\"" + std::to_string(columns + 1) + "\">" + std::string(title) +
         "</th></tr>\n";
}

std::string chunking_text(const json* settings) {
  if (!settings) return std::string(kDash);
  const json* size = member(*settings, "chunk_tokens");
  const json* overlap = member(*settings, "overlap_tokens");
  if (!size && !overlap) return std::string(kDash);
  return value_text(size) + " / " + value_text(overlap);
}

void setting_row(std::string& out, std::string_view label, const json& configs, const std::string& key) {
  out += "<tr" + attr("data-setting", key) + "><th scope=\"row\">" + std::string(label) + "</th>";
  for (const auto& config : configs) {
    const json* settings = member(config, "settings");
    std::string text = key == "chunking"         ? chunking_text(settings)
                       : key == "knowledge_base" ? value_text(member(config, key), 80)
                       : settings                ? value_text(member(*settings, key), 80)
                                                 : std::string(kDash);
    out += "<td>" + text + "</td>";
  }
  out += "</tr>\n";
}

void settings_rows(std::string& out, const json& configs) {
  group_row(out, "Settings", configs.size());
  setting_row(out, "Chunk / overlap (tokens)", configs, "chunking");
  setting_row(out, "Filters", configs, "filters");
  setting_row(out, "Retriever", configs, "retriever");
  setting_row(out, "Answerer", configs, "answerer");
  setting_row(out, "Sources per answer", configs, "sources");
  setting_row(out, "Knowledge base", configs, "knowledge_base");
}

bool any_tokens(const json& configs) {
  return std::any_of(configs.begin(), configs.end(),
                     [](const json& c) { return member(c, "tokens") && member(c, "tokens")->is_object(); });
}

void metric_group(std::string& out, std::string_view title, const std::vector<MetricRow>& rows,
                  const json& configs) {
  if (rows.empty()) return;
  group_row(out, title, configs.size());
  for (const auto& row : rows) metric_row(out, row, configs);
}

void comparison_section(std::string& out, const json& configs) {
  out += "<section id=\"comparison\">\n<h2>Configurations side by side</h2>\n";
  if (configs.empty()) {
    out += "<p class=\"note\">No configurations in this report.</p>\n</section>\n";
    return;
  }
  out += "<div class=\"scroll\"><table class=\"compare\">\n<thead><tr><th scope=\"col\">Configuration</th>";
  for (size_t i = 0; i < configs.size(); ++i)
    out += "<th scope=\"col\">" + escape(config_name(configs[i], i), 80) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  settings_rows(out, configs);
  metric_group(out, "Retrieval", retrieval_rows(), configs);
  metric_group(out, "Answers", answer_rows(), configs);
  metric_group(out, "Latency (ms)", latency_rows(configs), configs);
  if (any_tokens(configs)) metric_group(out, "Model tokens", token_rows(), configs);
  out += "</tbody></table></div>\n";
  out +=
      "<p class=\"note\">Highlighted: the best value of a row, where higher or lower is clearly "
      "better.</p>\n";
  out += "</section>\n";
}

// ---------------------------------------------------------------------------
// SVG building blocks

struct Box {  // a plot area in viewBox units
  double x, y, width, height;
};

struct Axis {  // 0 .. max in steps
  double max = 1, step = 0.2;
  int decimals = 1;
};

Axis nice_axis(double max_value) {
  if (!(max_value > 0) || !std::isfinite(max_value)) max_value = 1;
  double rough = max_value / 5;
  double magnitude = std::pow(10.0, std::floor(std::log10(rough)));
  double step = 10 * magnitude;
  for (double m : {1.0, 2.0, 2.5, 5.0})
    if (m * magnitude >= rough) {
      step = m * magnitude;
      break;
    }
  int decimals = 0;
  while (decimals < 6 &&
         std::abs(step * std::pow(10.0, decimals) - std::round(step * std::pow(10.0, decimals))) > 1e-6)
    ++decimals;
  return {std::ceil(max_value / step - 1e-9) * step, step, decimals};
}

double y_of(const Box& box, const Axis& axis, double value) {
  double share = std::clamp(value / axis.max, 0.0, 1.0);
  return box.y + box.height * (1 - share);
}

double x_of(const Box& box, const Axis& axis, double value) {
  return box.x + box.width * std::clamp(value / axis.max, 0.0, 1.0);
}

void svg_open(std::string& out, std::string_view plot, double width, double height,
              const std::string& title) {
  out += "<svg class=\"plot\"" + attr("data-plot", plot) +
         attr("viewBox", "0 0 " + coord(width) + " " + coord(height)) + " role=\"img\"" +
         attr("aria-label", title);
  // Never drawn larger than its natural size; wide plots keep that size and
  // scroll sideways in their figure.
  out += attr("style", width > 1000 ? "width:" + coord(width) + "px;max-width:none"
                                    : "max-width:" + coord(width) + "px");
  out += "><title>" + title + "</title>\n";
}

void text_at(std::string& out, double x, double y, std::string_view anchor, const std::string& escaped,
             std::string_view extra = "") {
  out += "<text" + attr("x", coord(x)) + attr("y", coord(y)) + attr("text-anchor", anchor) +
         std::string(extra) + ">" + escaped + "</text>\n";
}

void y_axis(std::string& out, const Box& box, const Axis& axis, const std::string& label) {
  int ticks = static_cast<int>(std::lround(axis.max / axis.step));
  for (int i = 0; i <= ticks; ++i) {
    double value = i * axis.step, y = y_of(box, axis, value);
    out += "<line class=\"grid\"" + attr("x1", coord(box.x)) + attr("x2", coord(box.x + box.width)) +
           attr("y1", coord(y)) + attr("y2", coord(y)) + "/>\n";
    text_at(out, box.x - 6, y + 4, "end", fixed(value, axis.decimals));
  }
  double middle = box.y + box.height / 2;
  text_at(out, 0, 0, "middle", label,
          attr("transform", "translate(" + coord(box.x - 40) + "," + coord(middle) + ") rotate(-90)"));
}

void x_baseline(std::string& out, const Box& box) {
  double y = box.y + box.height;
  out += "<line class=\"axis\"" + attr("x1", coord(box.x)) + attr("x2", coord(box.x + box.width)) +
         attr("y1", coord(y)) + attr("y2", coord(y)) + "/>\n";
}

// A row of colour swatches with their names, from (x, y).
void legend(std::string& out, double x, double y, const std::vector<std::string>& names,
            const std::vector<std::string>& colours) {
  out += "<g class=\"legend\">\n";
  for (size_t i = 0; i < names.size(); ++i) {
    out += "<rect" + attr("x", coord(x)) + attr("y", coord(y - 9)) + " width=\"10\" height=\"10\"" +
           attr("fill", colours[i]) + "/>\n";
    text_at(out, x + 14, y, "start", names[i]);
    x += 28 + 6.5 * static_cast<double>(core::utf8_length(names[i]));
  }
  out += "</g>\n";
}

std::string colour(size_t i) {
  return std::string(kColours[i % kColours.size()]);
}

// ---------------------------------------------------------------------------
// Grouped bar charts: a group per configuration, in it a cluster per stage
// (one unnamed cluster for the metrics plot), in it a bar per series.

struct BarCluster {
  std::string label;                          // escaped; empty for none
  std::vector<std::optional<double>> values;  // one per series
};

struct BarGroup {
  std::string name;  // the configuration's, unescaped
  std::vector<BarCluster> clusters;
};

struct BarChart {
  std::string plot, title, y_label;  // escaped
  std::vector<std::string> series, legend;
  std::vector<BarGroup> groups;
  Axis axis;
  int decimals;     // of values in tooltips
  double bar = 12;  // bar width
};

constexpr double kClusterGap = 8, kGroupGap = 28;

double cluster_width(const BarChart& chart) {
  return chart.bar * static_cast<double>(chart.series.size());
}

double group_width(const BarChart& chart, const BarGroup& group) {
  double n = static_cast<double>(group.clusters.size());
  return n * cluster_width(chart) + std::max(0.0, n - 1) * kClusterGap;
}

// The left edge of each group's first cluster.
double natural_width(const BarChart& chart) {
  double width = 0;
  for (const auto& group : chart.groups) width += group_width(chart, group) + kGroupGap;
  return width;
}

// The left edge of each group's first cluster; groups spread over the box.
std::vector<double> group_lefts(const BarChart& chart, const Box& box) {
  double n = static_cast<double>(std::max<size_t>(1, chart.groups.size()));
  double gap = kGroupGap + std::max(0.0, box.width - natural_width(chart)) / n;
  std::vector<double> lefts;
  double x = box.x + gap / 2;
  for (const auto& group : chart.groups) {
    lefts.push_back(x);
    x += group_width(chart, group) + gap;
  }
  return lefts;
}

void bar(std::string& out, const BarChart& chart, const Box& box, double x, double value,
         const std::string& point_attrs, const std::string& tooltip) {
  double top = y_of(box, chart.axis, value);
  // A zero still shows, as a hairline on the axis.
  double height = std::max(1.0, box.y + box.height - top);
  out += "<rect" + attr("x", coord(x)) + attr("y", coord(box.y + box.height - height)) +
         attr("width", coord(chart.bar - 1)) + attr("height", coord(height)) +
         attr("data-value", shortest(value)) + point_attrs + "><title>" + tooltip + "</title></rect>\n";
}

void bar_series(std::string& out, const BarChart& chart, const Box& box, size_t s) {
  out += "<g class=\"series\"" + attr("data-series", chart.series[s]) + attr("fill", colour(s)) + ">\n";
  auto lefts = group_lefts(chart, box);
  for (size_t g = 0; g < chart.groups.size(); ++g) {
    const auto& group = chart.groups[g];
    std::string name = escape(group.name, 80);
    for (size_t c = 0; c < group.clusters.size(); ++c) {
      const auto& cluster = group.clusters[c];
      if (!cluster.values[s]) continue;
      double x = lefts[g] + static_cast<double>(c) * (cluster_width(chart) + kClusterGap) + chart.bar * s;
      std::string point = attr("data-config", name);
      std::string tooltip = name + (cluster.label.empty() ? "" : " \u00b7 " + cluster.label) + " \u00b7 " +
                            chart.legend[s] + ": " + fixed(*cluster.values[s], chart.decimals);
      if (!cluster.label.empty()) point += attr("data-stage", cluster.label);
      bar(out, chart, box, x, *cluster.values[s], point, tooltip);
    }
  }
  out += "</g>\n";
}

bool has_cluster_labels(const BarChart& chart) {
  for (const auto& group : chart.groups)
    for (const auto& cluster : group.clusters)
      if (!cluster.label.empty()) return true;
  return false;
}

// Text turned by `degrees` around its end at (x, y).
void slanted_text(std::string& out, double x, double y, double degrees, const std::string& escaped) {
  text_at(out, 0, 0, "end", escaped,
          attr("transform", "translate(" + coord(x) + "," + coord(y) + ") rotate(" + coord(degrees) + ")"));
}

// Slanted stage names under their clusters, then the configuration's name
// under its group: level when there are stage names, else slanted.
void bar_labels(std::string& out, const BarChart& chart, const Box& box) {
  auto lefts = group_lefts(chart, box);
  double y = box.y + box.height + 14;
  bool stages = has_cluster_labels(chart);
  for (size_t g = 0; g < chart.groups.size(); ++g) {
    const auto& group = chart.groups[g];
    for (size_t c = 0; stages && c < group.clusters.size(); ++c) {
      double x =
          lefts[g] + static_cast<double>(c) * (cluster_width(chart) + kClusterGap) + cluster_width(chart) / 2;
      slanted_text(out, x + 4, y, -40, group.clusters[c].label);
    }
    double middle = lefts[g] + group_width(chart, group) / 2;
    if (stages)
      text_at(out, middle, y + 60, "middle", escape(group.name, kLabelChars), " class=\"title\"");
    else
      slanted_text(out, middle + 4, y + 4, -30, escape(group.name, kLabelChars));
  }
}

std::string bar_chart(const BarChart& chart) {
  Box box{64, 40, std::max(560.0, natural_width(chart)), 240};
  double bottom = has_cluster_labels(chart) ? 120 : 100;
  std::string out;
  svg_open(out, chart.plot, box.x + box.width + 16, box.y + box.height + bottom, chart.title);
  y_axis(out, box, chart.axis, chart.y_label);
  for (size_t s = 0; s < chart.series.size(); ++s) bar_series(out, chart, box, s);
  x_baseline(out, box);
  bar_labels(out, chart, box);
  std::vector<std::string> colours;
  for (size_t s = 0; s < chart.series.size(); ++s) colours.push_back(colour(s));
  legend(out, box.x, 18, chart.legend, colours);
  out += "</svg>\n";
  return out;
}

// ---------------------------------------------------------------------------
// The plots of the report

size_t plotted(const json& configs) {
  return std::min(configs.size(), kPlottedConfigs);
}

std::string metrics_plot(const json& configs) {
  BarChart chart{"metrics", "Retrieval and answers by configuration", "share of questions", {}, {}, {}, {},
                 3};
  chart.series = {"recall_at_1", "recall_at_5", "recall_at_10", "mrr", "ndcg_at_10", "accuracy"};
  chart.legend = {"Recall@1", "Recall@5", "Recall@10", "MRR", "nDCG@10", "Accuracy"};
  for (size_t i = 0; i < plotted(configs); ++i) {
    BarCluster cluster;
    for (size_t s = 0; s + 1 < chart.series.size(); ++s)
      cluster.values.push_back(number_at(configs[i], {"retrieval", chart.series[s]}));
    cluster.values.push_back(number_at(configs[i], {"answers", "accuracy"}));
    chart.groups.push_back({config_name(configs[i], i), {cluster}});
  }
  return bar_chart(chart);
}

BarGroup latency_group(const json& config, size_t index, const std::vector<std::string>& stages,
                       double& max) {
  BarGroup group{config_name(config, index), {}};
  for (const auto& stage : stages) {
    BarCluster cluster{escape(stage_label(stage)), {}};
    for (std::string p : {"p50", "p95", "p99"}) {
      auto value = number_at(config, {"latency_ms", stage, p});
      if (value) max = std::max(max, *value);
      cluster.values.push_back(value);
    }
    group.clusters.push_back(cluster);
  }
  return group;
}

std::string latency_plot(const json& configs, const std::vector<std::string>& stages) {
  BarChart chart{"latency", "Latency by stage and configuration", "milliseconds", {}, {}, {}, {}, 2, 8};
  chart.series = {"p50", "p95", "p99"};
  chart.legend = {"p50", "p95", "p99"};
  double max = 0;
  for (size_t i = 0; i < plotted(configs); ++i)
    chart.groups.push_back(latency_group(configs[i], i, stages, max));
  chart.axis = nice_axis(max);
  return bar_chart(chart);
}

// ---------------------------------------------------------------------------
// The chunking sweep: recall@5 (and accuracy) against chunk size

struct SweepPoint {
  double chunk, overlap, value;
};

struct SweepLine {
  std::string series, legend, colour;
  bool filters;  // drawn as squares without a line
  std::vector<SweepPoint> points;
};

// The overlaps of the sweep's rows, ascending: an overlap's colour is its place here.
std::vector<double> sweep_overlaps(const json& sweep) {
  std::vector<double> overlaps;
  for (const auto& row : sweep)
    if (auto overlap = number_of(row, "overlap_tokens")) overlaps.push_back(*overlap);
  std::sort(overlaps.begin(), overlaps.end());
  overlaps.erase(std::unique(overlaps.begin(), overlaps.end()), overlaps.end());
  return overlaps;
}

std::string overlap_colour(const json& sweep, double overlap) {
  auto overlaps = sweep_overlaps(sweep);
  return colour(
      static_cast<size_t>(std::lower_bound(overlaps.begin(), overlaps.end(), overlap) - overlaps.begin()));
}

// The lines of one metric ("recall_at_5" or "accuracy"), by overlap.
std::vector<SweepLine> sweep_lines(const json& sweep, const std::string& metric, const std::string& prefix) {
  std::map<double, std::vector<SweepPoint>> by_overlap;
  std::vector<SweepPoint> filtered;
  for (const auto& row : sweep) {
    auto chunk = number_of(row, "chunk_tokens"), overlap = number_of(row, "overlap_tokens");
    auto value = number_of(row, metric);
    if (!chunk || !overlap || !value) continue;
    const json* filters = member(row, "filters");
    bool with_filters = filters && filters->is_boolean() && filters->get<bool>();
    (with_filters ? filtered : by_overlap[*overlap]).push_back({*chunk, *overlap, *value});
  }
  std::vector<SweepLine> lines;
  for (auto& [overlap, points] : by_overlap)
    lines.push_back({prefix + "overlap-" + shortest(overlap), "overlap " + shortest(overlap),
                     overlap_colour(sweep, overlap), false, std::move(points)});
  if (!filtered.empty())
    lines.push_back({prefix + "filters", "with filters", "#323f4b", true, std::move(filtered)});
  for (auto& line : lines)
    std::sort(line.points.begin(), line.points.end(),
              [](const SweepPoint& a, const SweepPoint& b) { return a.chunk < b.chunk; });
  return lines;
}

void sweep_marker(std::string& out, const SweepLine& line, const SweepPoint& p, double x, double y) {
  std::string point = attr("data-value", shortest(p.value)) + attr("data-chunk", shortest(p.chunk)) +
                      attr("data-overlap", shortest(p.overlap));
  std::string tooltip = shortest(p.chunk) + "/" + shortest(p.overlap) + (line.filters ? " + filters" : "") +
                        ": " + fixed(p.value, 3);
  if (line.filters)
    out += "<rect" + attr("x", coord(x - 4)) + attr("y", coord(y - 4)) + " width=\"8\" height=\"8\"" + point;
  else
    out += "<circle" + attr("cx", coord(x)) + attr("cy", coord(y)) + " r=\"3.5\"" + point;
  out += "><title>" + tooltip + "</title></" + (line.filters ? "rect" : "circle") + ">\n";
}

void sweep_line(std::string& out, const SweepLine& line, const Box& box, const Axis& x_axis) {
  Axis unit;
  out += "<g class=\"series\"" + attr("data-series", line.series) + attr("fill", line.colour) + ">\n";
  if (!line.filters && line.points.size() > 1) {
    std::string points;
    for (const auto& p : line.points)
      points += coord(x_of(box, x_axis, p.chunk)) + "," + coord(y_of(box, unit, p.value)) + " ";
    out += "<polyline fill=\"none\" stroke-width=\"2\"" + attr("stroke", line.colour) +
           attr("points", points) + "/>\n";
  }
  for (const auto& p : line.points)
    sweep_marker(out, line, p, x_of(box, x_axis, p.chunk), y_of(box, unit, p.value));
  out += "</g>\n";
}

void x_axis_ticks(std::string& out, const Box& box, const Axis& axis, const std::string& label) {
  x_baseline(out, box);
  int ticks = static_cast<int>(std::lround(axis.max / axis.step));
  for (int i = 0; i <= ticks; ++i) {
    double value = i * axis.step, x = x_of(box, axis, value);
    text_at(out, x, box.y + box.height + 16, "middle", fixed(value, axis.decimals));
  }
  text_at(out, box.x + box.width / 2, box.y + box.height + 36, "middle", label);
}

void sweep_panel(std::string& out, const Box& box, const Axis& x_axis, const std::string& title,
                 const std::vector<SweepLine>& lines) {
  text_at(out, box.x, box.y - 10, "start", title, " class=\"title\"");
  y_axis(out, box, Axis{}, "share of questions");
  x_axis_ticks(out, box, x_axis, "chunk size (tokens)");
  for (const auto& line : lines) sweep_line(out, line, box, x_axis);
}

double max_chunk(const std::vector<SweepLine>& lines) {
  double max = 0;
  for (const auto& line : lines)
    for (const auto& p : line.points) max = std::max(max, p.chunk);
  return max;
}

std::string chunking_plot(const json& sweep) {
  auto recall = sweep_lines(sweep, "recall_at_5", "");
  auto accuracy = sweep_lines(sweep, "accuracy", "accuracy-");
  Axis x_axis = nice_axis(max_chunk(recall));
  double panel = 420, width = accuracy.empty() ? panel + 40 : 2 * panel + 40;
  std::string out;
  svg_open(out, "chunking", width, 340, "Recall@5 and accuracy against chunk size");
  sweep_panel(out, Box{64, 70, panel - 100, 200}, x_axis, "Recall@5", recall);
  if (!accuracy.empty())
    sweep_panel(out, Box{64 + panel, 70, panel - 100, 200}, x_axis, "Answer accuracy", accuracy);
  std::vector<std::string> names, colours;
  for (const auto& line : recall) {
    names.push_back(line.legend);
    colours.push_back(line.colour);
  }
  legend(out, 64, 18, names, colours);
  out += "</svg>\n";
  return out;
}

void figure(std::string& out, std::string_view caption, const std::string& svg) {
  out += "<figure>\n<figcaption>" + std::string(caption) + "</figcaption>\n" + svg + "</figure>\n";
}

std::string classic_note(const json& experiment) {
  std::string names;
  for (const auto& name : array_of(experiment, "classic"))
    names += (names.empty() ? "" : ", ") + value_text(&name, 80);
  return names.empty() ? "" : "<p class=\"note\">Classic comparison in the table: " + names + ".</p>\n";
}

void plots_section(std::string& out, const json& report, const json& configs) {
  out += "<section id=\"plots\">\n<h2>Plots</h2>\n";
  if (configs.empty()) out += "<p class=\"note\">No configurations: nothing to plot.</p>\n";
  if (configs.size() > kPlottedConfigs)
    out += "<p class=\"note\">The first " + std::to_string(kPlottedConfigs) + " of " +
           std::to_string(configs.size()) + " configurations are plotted; the table has them all.</p>\n";
  if (!configs.empty()) figure(out, "Retrieval and answers by configuration", metrics_plot(configs));
  auto stages = latency_stages(configs);
  if (!stages.empty()) figure(out, "Latency per stage (p50, p95, p99)", latency_plot(configs, stages));
  const json* experiment = member(report, "experiment");
  if (experiment && !array_of(*experiment, "sweep").empty()) {
    figure(out, "Chunking experiment: recall@5 and accuracy by chunk size and overlap",
           chunking_plot(array_of(*experiment, "sweep")));
    out += classic_note(*experiment);
  }
  out += "</section>\n";
}

// ---------------------------------------------------------------------------
// Per-question details

constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kVerdicts = {{
    {"retrieval miss", "v-miss"},
    {"false abstention", "v-false-abstention"},
    {"wrong answer", "v-wrong"},
    {"answered unanswerable", "v-unanswerable"},
    {"correct", "v-correct"},
    {"correct abstention", "v-correct-abstention"},
}};

std::string verdict_class(const std::string& verdict) {
  for (const auto& [name, css] : kVerdicts)
    if (verdict == name) return std::string(css);
  return "v-other";
}

// "307 questions · 12 retrieval miss · 240 correct", known verdicts first.
std::string verdict_counts(const json& details) {
  std::map<std::string, size_t> counts;
  for (const auto& d : details) ++counts[string_of(d, "verdict")];
  std::string out = std::to_string(details.size()) + (details.size() == 1 ? " question" : " questions");
  for (const auto& [name, css] : kVerdicts) {
    auto it = counts.find(std::string(name));
    if (it == counts.end()) continue;
    out += " \u00b7 " + std::to_string(it->second) + " " + std::string(name);
    counts.erase(it);
  }
  for (const auto& [name, count] : counts)
    out += " \u00b7 " + std::to_string(count) + " " + (name.empty() ? "no verdict" : escape(name, 40));
  return out;
}

std::string answer_cell(const json& detail) {
  const json* abstained = member(detail, "abstained");
  bool did_abstain = abstained && abstained->is_boolean() && abstained->get<bool>();
  return (did_abstain ? "<span class=\"tag\">abstained</span>" : "") + value_text(member(detail, "answer"));
}

std::string number_cell(const json& detail, const std::string& key, int decimals) {
  auto value = number_of(detail, key);
  return "<td class=\"num\">" + (value ? fixed(*value, decimals) : std::string(kDash)) + "</td>";
}

void question_row(std::string& out, const json& detail) {
  std::string verdict = string_of(detail, "verdict");
  out += "<tr" + attr("class", verdict_class(verdict)) + "><td>" + value_text(member(detail, "id"), 80) +
         "</td><td>" + (verdict.empty() ? std::string(kDash) : escape(verdict, 80)) + "</td><td>" +
         value_text(member(detail, "question")) + "</td><td>" + value_text(member(detail, "expected")) +
         "</td><td>" + answer_cell(detail) + "</td>" + number_cell(detail, "found_rank", 0) +
         number_cell(detail, "removed", 0) + number_cell(detail, "total_ms", 2) + "</tr>\n";
}

void questions_table(std::string& out, const json& details) {
  out +=
      "<div class=\"scroll\"><table "
      "class=\"questions\">\n<thead><tr><th>Id</th><th>Verdict</th><th>Question</th>"
      "<th>Expected</th><th>Answer</th><th>Found "
      "rank</th><th>Removed</th><th>ms</th></tr></thead>\n<tbody>\n";
  size_t shown = std::min(details.size(), kQuestionRowsShown);
  for (size_t i = 0; i < shown; ++i) question_row(out, details[i]);
  out += "</tbody></table></div>\n";
  if (details.size() > shown)
    out += "<p class=\"more\">" + std::to_string(details.size() - shown) + " more in report.json</p>\n";
}

void config_questions(std::string& out, const json& config, size_t index) {
  const json& details = array_of(config, "details");
  out += "<details class=\"questions\"" + attr("data-config", escape(config_name(config, index), 80)) +
         "><summary>" + escape(config_name(config, index), 80) + " <span>" + verdict_counts(details) +
         "</span></summary>\n";
  if (details.empty())
    out += "<p class=\"note\">No per-question details.</p>\n";
  else
    questions_table(out, details);
  out += "</details>\n";
}

void questions_section(std::string& out, const json& configs) {
  out += "<section id=\"questions\">\n<h2>Questions, worst first</h2>\n";
  if (configs.empty()) out += "<p class=\"note\">No configurations in this report.</p>\n";
  for (size_t i = 0; i < configs.size(); ++i) config_questions(out, configs[i], i);
  out += "</section>\n";
}

}  // namespace

std::string report_html(const nlohmann::json& report) {
  std::string out;
  out.reserve(1 << 16);
  page_head(out, report);
  header_section(out, report);
  out += "<main>\n";
  const json& configs = array_of(report, "configs");
  comparison_section(out, configs);
  plots_section(out, report, configs);
  questions_section(out, configs);
  out += "</main>\n</body>\n</html>\n";
  return out;
}

}  // namespace groundline::eval

#define PCRE2_CODE_UNIT_WIDTH 8
#include "ingest/metadata.h"

#include <pcre2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "core/files.h"
#include "core/hash.h"
#include "core/utf8.h"

namespace groundline::ingest {

namespace {

// A compiled PCRE2 pattern (JIT where available). Matching is thread-safe:
// each call uses its own match data.
class Regex {
 public:
  static Result<Regex> compile(const std::string& pattern, uint32_t options = 0) {
    int error = 0;
    PCRE2_SIZE offset = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                     options | PCRE2_UTF, &error, &offset, nullptr);
    if (!code) {
      PCRE2_UCHAR message[256];
      pcre2_get_error_message(error, message, sizeof message);
      return make_error("invalid pattern \"" + pattern + "\" at offset " + std::to_string(offset) + ": " +
                        reinterpret_cast<char*>(message));
    }
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    return Regex(code);
  }

  Regex(Regex&& other) noexcept : code_(std::exchange(other.code_, nullptr)) {}
  Regex& operator=(Regex&& other) noexcept {
    std::swap(code_, other.code_);
    return *this;
  }
  ~Regex() { pcre2_code_free(code_); }

  // Calls fn(groups) for each match; groups[0] is the whole match, an
  // unmatched group is empty.
  template <class Fn>
  void for_each_match(std::string_view text, Fn&& fn) const {
    pcre2_match_data* data = pcre2_match_data_create_from_pattern(code_, nullptr);
    PCRE2_SIZE start = 0;
    std::vector<std::string_view> groups;
    while (start <= text.size()) {
      int rc = pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), start,
                           PCRE2_NO_UTF_CHECK, data, nullptr);
      if (rc <= 0) break;
      PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data);
      groups.clear();
      for (int g = 0; g < rc; ++g)
        groups.push_back(ov[2 * g] == PCRE2_UNSET ? std::string_view()
                                                  : text.substr(ov[2 * g], ov[2 * g + 1] - ov[2 * g]));
      fn(groups);
      start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
    }
    pcre2_match_data_free(data);
  }

 private:
  explicit Regex(pcre2_code* code) : code_(code) {}
  pcre2_code* code_ = nullptr;
};

constexpr const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                   "jul", "aug", "sep", "oct", "nov", "dec"};

int month_number(std::string_view name) {
  std::string lower = core::to_lower(name.substr(0, 3));
  for (int i = 0; i < 12; ++i)
    if (lower == kMonths[i]) return i + 1;
  return 0;
}

std::string iso_date(int year, int month, int day) {
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1970 || year > 2199 || month < 1 || month > 12 || day < 1 || day > kDays[month - 1]) return {};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
  return buf;
}

int to_int(std::string_view digits) {
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

const char* kMonthAlternation =
    "(January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\\.?";

std::string date_from_groups(const std::vector<std::string_view>& g) {
  if (g.size() > 3 && !g[1].empty()) return iso_date(to_int(g[1]), to_int(g[2]), to_int(g[3]));
  if (g.size() > 6 && !g[4].empty()) return iso_date(to_int(g[6]), month_number(g[4]), to_int(g[5]));
  if (g.size() > 9 && !g[8].empty()) return iso_date(to_int(g[9]), month_number(g[8]), to_int(g[7]));
  return {};
}

std::string date_pattern() {
  return std::string("\\b(\\d{4})-(\\d{2})-(\\d{2})(?![0-9])|\\b") + kMonthAlternation +
         " (\\d{1,2}),? (\\d{4})\\b|\\b(\\d{1,2}) " + kMonthAlternation + ",? (\\d{4})\\b";
}

std::string escape_regex(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

void add_unique(std::vector<std::string>& list, std::string value) {
  if (!value.empty() && std::find(list.begin(), list.end(), value) == list.end())
    list.push_back(std::move(value));
}

}  // namespace

struct MetadataExtractor::Patterns {
  Regex codes;
  Regex dates;
  std::optional<Regex> products;
};

std::string IngestConfig::fingerprint() const {
  std::ostringstream out;
  out << "v1|" << chunking.max_tokens << '|' << chunking.overlap_tokens << '|' << code_pattern;
  for (const auto& p : products) out << "|p:" << p;
  for (const auto& c : code_categories) out << "|c:" << c.prefix << '=' << c.category;
  return core::content_hash(out.str()).substr(0, 16);
}

Result<IngestConfig> parse_config(std::string_view yaml, const std::string& file_name) {
  IngestConfig config;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return make_error(file_name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (root.IsNull()) return config;
  if (!root.IsMap()) return make_error(file_name + ": expected a mapping of settings");
  try {
    if (auto products = root["products"]) config.products = products.as<std::vector<std::string>>();
    if (auto codes = root["error_codes"]) {
      if (auto pattern = codes["pattern"]) config.code_pattern = pattern.as<std::string>();
      for (const auto& c : codes["categories"])
        config.code_categories.push_back({c["prefix"].as<std::string>(), c["category"].as<std::string>()});
    }
    if (auto chunks = root["chunking"]) {
      if (auto t = chunks["tokens"]) config.chunking.max_tokens = t.as<int>();
      if (auto o = chunks["overlap"]) config.chunking.overlap_tokens = o.as<int>();
    }
    if (auto limit = root["max_file_mb"])
      config.max_file_bytes = static_cast<int64_t>(limit.as<double>() * (1 << 20));
  } catch (const YAML::Exception& e) {
    return make_error(file_name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (auto probe = Regex::compile(config.code_pattern); !probe.ok())
    return make_error(file_name + ": error_codes.pattern: " + probe.message());
  return config;
}

Result<IngestConfig> load_config(const std::string& path) {
  auto text = core::read_whole_file(path);
  if (!text) return make_error(path + ": cannot read the configuration");
  return parse_config(*text, path);
}

std::string config_to_json(const IngestConfig& config) {
  nlohmann::json categories = nlohmann::json::array();
  for (const auto& c : config.code_categories)
    categories.push_back({{"prefix", c.prefix}, {"category", c.category}});
  return nlohmann::json{{"products", config.products},
                        {"code_pattern", config.code_pattern},
                        {"code_categories", categories},
                        {"chunk_tokens", config.chunking.max_tokens},
                        {"chunk_overlap", config.chunking.overlap_tokens},
                        {"max_file_bytes", config.max_file_bytes}}
      .dump();
}

Result<IngestConfig> config_from_json(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return make_error("stored ingest settings are not JSON");
  IngestConfig config;
  try {
    config.products = j.value("products", config.products);
    config.code_pattern = j.value("code_pattern", config.code_pattern);
    for (const auto& c : j.value("code_categories", nlohmann::json::array()))
      config.code_categories.push_back(
          {c.at("prefix").get<std::string>(), c.at("category").get<std::string>()});
    config.chunking.max_tokens = j.value("chunk_tokens", config.chunking.max_tokens);
    config.chunking.overlap_tokens = j.value("chunk_overlap", config.chunking.overlap_tokens);
    config.max_file_bytes = j.value("max_file_bytes", config.max_file_bytes);
  } catch (const nlohmann::json::exception& e) {
    return make_error(std::string("stored ingest settings: ") + e.what());
  }
  return config;
}

MetadataExtractor::MetadataExtractor(const IngestConfig& config, std::unique_ptr<Patterns> patterns)
    : config_(config), patterns_(std::move(patterns)) {}
MetadataExtractor::MetadataExtractor(MetadataExtractor&&) noexcept = default;
MetadataExtractor& MetadataExtractor::operator=(MetadataExtractor&&) noexcept = default;
MetadataExtractor::~MetadataExtractor() = default;

Result<MetadataExtractor> MetadataExtractor::create(const IngestConfig& config) {
  GL_ASSIGN_OR_RETURN(Regex codes, Regex::compile(config.code_pattern));
  GL_ASSIGN_OR_RETURN(Regex dates, Regex::compile(date_pattern()));
  std::optional<Regex> products;
  if (!config.products.empty()) {
    std::string alternation;
    for (const auto& p : config.products) alternation += (alternation.empty() ? "" : "|") + escape_regex(p);
    GL_ASSIGN_OR_RETURN(Regex compiled, Regex::compile("\\b(?:" + alternation + ")\\b"));
    products.emplace(std::move(compiled));
  }
  auto patterns =
      std::make_unique<Patterns>(Patterns{std::move(codes), std::move(dates), std::move(products)});
  return MetadataExtractor(config, std::move(patterns));
}

std::vector<std::string> MetadataExtractor::codes_in(std::string_view text) const {
  std::vector<std::string> codes;
  patterns_->codes.for_each_match(text, [&](const std::vector<std::string_view>& g) {
    std::string code(g[0]);
    for (char& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    add_unique(codes, std::move(code));
  });
  return codes;
}

std::string MetadataExtractor::category_of(std::string_view code) const {
  const ErrorCodeCategory* best = nullptr;
  for (const auto& c : config_.code_categories)
    if (code.starts_with(c.prefix) && (!best || c.prefix.size() > best->prefix.size())) best = &c;
  return best ? core::to_lower(best->category) : std::string();
}

std::vector<std::string> MetadataExtractor::dates_in(std::string_view text) const {
  std::vector<std::string> dates;
  patterns_->dates.for_each_match(
      text, [&](const std::vector<std::string_view>& g) { add_unique(dates, date_from_groups(g)); });
  return dates;
}

std::vector<std::string> MetadataExtractor::products_in(std::string_view text) const {
  std::vector<std::string> found;
  if (!patterns_->products) return found;
  patterns_->products->for_each_match(
      text, [&](const std::vector<std::string_view>& g) { add_unique(found, core::to_lower(g[0])); });
  return found;
}

std::string parse_date(std::string_view text) {
  static const Regex whole = std::move(Regex::compile("^\\s*(?:" + date_pattern() + ")").value());
  std::string date;
  whole.for_each_match(text, [&](const std::vector<std::string_view>& g) {
    if (date.empty()) date = date_from_groups(g);
  });
  return date;
}

namespace {

// Front matter keys and the tag each becomes.
const std::map<std::string, std::string>& known_fields() {
  static const std::map<std::string, std::string> kFields = {{"product", "product"},
                                                             {"products", "product"},
                                                             {"plan", "plan"},
                                                             {"plans", "plan"},
                                                             {"category", "category"},
                                                             {"categories", "category"},
                                                             {"tags", "tag"},
                                                             {"tag", "tag"},
                                                             {"keywords", "tag"},
                                                             {"updated", "updated"},
                                                             {"last_updated", "updated"},
                                                             {"last-updated", "updated"},
                                                             {"lastmod", "updated"},
                                                             {"modified", "updated"},
                                                             {"date", "updated"},
                                                             {"visibility", "visibility"}};
  return kFields;
}

bool is_free_text_field(const std::string& key) {
  return key == "title" || key == "description" || key == "summary" || key == "author" || key == "authors" ||
         key == "slug" || key == "layout";
}

}  // namespace

Result<std::vector<kb::Tag>> MetadataExtractor::document_tags(const ParsedDocument& doc) const {
  std::set<kb::Tag> tags;
  for (const auto& [key, values] : doc.fields) {
    if (is_free_text_field(key)) continue;
    auto known = known_fields().find(key);
    std::string tag_key = known != known_fields().end() ? known->second : key;
    for (const auto& raw : values) {
      std::string value(core::trim(core::normalize_line(raw)));
      if (value.empty()) continue;
      if (tag_key == "updated") {
        std::string date = parse_date(value);
        if (date.empty())
          return make_error("front matter field '" + key + "': \"" + value +
                            "\" is not a date (use YYYY-MM-DD)");
        value = date;
      } else if (value.size() > 200) {
        continue;  // long prose is not a tag
      } else {
        value = core::to_lower(value);
      }
      tags.insert({tag_key, value});
    }
  }
  auto has = [&](const char* key) {
    return std::any_of(tags.begin(), tags.end(), [&](const kb::Tag& t) { return t.key == key; });
  };
  std::string text;
  for (const auto& line : doc.lines) text += line + "\n";
  text += doc.title;
  if (!has("product"))
    for (auto& p : products_in(text)) tags.insert({"product", std::move(p)});
  if (!has("category")) {
    std::map<std::string, int> votes;
    for (const auto& code : codes_in(text))
      if (auto c = category_of(code); !c.empty()) votes[c]++;
    auto best = std::max_element(votes.begin(), votes.end(),
                                 [](const auto& a, const auto& b) { return a.second < b.second; });
    if (best != votes.end()) tags.insert({"category", best->first});
  }
  if (!has("updated")) {
    auto dates = dates_in(text);
    if (!dates.empty()) tags.insert({"updated", *std::max_element(dates.begin(), dates.end())});
  }
  if (!has("visibility")) tags.insert({"visibility", "public"});
  return std::vector<kb::Tag>(tags.begin(), tags.end());
}

void MetadataExtractor::tag_chunk(kb::Chunk& chunk, const std::vector<kb::Tag>& document_tags) const {
  chunk.codes = codes_in(chunk.text);
  std::set<kb::Tag> tags(document_tags.begin(), document_tags.end());
  for (const auto& code : chunk.codes) {
    tags.insert({"code", code});
    if (auto c = category_of(code); !c.empty()) tags.insert({"category", c});
  }
  chunk.tags.assign(tags.begin(), tags.end());
}

}  // namespace groundline::ingest

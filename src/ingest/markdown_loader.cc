// Markdown: YAML front matter, then the body's lines classified by their
// block syntax. Line 1 is the first line after the front matter.
#include <yaml-cpp/yaml.h>

#include <cctype>

#include "core/utf8.h"
#include "ingest/loaders.h"

namespace groundline::ingest {

namespace {

bool is_fence(std::string_view line) {
  size_t i = line.find_first_not_of(' ');
  if (i == std::string_view::npos || i > 3) return false;
  return line.substr(i).starts_with("```") || line.substr(i).starts_with("~~~");
}

int atx_level(std::string_view line) {
  size_t i = line.find_first_not_of(' ');
  if (i == std::string_view::npos || i > 3) return 0;
  int level = 0;
  while (i < line.size() && line[i] == '#') ++level, ++i;
  if (level == 0 || level > 6) return 0;
  if (i < line.size() && line[i] != ' ') return 0;
  return level;
}

bool is_list_item(std::string_view line) {
  size_t i = line.find_first_not_of(' ');
  if (i == std::string_view::npos) return false;
  char c = line[i];
  if ((c == '-' || c == '*' || c == '+') && i + 1 < line.size() && line[i + 1] == ' ') return true;
  size_t j = i;
  while (j < line.size() && std::isdigit(static_cast<unsigned char>(line[j]))) ++j;
  return j > i && j - i <= 9 && j + 1 < line.size() && (line[j] == '.' || line[j] == ')') &&
         line[j + 1] == ' ';
}

// True when the line has no letter or digit (rules, table separators).
bool has_no_words(std::string_view line) {
  for (char c : line)
    if (std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

bool is_underline(std::string_view line, char c) {
  size_t i = line.find_first_not_of(' ');
  if (i == std::string_view::npos || i > 3) return false;
  size_t n = 0;
  for (; i < line.size() && line[i] == c; ++i) ++n;
  return n >= 2 && line.find_first_not_of(' ', i) == std::string_view::npos;
}

bool is_indented(std::string_view line) {
  return line.starts_with("  ");
}

// Splits "---\nyaml\n---\nbody" into the YAML text and the body. The body
// starts after the closing line. No front matter: all is body.
struct FrontMatterSplit {
  std::string_view yaml;
  std::string_view body;
  bool present = false;
};

Result<FrontMatterSplit> split_front_matter(std::string_view bytes) {
  if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
  auto first_end = bytes.find('\n');
  std::string_view first = bytes.substr(0, first_end);
  if (!first.empty() && first.back() == '\r') first.remove_suffix(1);
  if (first != "---" || first_end == std::string_view::npos) return FrontMatterSplit{{}, bytes, false};
  size_t pos = first_end + 1;
  while (pos <= bytes.size()) {
    size_t end = bytes.find('\n', pos);
    std::string_view line = bytes.substr(pos, end == std::string_view::npos ? end : end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line == "---" || line == "...") {
      std::string_view body = end == std::string_view::npos ? std::string_view() : bytes.substr(end + 1);
      return FrontMatterSplit{bytes.substr(first_end + 1, pos - first_end - 1), body, true};
    }
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return make_error("front matter opened at line 1 is never closed with '---'");
}

Status read_scalar_or_list(const std::string& key, const YAML::Node& node, std::vector<std::string>& out) {
  if (node.IsNull()) return {};
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
    return {};
  }
  if (node.IsSequence()) {
    for (const auto& item : node) {
      if (!item.IsScalar())
        return make_error("front matter field '" + key + "' must be a text or a list of texts");
      out.push_back(item.Scalar());
    }
    return {};
  }
  return make_error("front matter field '" + key + "' must be a text or a list of texts");
}

Result<std::map<std::string, std::vector<std::string>>> parse_front_matter(std::string_view yaml) {
  std::map<std::string, std::vector<std::string>> fields;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    // Line 1 of the file is the opening '---'; YAML's lines count from 0.
    return make_error("malformed front matter at line " + std::to_string(e.mark.line + 2) + ": " + e.msg);
  }
  if (root.IsNull()) return fields;
  if (!root.IsMap()) return make_error("malformed front matter: expected 'key: value' lines");
  for (const auto& entry : root) {
    if (!entry.first.IsScalar()) return make_error("malformed front matter: a key is not text");
    std::string key = core::to_lower(entry.first.Scalar());
    auto& values = fields[key];
    GL_TRY(read_scalar_or_list(key, entry.second, values));
  }
  return fields;
}

}  // namespace

std::string heading_text(std::string_view line) {
  size_t i = line.find_first_not_of(" #");
  if (i == std::string_view::npos) return {};
  std::string_view text = line.substr(i);
  while (!text.empty() && (text.back() == '#' || text.back() == ' ')) text.remove_suffix(1);
  return std::string(text);
}

std::vector<LineInfo> classify_markdown(const std::vector<std::string>& lines) {
  std::vector<LineInfo> info(lines.size());
  bool in_code = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    LineInfo& li = info[i];
    if (is_fence(line)) {
      li.kind = LineKind::kCode;
      in_code = !in_code;
      continue;
    }
    if (in_code) {
      li.kind = LineKind::kCode;
      continue;
    }
    LineKind previous = i > 0 ? info[i - 1].kind : LineKind::kBlank;
    if (line.empty()) continue;
    if (int level = atx_level(line)) {
      li = {LineKind::kHeading, level};
    } else if (previous == LineKind::kParagraph && (is_underline(line, '=') || is_underline(line, '-'))) {
      info[i - 1] = {LineKind::kHeading, line.find('=') != std::string_view::npos ? 1 : 2};
    } else if (has_no_words(line)) {
      continue;  // rules and table separators carry no text
    } else if (line.find_first_not_of(' ') != std::string_view::npos &&
               line[line.find_first_not_of(' ')] == '|') {
      li.kind = LineKind::kTableRow;
    } else if (is_list_item(line)) {
      li.kind = LineKind::kListItem;
    } else if ((previous == LineKind::kListItem || previous == LineKind::kContinued) && is_indented(line)) {
      li.kind = LineKind::kContinued;
    } else {
      li.kind = LineKind::kParagraph;
    }
  }
  return info;
}

Result<ParsedDocument> load_markdown(std::string_view bytes) {
  GL_ASSIGN_OR_RETURN(auto split, split_front_matter(bytes));
  ParsedDocument doc;
  if (split.present) {
    if (auto status = core::check_utf8(split.yaml); !status.ok())
      return make_error("front matter: " + status.message());
    GL_ASSIGN_OR_RETURN(doc.fields, parse_front_matter(split.yaml));
  }
  GL_ASSIGN_OR_RETURN(doc.lines, core::normalize_text(split.body));
  doc.info = classify_markdown(doc.lines);
  if (auto it = doc.fields.find("title"); it != doc.fields.end() && !it->second.empty())
    doc.title = it->second.front();
  for (size_t i = 0; i < doc.lines.size() && doc.title.empty(); ++i)
    if (doc.info[i].kind == LineKind::kHeading && doc.info[i].level == 1)
      doc.title = heading_text(doc.lines[i]);
  return doc;
}

Result<ParsedDocument> load_text(std::string_view bytes) {
  ParsedDocument doc;
  GL_ASSIGN_OR_RETURN(doc.lines, core::normalize_text(bytes));
  doc.info.resize(doc.lines.size());
  for (size_t i = 0; i < doc.lines.size(); ++i) {
    if (doc.lines[i].empty() || has_no_words(doc.lines[i])) continue;
    doc.info[i].kind = is_list_item(doc.lines[i]) ? LineKind::kListItem : LineKind::kParagraph;
    if (doc.title.empty()) doc.title = doc.lines[i];
  }
  return doc;
}

}  // namespace groundline::ingest

#include "answer/sources.h"

#include <algorithm>
#include <map>

namespace groundline::answer {
namespace {

Source source_from(const retrieve::Hit& hit) {
  Source s;
  s.doc_id = hit.doc_id;
  s.path = hit.path;
  s.title = hit.title;
  s.version = hit.version;
  s.first_line = hit.first_line;
  s.last_line = hit.last_line;
  s.heading_path = hit.heading_path;
  s.score = hit.score;
  return s;
}

// Widens `s` to lines [first, last] of the same version when they overlap
// or touch.
bool absorb(Source& s, const Source& other) {
  if (s.doc_id != other.doc_id || s.version != other.version || other.first_line > s.last_line + 1 ||
      other.last_line + 1 < s.first_line)
    return false;
  s.first_line = std::min(s.first_line, other.first_line);
  s.last_line = std::max(s.last_line, other.last_line);
  s.score = std::max(s.score, other.score);
  return true;
}

}  // namespace

Result<std::vector<Source>> build_sources(kb::Store& store, const std::vector<retrieve::Hit>& hits) {
  std::vector<Source> sources;
  for (const auto& hit : hits) sources.push_back(source_from(hit));
  // Absorbing one source can make it touch another: merge until none does.
  for (size_t i = 0; i < sources.size(); ++i)
    for (size_t j = i + 1; j < sources.size();) {
      if (absorb(sources[i], sources[j])) {
        sources.erase(sources.begin() + static_cast<std::ptrdiff_t>(j));
        j = i + 1;
      } else {
        ++j;
      }
    }
  std::map<std::pair<int64_t, int>, kb::VersionText> texts;
  for (size_t i = 0; i < sources.size(); ++i) {
    auto& s = sources[i];
    s.number = static_cast<int>(i) + 1;
    auto key = std::make_pair(s.doc_id, s.version);
    if (!texts.count(key)) {
      GL_ASSIGN_OR_RETURN(auto text, store.version_text(s.doc_id, s.version));
      texts.emplace(key, std::move(text));
    }
    const auto& text = texts.at(key);
    int line_count = static_cast<int>(text.lines.size());
    s.last_line = std::min(s.last_line, line_count);
    s.first_line = std::clamp(s.first_line, 1, std::max(1, s.last_line));
    for (int line = s.first_line; line <= s.last_line; ++line) s.lines.push_back(text.lines[line - 1]);
    s.tags = text.tags;
    for (const auto& h : text.headings)
      if (h.line <= s.last_line) s.headings.push_back(h);
  }
  return sources;
}

std::string heading_path_at(const Source& source, int line) {
  std::vector<const kb::Heading*> open;
  for (const auto& h : source.headings) {
    if (h.line > line) break;
    while (!open.empty() && open.back()->level >= h.level) open.pop_back();
    open.push_back(&h);
  }
  std::string path;
  for (const auto* h : open) {
    if (!path.empty()) path += " > ";
    path += h->text;
  }
  return path;
}

std::string format_sources(const std::vector<Source>& sources) {
  std::string out;
  for (const auto& s : sources) {
    out += "Source " + std::to_string(s.number) + ": " + s.title + " (" + s.path + ")";
    std::string section = heading_path_at(s, s.first_line);
    if (!section.empty()) out += ", section " + section;
    out += "\n";
    for (int line = s.first_line; line <= s.last_line; ++line) {
      if (s.line(line).empty()) continue;
      out += std::to_string(line) + ": " + std::string(s.line(line)) + "\n";
    }
    out += "\n";
  }
  return out;
}

}  // namespace groundline::answer

// A document as a loader produced it: normalised numbered lines, what each
// line is (heading, paragraph, list item, table row, code), and the fields
// of its front matter or HTML meta tags. Loaders differ; everything after
// them (metadata, chunking, storage) sees only this.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace groundline::ingest {

enum class LineKind {
  kBlank,      // empty, or markup without words (rules, table separators)
  kHeading,    // level in LineInfo::level
  kParagraph,  // prose; consecutive paragraph lines form one block
  kListItem,   // a list item's first line
  kContinued,  // a list item's continuation line
  kTableRow,
  kCode,  // inside (or the fence of) a code block
};

struct LineInfo {
  LineKind kind = LineKind::kBlank;
  int level = 0;  // heading level 1..6
};

struct ParsedDocument {
  std::string title;  // may be empty: metadata falls back to the file name
  std::vector<std::string> lines;
  std::vector<LineInfo> info;  // one per line
  // Front matter or <meta> fields: key -> values (a YAML list gives several).
  std::map<std::string, std::vector<std::string>> fields;
};

}  // namespace groundline::ingest

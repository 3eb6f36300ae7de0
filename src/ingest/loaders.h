// Loaders turn a file's bytes into a ParsedDocument. Each returns an error
// naming what is wrong (and where) for input it cannot read: invalid UTF-8,
// malformed front matter, a damaged PDF. The caller adds the file name.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "ingest/parsed_document.h"

namespace groundline::ingest {

enum class DocumentKind { kMarkdown, kHtml, kText, kPdf, kUnsupported };

// By file extension (case-insensitive).
DocumentKind kind_of(std::string_view path);
const char* kind_name(DocumentKind kind);

Result<ParsedDocument> load_markdown(std::string_view bytes);
Result<ParsedDocument> load_html(std::string_view bytes);
Result<ParsedDocument> load_text(std::string_view bytes);
Result<ParsedDocument> load_pdf(std::string_view bytes);

Result<ParsedDocument> load_document(DocumentKind kind, std::string_view bytes);

// Classifies normalised Markdown lines (exposed for the text and PDF loaders
// and for tests).
std::vector<LineInfo> classify_markdown(const std::vector<std::string>& lines);

// A heading line's text without its "#" marks: "## Limits ##" -> "Limits".
std::string heading_text(std::string_view line);

}  // namespace groundline::ingest

#include "ingest/loaders.h"

#include "core/utf8.h"

namespace groundline::ingest {

DocumentKind kind_of(std::string_view path) {
  auto dot = path.rfind('.');
  if (dot == std::string_view::npos || path.find('/', dot) != std::string_view::npos)
    return DocumentKind::kUnsupported;
  std::string ext = core::to_lower(path.substr(dot + 1));
  if (ext == "md" || ext == "markdown" || ext == "mdx") return DocumentKind::kMarkdown;
  if (ext == "html" || ext == "htm" || ext == "xhtml") return DocumentKind::kHtml;
  if (ext == "txt" || ext == "text") return DocumentKind::kText;
  if (ext == "pdf") return DocumentKind::kPdf;
  return DocumentKind::kUnsupported;
}

const char* kind_name(DocumentKind kind) {
  switch (kind) {
    case DocumentKind::kMarkdown:
      return "markdown";
    case DocumentKind::kHtml:
      return "html";
    case DocumentKind::kText:
      return "text";
    case DocumentKind::kPdf:
      return "pdf";
    case DocumentKind::kUnsupported:
      break;
  }
  return "unsupported";
}

Result<ParsedDocument> load_document(DocumentKind kind, std::string_view bytes) {
  switch (kind) {
    case DocumentKind::kMarkdown:
      return load_markdown(bytes);
    case DocumentKind::kHtml:
      return load_html(bytes);
    case DocumentKind::kText:
      return load_text(bytes);
    case DocumentKind::kPdf:
      return load_pdf(bytes);
    case DocumentKind::kUnsupported:
      break;
  }
  return make_error("unsupported file type");
}

}  // namespace groundline::ingest

// PDF: the text of every page in reading order (poppler), one line per text
// line, a blank line between pages. Encrypted or damaged files are refused.
#include <poppler-document.h>
#include <poppler-page.h>

#include <memory>

#include "core/utf8.h"
#include "ingest/loaders.h"

namespace groundline::ingest {

namespace {

std::string to_std(const poppler::ustring& text) {
  auto bytes = text.to_utf8();
  return std::string(bytes.begin(), bytes.end());
}

void silence_poppler() {
  static bool done = [] {
    poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr);
    return true;
  }();
  (void)done;
}

}  // namespace

Result<ParsedDocument> load_pdf(std::string_view bytes) {
  silence_poppler();
  if (!bytes.starts_with("%PDF-")) return make_error("not a PDF file (no %PDF- header)");
  std::unique_ptr<poppler::document> pdf(
      poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
  if (!pdf) return make_error("damaged PDF: cannot read its structure");
  if (pdf->is_locked()) return make_error("encrypted PDF: cannot read its text");
  std::string text;
  for (int i = 0; i < pdf->pages(); ++i) {
    std::unique_ptr<poppler::page> page(pdf->create_page(i));
    if (!page) continue;
    if (i > 0) text += "\n\n";
    text += to_std(page->text(poppler::rectf(), poppler::page::non_raw_non_physical_layout));
  }
  GL_ASSIGN_OR_RETURN(auto doc, load_text(text));
  std::string title = core::normalize_line(to_std(pdf->get_title()));
  if (!title.empty()) doc.title = title;
  return doc;
}

}  // namespace groundline::ingest

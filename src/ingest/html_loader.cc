// HTML: the page's text as lines, one per block (heading, paragraph, list
// item, table row, preformatted line), with <title> and <meta name content>
// fields. Scripts, styles and navigation are dropped.
#include <gumbo.h>

#include <cstring>
#include <memory>

#include "core/utf8.h"
#include "ingest/loaders.h"

namespace groundline::ingest {

namespace {

class HtmlWalker {
 public:
  explicit HtmlWalker(ParsedDocument& doc) : doc_(doc) {}

  void walk(const GumboNode* node) {
    if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE ||
        node->type == GUMBO_NODE_CDATA) {
      append_text(node->v.text.text);
      return;
    }
    if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_DOCUMENT) return;
    if (node->type == GUMBO_NODE_DOCUMENT) {
      walk_children(&node->v.document.children);
      return;
    }
    const GumboElement& el = node->v.element;
    switch (el.tag) {
      case GUMBO_TAG_SCRIPT:
      case GUMBO_TAG_STYLE:
      case GUMBO_TAG_NOSCRIPT:
      case GUMBO_TAG_NAV:
      case GUMBO_TAG_TEMPLATE:
        return;
      case GUMBO_TAG_TITLE:
        doc_.title = collect_text(node);
        return;
      case GUMBO_TAG_META:
        read_meta(el);
        return;
      case GUMBO_TAG_BR:
        flush();
        return;
      case GUMBO_TAG_PRE:
        flush();
        emit_preformatted(collect_text(node));
        return;
      case GUMBO_TAG_TR:
        flush();
        emit_row(node);
        return;
      default:
        break;
    }
    int level = heading_level(el.tag);
    if (level > 0) {
      flush();
      std::string text = collect_text(node);
      emit(std::string(static_cast<size_t>(level), '#') + " " + text, {LineKind::kHeading, level});
      if (level == 1 && first_h1_.empty()) first_h1_ = text;
      blank();
      return;
    }
    if (el.tag == GUMBO_TAG_LI) {
      flush();
      prefix_ = "- ";
      kind_ = LineKind::kListItem;
      walk_children(&el.children);
      flush();
      return;
    }
    bool block = is_block(el.tag);
    if (block) flush();
    walk_children(&el.children);
    if (block) {
      flush();
      if (el.tag == GUMBO_TAG_P || el.tag == GUMBO_TAG_UL || el.tag == GUMBO_TAG_OL ||
          el.tag == GUMBO_TAG_TABLE || el.tag == GUMBO_TAG_BLOCKQUOTE)
        blank();
    }
  }

  void finish() {
    flush();
    while (!doc_.lines.empty() && doc_.lines.back().empty()) {
      doc_.lines.pop_back();
      doc_.info.pop_back();
    }
    if (doc_.title.empty()) doc_.title = first_h1_;
  }

 private:
  static int heading_level(GumboTag tag) {
    switch (tag) {
      case GUMBO_TAG_H1:
        return 1;
      case GUMBO_TAG_H2:
        return 2;
      case GUMBO_TAG_H3:
        return 3;
      case GUMBO_TAG_H4:
        return 4;
      case GUMBO_TAG_H5:
        return 5;
      case GUMBO_TAG_H6:
        return 6;
      default:
        return 0;
    }
  }

  static bool is_block(GumboTag tag) {
    switch (tag) {
      case GUMBO_TAG_P:
      case GUMBO_TAG_DIV:
      case GUMBO_TAG_SECTION:
      case GUMBO_TAG_ARTICLE:
      case GUMBO_TAG_MAIN:
      case GUMBO_TAG_HEADER:
      case GUMBO_TAG_FOOTER:
      case GUMBO_TAG_ASIDE:
      case GUMBO_TAG_UL:
      case GUMBO_TAG_OL:
      case GUMBO_TAG_DL:
      case GUMBO_TAG_DT:
      case GUMBO_TAG_DD:
      case GUMBO_TAG_TABLE:
      case GUMBO_TAG_BLOCKQUOTE:
      case GUMBO_TAG_FIGURE:
      case GUMBO_TAG_BODY:
      case GUMBO_TAG_HR:
      case GUMBO_TAG_CAPTION:
      case GUMBO_TAG_FORM:
      case GUMBO_TAG_ADDRESS:
        return true;
      default:
        return false;
    }
  }

  void walk_children(const GumboVector* children) {
    for (unsigned i = 0; i < children->length; ++i) walk(static_cast<const GumboNode*>(children->data[i]));
  }

  static void gather(const GumboNode* node, std::string& out) {
    if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE ||
        node->type == GUMBO_NODE_CDATA) {
      out += node->v.text.text;
    } else if (node->type == GUMBO_NODE_ELEMENT) {
      if (node->v.element.tag == GUMBO_TAG_SCRIPT || node->v.element.tag == GUMBO_TAG_STYLE) return;
      if (node->v.element.tag == GUMBO_TAG_BR) out += "\n";
      const GumboVector& children = node->v.element.children;
      for (unsigned i = 0; i < children.length; ++i)
        gather(static_cast<const GumboNode*>(children.data[i]), out);
    }
  }

  static std::string collect_text(const GumboNode* node) {
    std::string raw;
    gather(node, raw);
    return raw;
  }

  void read_meta(const GumboElement& el) {
    const GumboAttribute* name = gumbo_get_attribute(&el.attributes, "name");
    const GumboAttribute* content = gumbo_get_attribute(&el.attributes, "content");
    if (!name || !content) return;
    std::string key = core::to_lower(name->value);
    std::string value(core::trim(core::normalize_line(content->value)));
    if (key == "keywords") {
      size_t start = 0;
      while (start <= value.size()) {
        size_t end = value.find(',', start);
        if (end == std::string::npos) end = value.size();
        std::string item(core::trim(value.substr(start, end - start)));
        if (!item.empty()) doc_.fields["tags"].push_back(item);
        start = end + 1;
      }
    } else if (!value.empty()) {
      doc_.fields[key].push_back(value);
    }
  }

  void emit_row(const GumboNode* row) {
    std::string line = "|";
    const GumboVector& cells = row->v.element.children;
    for (unsigned i = 0; i < cells.length; ++i) {
      auto* cell = static_cast<const GumboNode*>(cells.data[i]);
      if (cell->type != GUMBO_NODE_ELEMENT) continue;
      if (cell->v.element.tag != GUMBO_TAG_TD && cell->v.element.tag != GUMBO_TAG_TH) continue;
      line += " " + one_line(collect_text(cell)) + " |";
    }
    if (line.size() > 1) emit(line, {LineKind::kTableRow, 0});
  }

  void emit_preformatted(const std::string& text) {
    for (auto line : core::split_lines(text)) emit(std::string(line), {LineKind::kCode, 0});
    blank();
  }

  static std::string one_line(std::string_view text) {
    std::string flat(text);
    for (char& c : flat)
      if (c == '\n' || c == '\r') c = ' ';
    return core::normalize_line(flat);
  }

  void append_text(const char* text) { buffer_ += text; }

  void flush() {
    std::string line = one_line(buffer_);
    buffer_.clear();
    if (!line.empty()) emit(prefix_ + line, {kind_, 0});
    prefix_.clear();
    kind_ = LineKind::kParagraph;
  }

  void emit(const std::string& line, LineInfo info) {
    std::string text = core::normalize_line(line);
    if (text.empty() && info.kind != LineKind::kCode) return;
    if (text.empty()) info.kind = LineKind::kBlank;
    doc_.lines.push_back(std::move(text));
    doc_.info.push_back(info);
  }

  void blank() {
    if (doc_.lines.empty() || doc_.lines.back().empty()) return;
    doc_.lines.emplace_back();
    doc_.info.push_back({});
  }

  ParsedDocument& doc_;
  std::string buffer_;
  std::string prefix_;
  LineKind kind_ = LineKind::kParagraph;
  std::string first_h1_;
};

}  // namespace

Result<ParsedDocument> load_html(std::string_view bytes) {
  if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
  GL_TRY(core::check_utf8(bytes));
  std::string composed = core::to_nfc(bytes);
  std::unique_ptr<GumboOutput, void (*)(GumboOutput*)> output(
      gumbo_parse_with_options(&kGumboDefaultOptions, composed.data(), composed.size()),
      [](GumboOutput* o) { gumbo_destroy_output(&kGumboDefaultOptions, o); });
  if (!output) return make_error("cannot parse HTML");
  ParsedDocument doc;
  HtmlWalker walker(doc);
  walker.walk(output->document);
  walker.finish();
  doc.title = core::normalize_line(doc.title);
  return doc;
}

}  // namespace groundline::ingest

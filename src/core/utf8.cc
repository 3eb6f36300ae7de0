#include "core/utf8.h"

#include <utf8proc.h>

#include <cstdlib>
#include <memory>

namespace groundline::core {

int32_t decode_utf8(std::string_view text, size_t& pos) {
  utf8proc_int32_t cp = 0;
  auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + pos),
                            static_cast<utf8proc_ssize_t>(text.size() - pos), &cp);
  if (n <= 0) {
    ++pos;
    return -1;
  }
  pos += static_cast<size_t>(n);
  return cp;
}

void append_utf8(std::string& out, int32_t code_point) {
  utf8proc_uint8_t buf[4];
  auto n = utf8proc_encode_char(code_point, buf);
  out.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
}

std::string to_valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    size_t begin = pos;
    int32_t cp = decode_utf8(text, pos);
    if (cp < 0)
      out += "\uFFFD";
    else
      out.append(text.substr(begin, pos - begin));
  }
  return out;
}

Status check_utf8(std::string_view text) {
  size_t line = 1, line_start = 0, pos = 0;
  while (pos < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[pos]);
    if (c < 0x80) {
      if (c == '\n') {
        ++line;
        line_start = pos + 1;
      }
      ++pos;
      continue;
    }
    size_t at = pos;
    if (decode_utf8(text, pos) < 0) {
      return make_error("invalid UTF-8 at line " + std::to_string(line) + ", column " +
                        std::to_string(at - line_start + 1));
    }
  }
  return {};
}

std::string to_nfc(std::string_view text) {
  utf8proc_uint8_t* out = nullptr;
  auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                        static_cast<utf8proc_ssize_t>(text.size()), &out,
                        static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n < 0) return std::string(text);
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(out, &std::free);
  return std::string(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
}

namespace {

bool is_ascii_text(std::string_view text) {
  unsigned char any = 0;
  for (char c : text) any |= static_cast<unsigned char>(c);  // a loop the compiler vectorises
  return any < 0x80;
}

// Space-like code points become ' ', controls and format characters vanish.
enum class CharClass { kKeep, kSpace, kDrop };

CharClass classify(int32_t cp) {
  if (cp == '\t' || cp == ' ') return CharClass::kSpace;
  if (cp < 0x20 || cp == 0x7f) return CharClass::kDrop;
  if (cp < 0x80) return CharClass::kKeep;
  auto category = utf8proc_category(cp);
  if (category == UTF8PROC_CATEGORY_ZS) return CharClass::kSpace;
  if (category == UTF8PROC_CATEGORY_CC || cp == 0xfeff || cp == 0x200b) return CharClass::kDrop;
  return CharClass::kKeep;
}

}  // namespace

namespace {

// True when normalize_line would return the line as it is: printable ASCII,
// no tab, no run of spaces after the indentation, no trailing space.
bool is_normal_ascii_line(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && line[i] == ' ') ++i;
  if (i == line.size()) return line.empty();
  bool space = false;
  for (; i < line.size(); ++i) {
    auto c = static_cast<unsigned char>(line[i]);
    if (c == ' ') {
      if (space) return false;
      space = true;
    } else if (c > 0x20 && c < 0x7f) {
      space = false;
    } else {
      return false;
    }
  }
  return !space;
}

}  // namespace

std::string normalize_line(std::string_view line) {
  if (is_normal_ascii_line(line)) return std::string(line);
  std::string out;
  out.reserve(line.size());
  bool leading = true, pending_space = false;
  size_t pos = 0;
  while (pos < line.size()) {
    size_t at = pos;
    auto byte = static_cast<unsigned char>(line[pos]);
    int32_t cp = byte < 0x80 ? line[pos++] : decode_utf8(line, pos);
    if (cp < 0) continue;
    switch (classify(cp)) {
      case CharClass::kDrop:
        break;
      case CharClass::kSpace:
        if (leading)
          out.append(cp == '\t' ? "    " : " ");
        else
          pending_space = true;
        break;
      case CharClass::kKeep:
        if (pending_space) out.push_back(' ');
        pending_space = false;
        leading = false;
        out.append(line.data() + at, pos - at);  // valid UTF-8: the bytes of cp
        break;
    }
  }
  if (leading) out.clear();  // a line of only spaces is empty
  return out;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  if (text.find('\r') == std::string_view::npos) {  // the common case: memchr finds the breaks
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      lines.push_back(text.substr(start, end - start));
      start = end + 1;
    }
    return lines;
  }
  size_t start = 0, pos = 0;
  while (pos < text.size()) {
    char c = text[pos];
    if (c == '\n' || c == '\r') {
      lines.push_back(text.substr(start, pos - start));
      if (c == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') ++pos;
      start = ++pos;
    } else {
      ++pos;
    }
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

std::string_view trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

Result<std::vector<std::string>> normalize_text(std::string_view raw) {
  if (raw.starts_with("\xEF\xBB\xBF")) raw.remove_prefix(3);
  std::string composed;  // ASCII is valid UTF-8 and in NFC as it is
  if (!is_ascii_text(raw)) {
    if (auto status = check_utf8(raw); !status.ok()) return status.error();
    composed = to_nfc(raw);
    raw = composed;
  }
  std::vector<std::string> lines;
  for (auto line : split_lines(raw)) lines.push_back(normalize_line(line));
  return lines;
}

std::string to_lower(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[pos]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
      ++pos;
      continue;
    }
    int32_t cp = decode_utf8(text, pos);
    if (cp >= 0) append_utf8(out, utf8proc_tolower(cp));
  }
  return out;
}

size_t utf8_length(std::string_view text) {
  size_t n = 0;
  for (char c : text)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

}  // namespace groundline::core

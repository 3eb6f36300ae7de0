// UTF-8 validation, decoding and the normalisation that turns any document
// into the numbered lines citations point to. Normalising the same bytes
// always gives the same lines: NFC, LF line ends, no control characters,
// Unicode spaces as ASCII spaces, runs of spaces collapsed (leading
// indentation kept), no trailing whitespace. Line count is preserved, so
// line N of the result is line N of the input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace groundline::core {

// Decodes one code point at `pos`, advancing it. Returns -1 on a malformed
// sequence (and advances by one byte).
int32_t decode_utf8(std::string_view text, size_t& pos);
void append_utf8(std::string& out, int32_t code_point);

// Ok, or an error naming the line and column of the first invalid byte.
Status check_utf8(std::string_view text);

// The text with each malformed byte replaced by U+FFFD, so that it can be
// shown and sent as JSON.
std::string to_valid_utf8(std::string_view text);

// Canonical composition (NFC) of valid UTF-8.
std::string to_nfc(std::string_view text);

// Whitespace and control-character clean-up of one line (see header comment).
std::string normalize_line(std::string_view line);

// Without leading and trailing ASCII whitespace.
std::string_view trim(std::string_view text);

// Splits on \n, \r\n or \r. A trailing line end does not make an empty line.
std::vector<std::string_view> split_lines(std::string_view text);

// The whole pipeline: BOM removed, UTF-8 checked, NFC, lines normalised.
Result<std::vector<std::string>> normalize_text(std::string_view raw);

// Lowercases a UTF-8 string (simple case folding per code point).
std::string to_lower(std::string_view text);

// Number of code points.
size_t utf8_length(std::string_view text);

}  // namespace groundline::core

// Content hashes for change detection: 128-bit XXH3 as 32 hex digits.
// Not a security boundary; a collision only makes a change go unnoticed.
#pragma once

#include <string>
#include <string_view>

namespace groundline::core {

std::string content_hash(std::string_view bytes);

}  // namespace groundline::core

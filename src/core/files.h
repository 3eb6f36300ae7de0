// Whole small files (configurations, question sets) read into memory.
#pragma once

#include <optional>
#include <string>

namespace groundline::core {

// The file's bytes, or none when it cannot be opened or read; the caller
// names the file in its own error.
std::optional<std::string> read_whole_file(const std::string& path);

}  // namespace groundline::core

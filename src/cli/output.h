// Shared output helpers of the command line.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/result.h"
#include "kb/document.h"
#include "kb/store.h"

namespace groundline::cli {

constexpr int kOk = 0;
constexpr int kProblems = 1;
constexpr int kFailed = 2;

// Prints "groundline: message" on stderr and returns kFailed.
int fail(const std::string& message);

// Opens the knowledge base; a read-only open requires the file to exist.
Result<std::unique_ptr<kb::Store>> open_kb(const std::string& path, bool read_only);

// "category=billing product=pro" in key order.
std::string format_tags(const std::vector<kb::Tag>& tags);

void print_json(const nlohmann::json& j);

// Text with every line indented by `indent` spaces.
std::string indented(const std::string& text, int indent);

}  // namespace groundline::cli

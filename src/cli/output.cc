#include "cli/output.h"

#include <filesystem>
#include <iostream>

namespace groundline::cli {

int fail(const std::string& message) {
  std::cerr << "groundline: " << message << "\n";
  return kFailed;
}

Result<std::unique_ptr<kb::Store>> open_kb(const std::string& path, bool read_only) {
  if (read_only && !std::filesystem::exists(path))
    return make_error(path + ": no knowledge base here (create one with `groundline ingest DIR --kb " + path +
                      "`)");
  auto store = read_only ? kb::Store::open(path, true) : kb::Store::open_or_create(path);
  if (!store.ok()) return make_error(path + ": " + store.message());
  return store;
}

std::string format_tags(const std::vector<kb::Tag>& tags) {
  std::string out;
  for (const auto& t : tags) out += (out.empty() ? "" : " ") + t.key + "=" + t.value;
  return out;
}

void print_json(const nlohmann::json& j) {
  std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

std::string indented(const std::string& text, int indent) {
  std::string pad(static_cast<size_t>(indent), ' ');
  std::string out = pad;
  for (char c : text) {
    out.push_back(c);
    if (c == '\n') out += pad;
  }
  return out;
}

}  // namespace groundline::cli

#include "retrieve/hit_json.h"

namespace groundline::retrieve {

nlohmann::json tags_json(const std::vector<kb::Tag>& tags) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& t : tags) j[t.key].push_back(t.value);
  return j;
}

nlohmann::json hit_json(const Hit& hit) {
  return {{"doc", hit.path},
          {"title", hit.title},
          {"version", hit.version},
          {"first_line", hit.first_line},
          {"last_line", hit.last_line},
          {"heading_path", hit.heading_path},
          {"tags", tags_json(hit.tags)},
          {"score", hit.score},
          {"chunk_id", hit.chunk_id},
          {"text", hit.text}};
}

nlohmann::json search_json(std::string_view query, const std::vector<std::string>& filters, int k,
                           const std::vector<Hit>& hits) {
  nlohmann::json out = {{"query", query}, {"filters", filters}, {"k", k}};
  out["hits"] = nlohmann::json::array();
  for (const auto& h : hits) out["hits"].push_back(hit_json(h));
  return out;
}

}  // namespace groundline::retrieve

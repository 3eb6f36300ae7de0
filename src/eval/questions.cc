#include "eval/questions.h"

#include <nlohmann/json.hpp>
#include <set>

#include "core/files.h"

namespace groundline::eval {

namespace {

using nlohmann::json;

Result<std::string> text_field(const json& j, const char* key, bool required) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) return make_error(std::string("missing field '") + key + "'");
    return std::string();
  }
  if (!it->is_string()) return make_error(std::string("field '") + key + "' must be text");
  return it->get<std::string>();
}

Result<std::vector<std::string>> filters_of(const json& j) {
  std::vector<std::string> specs;
  auto it = j.find("filters");
  if (it == j.end() || it->is_null()) return specs;
  if (!it->is_object()) return make_error("field 'filters' must be an object of key: value");
  for (const auto& [key, value] : it->items()) {
    if (value.is_string()) {
      specs.push_back(key + "=" + value.get<std::string>());
    } else if (value.is_array()) {
      for (const auto& v : value) {
        if (!v.is_string()) return make_error("filter '" + key + "' must hold texts");
        specs.push_back(key + "=" + v.get<std::string>());
      }
    } else {
      return make_error("filter '" + key + "' must be a text or a list of texts");
    }
  }
  return specs;
}

Result<std::vector<GoldRange>> gold_of(const json& j) {
  std::vector<GoldRange> gold;
  auto it = j.find("gold");
  if (it == j.end() || it->is_null()) return gold;
  if (!it->is_array()) return make_error("field 'gold' must be a list");
  for (const auto& g : *it) {
    if (!g.is_object() || !g.contains("doc") || !g["doc"].is_string() || !g.contains("first_line") ||
        !g["first_line"].is_number_integer() || !g.contains("last_line") ||
        !g["last_line"].is_number_integer())
      return make_error("each 'gold' entry needs doc (text), first_line and last_line (numbers)");
    GoldRange r{g["doc"].get<std::string>(), g["first_line"].get<int>(), g["last_line"].get<int>()};
    if (r.first_line < 1 || r.last_line < r.first_line)
      return make_error("gold range " + r.doc + ":" + std::to_string(r.first_line) + "-" +
                        std::to_string(r.last_line) + " is not a line range");
    gold.push_back(std::move(r));
  }
  return gold;
}

Result<LabelledQuestion> parse_one(const json& j) {
  if (!j.is_object()) return make_error("expected a JSON object");
  LabelledQuestion q;
  GL_ASSIGN_OR_RETURN(q.id, text_field(j, "id", true));
  GL_ASSIGN_OR_RETURN(q.question, text_field(j, "question", true));
  GL_ASSIGN_OR_RETURN(q.type, text_field(j, "type", false));
  GL_ASSIGN_OR_RETURN(q.reference_answer, text_field(j, "answer", false));
  GL_ASSIGN_OR_RETURN(q.filters, filters_of(j));
  GL_ASSIGN_OR_RETURN(q.gold, gold_of(j));
  if (auto it = j.find("answerable"); it != j.end()) {
    if (!it->is_boolean()) return make_error("field 'answerable' must be true or false");
    q.answerable = it->get<bool>();
  }
  if (auto it = j.find("answer_facts"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return make_error("field 'answer_facts' must be a list of texts");
    for (const auto& f : *it) {
      if (!f.is_string()) return make_error("field 'answer_facts' must be a list of texts");
      q.answer_facts.push_back(f.get<std::string>());
    }
  }
  if (q.answerable && q.gold.empty()) return make_error("an answerable question needs 'gold'");
  return q;
}

}  // namespace

QuestionSet parse_question_set(std::string_view jsonl, const std::string& file_name) {
  QuestionSet set;
  std::set<std::string> ids;
  size_t line_no = 0, pos = 0;
  while (pos < jsonl.size()) {
    size_t end = jsonl.find('\n', pos);
    if (end == std::string_view::npos) end = jsonl.size();
    std::string_view line = jsonl.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto where = file_name + ":" + std::to_string(line_no) + ": ";
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      set.skipped.push_back(where + "not valid JSON");
      continue;
    }
    auto q = parse_one(j);
    if (!q.ok())
      set.skipped.push_back(where + q.message());
    else if (!ids.insert(q->id).second)
      set.skipped.push_back(where + "duplicate id '" + q->id + "'");
    else
      set.questions.push_back(std::move(q).value());
  }
  return set;
}

Result<std::vector<LabelledQuestion>> parse_questions(std::string_view jsonl, const std::string& file_name) {
  auto set = parse_question_set(jsonl, file_name);
  if (!set.skipped.empty()) return make_error(set.skipped.front());
  return std::move(set.questions);
}

Result<std::vector<LabelledQuestion>> load_questions(const std::string& path) {
  auto text = core::read_whole_file(path);
  if (!text) return make_error(path + ": cannot read");
  return parse_questions(*text, path);
}

Result<QuestionSet> load_question_set(const std::string& path) {
  auto text = core::read_whole_file(path);
  if (!text) return make_error(path + ": cannot read");
  return parse_question_set(*text, path);
}

std::string question_to_jsonl(const LabelledQuestion& q) {
  json j = {{"id", q.id}, {"question", q.question}};
  json filters = json::object();
  for (const auto& spec : q.filters) {
    size_t eq = spec.find('=');
    std::string key = spec.substr(0, eq), value = eq == std::string::npos ? "" : spec.substr(eq + 1);
    if (!filters.contains(key))
      filters[key] = value;
    else if (filters[key].is_string())
      filters[key] = json::array({filters[key], value});
    else
      filters[key].push_back(value);
  }
  if (!filters.empty()) j["filters"] = filters;
  j["gold"] = json::array();
  for (const auto& g : q.gold)
    j["gold"].push_back({{"doc", g.doc}, {"first_line", g.first_line}, {"last_line", g.last_line}});
  j["answer_facts"] = q.answer_facts;
  if (!q.reference_answer.empty()) j["answer"] = q.reference_answer;
  j["answerable"] = q.answerable;
  if (!q.type.empty()) j["type"] = q.type;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace groundline::eval

#include "server/api.h"

#include <charconv>
#include <limits>

#include "core/utf8.h"
#include "retrieve/search.h"

namespace groundline::server {

namespace {

using nlohmann::json;

ApiError field_error(const std::string& field, const std::string& what) {
  return ApiError{400, "field '" + field + "' " + what, "invalid_request_error", field, ""};
}

ApiError parameter_error(const std::string& name, const std::string& what) {
  return ApiError{400, "query parameter '" + name + "' " + what, "invalid_request_error", name, ""};
}

// Follows a SAX parse to know the path of the value being read when the
// parse fails ("messages[1].content"), so that an error can name the field.
class PathTracker : public nlohmann::json_sax<json> {
 public:
  bool null() override { return scalar(); }
  bool boolean(bool) override { return scalar(); }
  bool number_integer(number_integer_t) override { return scalar(); }
  bool number_unsigned(number_unsigned_t) override { return scalar(); }
  bool number_float(number_float_t, const string_t&) override { return scalar(); }
  bool string(string_t&) override { return scalar(); }
  bool binary(binary_t&) override { return scalar(); }
  bool start_object(std::size_t) override { return open(true); }
  bool key(string_t& key) override {
    frames_.back().key = key;
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(false); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    message_ = e.what();
    // In an array, the failing value is the one after the last read.
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
    for (const auto& f : frames_) {
      if (f.object && !f.key.empty())
        path_ += (path_.empty() ? "" : ".") + f.key;
      else if (!f.object && f.index >= 0)
        path_ += "[" + std::to_string(f.index) + "]";
    }
    return false;
  }

  const std::string& path() const { return path_; }
  // nlohmann's message without its "[json.exception.parse_error.101] " tag.
  std::string message() const {
    auto space = message_.find("] ");
    return space == std::string::npos ? message_ : message_.substr(space + 2);
  }

 private:
  // A value begins: the next element of an array.
  void begin_value() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
  }
  // A value is complete: an object's key is done with.
  void end_value() {
    if (!frames_.empty() && frames_.back().object) frames_.back().key.clear();
  }
  bool scalar() {
    begin_value();
    end_value();
    return true;
  }
  bool open(bool object) {
    begin_value();
    frames_.push_back({object, "", -1});
    return true;
  }
  bool close() {
    frames_.pop_back();
    end_value();
    return true;
  }
  struct Frame {
    bool object;
    std::string key;
    int index;
  };
  std::vector<Frame> frames_;
  std::string path_, message_;
};

ApiError invalid_body(std::string_view body) {
  PathTracker tracker;
  json::sax_parse(body, &tracker);
  if (!core::check_utf8(body).ok()) {
    if (tracker.path().empty()) return ApiError{400, "request body is not valid UTF-8"};
    return field_error(tracker.path(), "is not valid UTF-8");
  }
  std::string at = tracker.path().empty() ? "" : " (in field '" + tracker.path() + "')";
  return ApiError{400, "request body is not valid JSON" + at + ": " + tracker.message(),
                  "invalid_request_error", tracker.path()};
}

ApiResult<json> parse_object(std::string_view body) {
  if (core::trim(body).empty()) return ApiError{400, "request body is empty; expected a JSON object"};
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return invalid_body(body);
  if (!j.is_object()) return ApiError{400, "request body must be a JSON object"};
  return j;
}

// A field that is absent or null is left as it is, except a required one.
const json* field(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::optional<ApiError> read_string(const json& object, const char* key, std::string& out, bool required) {
  const json* v = field(object, key);
  if (!v) {
    if (required) return field_error(key, object.contains(key) ? "must be a string" : "is required");
    return {};
  }
  if (!v->is_string()) return field_error(key, "must be a string");
  out = v->get<std::string>();
  return {};
}

std::optional<ApiError> read_int(const json& object, const char* key, int& out, int min, int max) {
  const json* v = field(object, key);
  if (!v) return {};
  auto range = "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (!v->is_number_integer()) return field_error(key, range);
  auto n = v->get<int64_t>();
  if (n < min || n > max) return field_error(key, range);
  out = static_cast<int>(n);
  return {};
}

std::optional<ApiError> read_number(const json& object, const char* key, double& out, double min,
                                    double max) {
  const json* v = field(object, key);
  if (!v) return {};
  double n = v->is_number() ? v->get<double>() : -1;
  if (!v->is_number() || n < min || n > max) {
    char range[64];
    std::snprintf(range, sizeof range, "must be a number from %g to %g", min, max);
    return field_error(key, range);
  }
  out = n;
  return {};
}

std::optional<ApiError> read_bool(const json& object, const char* key, bool& out) {
  const json* v = field(object, key);
  if (!v) return {};
  if (!v->is_boolean()) return field_error(key, "must be true or false");
  out = v->get<bool>();
  return {};
}

std::optional<ApiError> read_filters(const json& object, Filters& out) {
  const json* v = field(object, "filters");
  if (!v) return {};
  if (v->is_object()) {
    for (const auto& [key, value] : v->items()) {
      if (value.is_string()) {
        out.specs.push_back(key + "=" + value.get<std::string>());
        continue;
      }
      if (!value.is_array()) return field_error("filters." + key, "must be a string or a list of strings");
      for (const auto& one : value) {
        if (!one.is_string()) return field_error("filters." + key, "must be a string or a list of strings");
        out.specs.push_back(key + "=" + one.get<std::string>());
      }
    }
  } else if (v->is_array()) {
    for (size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_string())
        return field_error("filters[" + std::to_string(i) + "]", "must be a string such as \"product=pro\"");
      out.specs.push_back((*v)[i].get<std::string>());
    }
  } else {
    return field_error(
        "filters", "must be an object such as {\"product\": \"pro\"} or a list such as [\"product=pro\"]");
  }
  auto parsed = retrieve::parse_filters(out.specs);
  if (!parsed.ok())
    return ApiError{400, "field 'filters': " + parsed.message(), "invalid_request_error", "filters", ""};
  out.parsed = std::move(parsed).value();
  return {};
}

std::optional<ApiError> require_words(const std::string& text, const std::string& field) {
  if (core::trim(text).empty()) return field_error(field, "must not be empty");
  return {};
}

// The text of a message's content: a string, or OpenAI's list of parts of
// which the "text" ones count.
std::optional<ApiError> message_text(const json& message, const std::string& where, std::string& out) {
  const json* content = field(message, "content");
  if (!content) return {};
  if (content->is_string()) {
    out = content->get<std::string>();
    return {};
  }
  if (!content->is_array())
    return field_error(where + ".content", "must be a string or a list of content parts");
  for (size_t i = 0; i < content->size(); ++i) {
    const json& part = (*content)[i];
    std::string at = where + ".content[" + std::to_string(i) + "]";
    if (!part.is_object())
      return field_error(at, "must be an object such as {\"type\": \"text\", \"text\": \"...\"}");
    auto type = part.find("type");
    if (type == part.end() || *type != "text") continue;
    auto text = part.find("text");
    if (text == part.end() || !text->is_string()) return field_error(at + ".text", "must be a string");
    if (!out.empty()) out += "\n";
    out += text->get<std::string>();
  }
  return {};
}

#define GL_API_TRY(expr)                            \
  do {                                              \
    if (auto gl_error_ = (expr)) return *gl_error_; \
  } while (0)

// A positive int from a query parameter; nullopt when it is not one.
std::optional<int> positive_int(std::string_view text) {
  int n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < 1) return std::nullopt;
  return n;
}

}  // namespace

nlohmann::json error_json(const ApiError& error) {
  return {{"error",
           {{"message", error.message},
            {"type", error.type},
            {"param", error.param.empty() ? json(nullptr) : json(error.param)},
            {"code", error.code.empty() ? json(nullptr) : json(error.code)}}}};
}

std::string dump_json(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ApiResult<AnswerRequest> parse_answer_request(std::string_view body) {
  auto j = parse_object(body);
  if (!j.ok()) return j.error();
  AnswerRequest request;
  GL_API_TRY(read_string(*j, "question", request.question, true));
  GL_API_TRY(require_words(request.question, "question"));
  GL_API_TRY(read_filters(*j, request.filters));
  GL_API_TRY(read_int(*j, "k", request.k, 1, 50));
  return request;
}

ApiResult<SearchRequest> parse_search_request(std::string_view body) {
  auto j = parse_object(body);
  if (!j.ok()) return j.error();
  SearchRequest request;
  GL_API_TRY(read_string(*j, "query", request.query, true));
  GL_API_TRY(require_words(request.query, "query"));
  GL_API_TRY(read_filters(*j, request.filters));
  GL_API_TRY(read_int(*j, "k", request.k, 1, 1000));
  return request;
}

ApiResult<ChatRequest> parse_chat_request(std::string_view body) {
  auto j = parse_object(body);
  if (!j.ok()) return j.error();
  ChatRequest request;
  GL_API_TRY(read_string(*j, "model", request.model, false));
  const json* messages = field(*j, "messages");
  if (!messages) return field_error("messages", "is required");
  if (!messages->is_array() || messages->empty())
    return field_error("messages", "must be a non-empty list of messages");
  std::optional<size_t> last_user;
  for (size_t i = 0; i < messages->size(); ++i) {
    const json& m = (*messages)[i];
    std::string where = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) return field_error(where, "must be an object with \"role\" and \"content\"");
    auto role = m.find("role");
    if (role == m.end() || !role->is_string()) return field_error(where + ".role", "must be a string");
    std::string text;
    GL_API_TRY(message_text(m, where, text));
    if (*role == "user") {
      last_user = i;
      request.question = std::move(text);
    }
  }
  if (!last_user) return field_error("messages", "must contain a message with role \"user\"");
  GL_API_TRY(require_words(request.question, "messages[" + std::to_string(*last_user) + "].content"));
  GL_API_TRY(read_bool(*j, "stream", request.stream));
  if (const json* options = field(*j, "stream_options")) {
    if (!options->is_object()) return field_error("stream_options", "must be an object");
    const json* usage = field(*options, "include_usage");
    if (usage && !usage->is_boolean())
      return field_error("stream_options.include_usage", "must be true or false");
    request.include_usage = usage && usage->get<bool>();
  }
  GL_API_TRY(read_int(*j, "max_tokens", request.max_tokens, 1, 1 << 20));
  GL_API_TRY(read_int(*j, "max_completion_tokens", request.max_tokens, 1, 1 << 20));
  GL_API_TRY(read_number(*j, "temperature", request.temperature, 0, 2));
  int n = 1;
  GL_API_TRY(read_int(*j, "n", n, 1, 1));
  GL_API_TRY(read_filters(*j, request.filters));
  GL_API_TRY(read_int(*j, "k", request.k, 1, 50));
  return request;
}

answer::AskOptions ask_options(const AnswerRequest& request) {
  answer::AskOptions options;
  options.filters = request.filters.parsed;
  options.sources = request.k;
  return options;
}

answer::AskOptions ask_options(const ChatRequest& request) {
  answer::AskOptions options;
  options.filters = request.filters.parsed;
  options.sources = request.k;
  options.max_tokens = request.max_tokens;
  options.temperature = request.temperature;
  return options;
}

ApiResult<DocumentRequest> parse_document_request(std::string id, std::optional<std::string_view> version,
                                                  std::optional<std::string_view> lines) {
  DocumentRequest request;
  request.id = std::move(id);
  if (version) {
    auto n = positive_int(*version);
    if (!n) return parameter_error("version", "must be a version number (1, 2, ...)");
    request.version = *n;
  }
  if (lines) {
    auto dash = lines->find('-');
    auto first = positive_int(lines->substr(0, dash));
    auto last = dash == std::string_view::npos ? first : positive_int(lines->substr(dash + 1));
    if (!first || !last || *last < *first)
      return parameter_error("lines", "must be a line range such as 12-30 (or one line, 12)");
    request.first_line = *first;
    request.last_line = *last;
  }
  return request;
}

ApiResult<nlohmann::json> document_lines_json(const kb::VersionText& text, const DocumentRequest& request) {
  int count = static_cast<int>(text.lines.size());
  int first = request.first_line ? request.first_line : 1;
  int last = request.last_line ? std::min(request.last_line, count) : count;
  if (request.first_line > count)
    return parameter_error("lines", "starts past the end: " + text.path + " version " +
                                        std::to_string(text.version) + " has " + std::to_string(count) +
                                        " lines");
  json lines = json::array();
  for (int n = first; n <= last; ++n)
    lines.push_back({{"number", n}, {"text", text.lines[static_cast<size_t>(n - 1)]}});
  return json{{"doc_id", text.doc_id},   {"path", text.path},        {"title", text.title},
              {"version", text.version}, {"line_count", count},      {"first_line", first},
              {"last_line", last},       {"lines", std::move(lines)}};
}

nlohmann::json chat_completion_json(const answer::Answer& answer, const CompletionInfo& info) {
  json message = {{"role", "assistant"}, {"content", answer.text}, {"refusal", nullptr}};
  message["groundline"] = answer::to_json(answer);
  int prompt = answer.latency.prompt_tokens, completion = answer.latency.completion_tokens;
  return {{"id", info.id},
          {"object", "chat.completion"},
          {"created", info.created},
          {"model", info.model},
          {"choices", json::array({{{"index", 0},
                                    {"message", std::move(message)},
                                    {"logprobs", nullptr},
                                    {"finish_reason", "stop"}}})},
          {"usage",
           {{"prompt_tokens", prompt},
            {"completion_tokens", completion},
            {"total_tokens", prompt + completion}}}};
}

nlohmann::json chat_chunk_json(const CompletionInfo& info, nlohmann::json delta,
                               std::string_view finish_reason) {
  return {{"id", info.id},
          {"object", "chat.completion.chunk"},
          {"created", info.created},
          {"model", info.model},
          {"choices",
           json::array({{{"index", 0},
                         {"delta", std::move(delta)},
                         {"logprobs", nullptr},
                         {"finish_reason", finish_reason.empty() ? json(nullptr) : json(finish_reason)}}})}};
}

std::string sse_event(const nlohmann::json& data) {
  return "data: " + dump_json(data) + "\n\n";
}

std::string chat_role_event(const CompletionInfo& info) {
  return sse_event(chat_chunk_json(info, {{"role", "assistant"}, {"content", ""}}));
}

std::vector<std::string> chat_answer_events(const answer::Answer& answer, const CompletionInfo& info,
                                            bool include_usage) {
  std::vector<std::string> events;
  for (auto piece : stream_pieces(answer.text))
    events.push_back(sse_event(chat_chunk_json(info, {{"content", piece}})));
  events.push_back(sse_event(chat_chunk_json(info, {{"groundline", answer::to_json(answer)}}, "stop")));
  if (include_usage) {
    int prompt = answer.latency.prompt_tokens, completion = answer.latency.completion_tokens;
    events.push_back(sse_event({{"id", info.id},
                                {"object", "chat.completion.chunk"},
                                {"created", info.created},
                                {"model", info.model},
                                {"choices", json::array()},
                                {"usage",
                                 {{"prompt_tokens", prompt},
                                  {"completion_tokens", completion},
                                  {"total_tokens", prompt + completion}}}}));
  }
  events.push_back("data: [DONE]\n\n");
  return events;
}

std::vector<std::string_view> stream_pieces(std::string_view text) {
  auto space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
  std::vector<std::string_view> pieces;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && space(text[i])) ++i;
    while (i < text.size() && !space(text[i])) ++i;
    pieces.push_back(text.substr(start, i - start));
  }
  return pieces;
}

nlohmann::json models_json(int64_t created) {
  return {
      {"object", "list"},
      {"data",
       json::array(
           {{{"id", "groundline"}, {"object", "model"}, {"created", created}, {"owned_by", "groundline"}}})}};
}

}  // namespace groundline::server

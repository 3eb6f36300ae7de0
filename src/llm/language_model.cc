#include "llm/language_model.h"

#include <cstdlib>

#include "llm/gguf_language_model.h"
#include "llm/openai_client.h"

namespace groundline::llm {

Result<std::unique_ptr<LanguageModel>> open_language_model(std::string_view spec,
                                                           const LanguageModelOptions& options) {
  const std::string text(spec);
  const auto bad = [&](const std::string& why) -> Error {
    return make_error("model '" + text + "': " + why + " (expected openai:URL[#model] or gguf:PATH)");
  };
  const size_t colon = text.find(':');
  const std::string scheme = text.substr(0, colon);
  const std::string rest = colon == std::string::npos ? std::string() : text.substr(colon + 1);
  if (scheme == "openai") {
    const size_t hash = rest.find('#');
    OpenAiClientOptions client;
    client.base_url = rest.substr(0, hash);
    if (client.base_url.empty()) return bad("no URL");
    if (hash != std::string::npos) {
      client.model = rest.substr(hash + 1);
      if (client.model.empty()) return bad("no model after '#'");
    }
    client.api_key = options.api_key;
    if (client.api_key.empty())
      if (const char* key = std::getenv("OPENAI_API_KEY")) client.api_key = key;
    client.timeout_s = options.timeout_s;
    client.retries = options.retries;
    auto opened = OpenAiClient::open(client);
    if (!opened.ok()) return bad(opened.message());
    return std::unique_ptr<LanguageModel>(std::move(opened).value());
  }
  if (scheme == "gguf") {
    if (rest.empty()) return bad("no path");
    auto opened = GgufLanguageModel::open(rest, options);
    if (!opened.ok()) return make_error("model '" + text + "': " + opened.message());
    return std::unique_ptr<LanguageModel>(std::move(opened).value());
  }
  return bad(colon == std::string::npos ? "no scheme" : "unknown scheme '" + scheme + "'");
}

}  // namespace groundline::llm

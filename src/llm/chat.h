// Chat templates: a conversation written the way a model was trained to
// read it. The template is chosen from the file's tokenizer.chat_template
// when it is one of the known families, or named by the user.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace groundline::llm {

struct ChatMessage {
  std::string role;  // system | user | assistant
  std::string content;
};

enum class ChatTemplate { kChatML, kLlama3, kLlama2, kZephyr };

// By name: chatml, llama3, llama2 (also mistral, inst), zephyr.
Result<ChatTemplate> chat_template_named(const std::string& name);
// The family a Jinja chat template from a GGUF file belongs to, by the
// markers it writes; nullopt when none matches.
std::optional<ChatTemplate> detect_chat_template(const std::string& jinja);

// The prompt for `messages`, ending where the assistant's reply begins.
// BOS is not included (the tokenizer adds it).
std::string format_chat(ChatTemplate kind, const std::vector<ChatMessage>& messages);

// Text that ends the assistant's turn in this template (stop sequences).
std::vector<std::string> chat_stops(ChatTemplate kind);

}  // namespace groundline::llm

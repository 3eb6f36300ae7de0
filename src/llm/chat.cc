#include "llm/chat.h"

namespace groundline::llm {

Result<ChatTemplate> chat_template_named(const std::string& name) {
  if (name == "chatml") return ChatTemplate::kChatML;
  if (name == "llama3") return ChatTemplate::kLlama3;
  if (name == "llama2" || name == "mistral" || name == "inst") return ChatTemplate::kLlama2;
  if (name == "zephyr") return ChatTemplate::kZephyr;
  return make_error("unknown chat template '" + name + "' (chatml, llama3, llama2, mistral, zephyr)");
}

std::optional<ChatTemplate> detect_chat_template(const std::string& jinja) {
  if (jinja.find("<|im_start|>") != std::string::npos) return ChatTemplate::kChatML;
  if (jinja.find("<|start_header_id|>") != std::string::npos) return ChatTemplate::kLlama3;
  if (jinja.find("<|user|>") != std::string::npos && jinja.find("</s>") != std::string::npos)
    return ChatTemplate::kZephyr;
  if (jinja.find("[INST]") != std::string::npos) return ChatTemplate::kLlama2;
  return std::nullopt;
}

namespace {

std::string chatml(const std::vector<ChatMessage>& messages) {
  std::string out;
  for (const auto& m : messages) out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
  return out + "<|im_start|>assistant\n";
}

std::string llama3(const std::vector<ChatMessage>& messages) {
  std::string out;
  for (const auto& m : messages)
    out += "<|start_header_id|>" + m.role + "<|end_header_id|>\n\n" + m.content + "<|eot_id|>";
  return out + "<|start_header_id|>assistant<|end_header_id|>\n\n";
}

// [INST] turns; a system message goes inside the first one, between
// <<SYS>> markers; an assistant reply is closed with </s><s>.
std::string llama2(const std::vector<ChatMessage>& messages) {
  std::string out, system;
  bool first = true;
  for (const auto& m : messages) {
    if (m.role == "system") {
      system = m.content;
    } else if (m.role == "user") {
      out += first ? "[INST] " : "<s>[INST] ";
      if (!system.empty()) {
        out += "<<SYS>>\n" + system + "\n<</SYS>>\n\n";
        system.clear();
      }
      out += m.content + " [/INST]";
      first = false;
    } else {
      out += " " + m.content + " </s>";
    }
  }
  return out;
}

std::string zephyr(const std::vector<ChatMessage>& messages) {
  std::string out;
  for (const auto& m : messages) out += "<|" + m.role + "|>\n" + m.content + "</s>\n";
  return out + "<|assistant|>\n";
}

}  // namespace

std::string format_chat(ChatTemplate kind, const std::vector<ChatMessage>& messages) {
  switch (kind) {
    case ChatTemplate::kChatML:
      return chatml(messages);
    case ChatTemplate::kLlama3:
      return llama3(messages);
    case ChatTemplate::kLlama2:
      return llama2(messages);
    case ChatTemplate::kZephyr:
      return zephyr(messages);
  }
  return {};
}

std::vector<std::string> chat_stops(ChatTemplate kind) {
  switch (kind) {
    case ChatTemplate::kChatML:
      return {"<|im_end|>", "<|im_start|>"};
    case ChatTemplate::kLlama3:
      return {"<|eot_id|>", "<|start_header_id|>"};
    case ChatTemplate::kLlama2:
      return {"</s>", "[INST]"};
    case ChatTemplate::kZephyr:
      return {"</s>", "<|user|>"};
  }
  return {};
}

}  // namespace groundline::llm

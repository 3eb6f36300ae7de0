#include "llm/chat.h"

#include <gtest/gtest.h>

namespace groundline::llm {
namespace {

const std::vector<ChatMessage> kTalk = {{"system", "Answer from the docs."},
                                        {"user", "How many seats?"},
                                        {"assistant", "Five."},
                                        {"user", "On Pro?"}};

TEST(Chat, EachFamilyWritesTheConversationItsWay) {
  EXPECT_EQ(
      format_chat(ChatTemplate::kChatML, kTalk),
      "<|im_start|>system\nAnswer from the docs.<|im_end|>\n<|im_start|>user\nHow many seats?<|im_end|>\n"
      "<|im_start|>assistant\nFive.<|im_end|>\n<|im_start|>user\nOn Pro?<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(format_chat(ChatTemplate::kLlama3, kTalk),
            "<|start_header_id|>system<|end_header_id|>\n\nAnswer from the docs.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nHow many seats?<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\nFive.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nOn Pro?<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(format_chat(ChatTemplate::kLlama2, kTalk),
            "[INST] <<SYS>>\nAnswer from the docs.\n<</SYS>>\n\nHow many seats? [/INST] Five. </s><s>[INST] "
            "On Pro? "
            "[/INST]");
  EXPECT_EQ(format_chat(ChatTemplate::kZephyr, kTalk),
            "<|system|>\nAnswer from the docs.</s>\n<|user|>\nHow many seats?</s>\n<|assistant|>\nFive.</s>\n"
            "<|user|>\nOn Pro?</s>\n<|assistant|>\n");
}

TEST(Chat, TheFamilyIsFoundFromAJinjaTemplateOrAName) {
  EXPECT_EQ(detect_chat_template("{% for m in messages %}{{'<|im_start|>' + m['role'] + '\\n'}}"),
            ChatTemplate::kChatML);
  EXPECT_EQ(detect_chat_template("{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>' }}"),
            ChatTemplate::kLlama3);
  EXPECT_EQ(detect_chat_template("{{ bos_token + '[INST] ' + message['content'] + ' [/INST]' }}"),
            ChatTemplate::kLlama2);
  EXPECT_EQ(detect_chat_template("{{ '<|user|>\\n' + message['content'] + eos_token }} </s>"),
            ChatTemplate::kZephyr);
  EXPECT_EQ(detect_chat_template("{{ message['content'] }}"), std::nullopt);
  EXPECT_EQ(*chat_template_named("mistral"), ChatTemplate::kLlama2);
  EXPECT_NE(chat_template_named("vicuna").message().find("unknown chat template 'vicuna'"),
            std::string::npos);
  EXPECT_EQ(chat_stops(ChatTemplate::kChatML).front(), "<|im_end|>");
}

}  // namespace
}  // namespace groundline::llm

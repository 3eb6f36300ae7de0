#include "llm/event_stream.h"

namespace groundline::llm {

bool EventStreamParser::feed(std::string_view bytes) {
  if (stopped_) return false;
  if (at_start_ && !bytes.empty()) {
    // The byte-order mark may itself arrive in pieces: hold bytes back
    // until three are known.
    partial_ += bytes;
    if (partial_.size() < 3 && std::string_view("\xEF\xBB\xBF").starts_with(partial_)) return true;
    at_start_ = false;
    std::string first = std::move(partial_);
    partial_.clear();
    if (std::string_view(first).starts_with("\xEF\xBB\xBF")) first.erase(0, 3);
    return feed(first);
  }
  size_t begin = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (c == '\n' && after_cr_ && i == begin && partial_.empty()) {
      // The \n of a \r\n whose \r ended the previous line.
      after_cr_ = false;
      begin = i + 1;
      continue;
    }
    after_cr_ = false;
    if (c != '\n' && c != '\r') continue;
    std::string_view text = bytes.substr(begin, i - begin);
    if (!partial_.empty()) {
      partial_ += text;
      text = partial_;
    }
    after_cr_ = c == '\r';
    begin = i + 1;
    const bool go_on = line(text);
    partial_.clear();
    if (!go_on) return false;
  }
  partial_ += bytes.substr(begin);
  return true;
}

bool EventStreamParser::finish() {
  if (stopped_) return false;
  if (at_start_) {
    at_start_ = false;
    std::string held = std::move(partial_);
    partial_.clear();
    if (!feed(held)) return false;
  }
  if (!partial_.empty()) {
    std::string last = std::move(partial_);
    partial_.clear();
    if (!line(last)) return false;
  }
  return !has_data_ || dispatch();
}

bool EventStreamParser::line(std::string_view text) {
  if (text.empty()) {
    if (has_data_) return dispatch();
    event_.type.clear();  // an event with no data is dropped, name and all
    return true;
  }
  if (text.front() == ':') return true;
  const size_t colon = text.find(':');
  const std::string_view field = text.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
  if (value.starts_with(' ')) value.remove_prefix(1);
  if (field == "data") {
    if (has_data_) event_.data += '\n';
    event_.data += value;
    has_data_ = true;
  } else if (field == "event") {
    event_.type = value;
  }
  return true;
}

bool EventStreamParser::dispatch() {
  const bool go_on = on_event_(event_);
  event_ = {};
  has_data_ = false;
  if (!go_on) stopped_ = true;
  return go_on;
}

}  // namespace groundline::llm

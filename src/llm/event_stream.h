// Server-sent events read from bytes as they arrive: the text/event-stream
// format (HTML Living Standard, "server-sent events") that OpenAI-compatible
// servers stream a completion in.
//
// Bytes may be fed in pieces cut anywhere (inside a line, between \r and
// \n, inside a UTF-8 sequence); an event is handed on once its closing
// blank line has arrived. Lines end with \n, \r\n or \r. `data:` lines
// of one event are joined with \n, a single space after the colon is
// dropped, lines starting with ':' are comments, `event:` names the event,
// other fields (id, retry) are ignored. A byte-order mark at the very start
// is skipped. At the end of the stream, an event whose blank line never
// came is handed on as well (servers often end with "data: [DONE]\n").
//
// A parser holds the state of one stream; it is not thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace groundline::llm {

struct ServerSentEvent {
  std::string type;  // the `event:` field; empty for the default "message"
  std::string data;
};

class EventStreamParser {
 public:
  // Returns false to stop: feed() and finish() then return false at once
  // and hand on nothing more.
  using Handler = std::function<bool(const ServerSentEvent& event)>;

  explicit EventStreamParser(Handler on_event) : on_event_(std::move(on_event)) {}

  // The next bytes of the stream. False when the handler asked to stop.
  bool feed(std::string_view bytes);
  // The end of the stream: hands on an unfinished event that has data.
  bool finish();

 private:
  bool line(std::string_view text);
  bool dispatch();

  Handler on_event_;
  std::string partial_;    // bytes of a line not yet ended
  bool after_cr_ = false;  // the last line ended with \r: a \n next belongs to it
  bool at_start_ = true;   // no byte seen yet (for the byte-order mark)
  bool stopped_ = false;
  ServerSentEvent event_;  // being collected
  bool has_data_ = false;
};

}  // namespace groundline::llm

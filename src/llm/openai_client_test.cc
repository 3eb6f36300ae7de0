// The OpenAI-compatible client against a small httplib server on loopback
// that answers as an OpenAI server would, and as a broken one might.
#include "llm/openai_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "llm/event_stream.h"

namespace groundline::llm {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// What the fake server saw of one request.
struct SeenRequest {
  json body;
  std::string authorization, accept, content_type;
};

// An OpenAI-style server on a loopback port: POST /v1/chat/completions is
// answered by `answer`, called with the request's number (0 first).
class FakeServer {
 public:
  using Answer = std::function<void(int number, const httplib::Request&, httplib::Response&)>;

  explicit FakeServer(Answer answer) : answer_(std::move(answer)) {
    server_.Post(
        "/v1/chat/completions", [this](const httplib::Request& request, httplib::Response& response) {
          int number;
          {
            std::lock_guard lock(mutex_);  // requests_ is read by the test thread
            number = static_cast<int>(requests_.size());
            requests_.push_back(
                {json::parse(request.body, nullptr, false), request.get_header_value("Authorization"),
                 request.get_header_value("Accept"), request.get_header_value("Content-Type")});
          }
          answer_(number, request, response);
        });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakeServer() {
    server_.stop();
    thread_.join();
  }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  std::vector<SeenRequest> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  Answer answer_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<SeenRequest> requests_;
};

json reply_json(const std::string& content, const std::string& finish = "stop") {
  return {{"id", "chatcmpl-1"},
          {"object", "chat.completion"},
          {"model", "test-model"},
          {"choices",
           {{{"index", 0},
             {"message", {{"role", "assistant"}, {"content", content}}},
             {"finish_reason", finish}}}},
          {"usage",
           {{"prompt_tokens", 12},
            {"completion_tokens", 3},
            {"total_tokens", 15},
            {"prompt_tokens_details", {{"cached_tokens", 8}}}}}};
}

std::string event(const json& data, const std::string& newline = "\n") {
  return "data: " + data.dump() + newline + newline;
}

json delta_chunk(const std::string& content, const char* finish = nullptr) {
  json choice = {{"index", 0}, {"delta", {{"content", content}}}, {"finish_reason", nullptr}};
  if (finish) choice["finish_reason"] = finish;
  return {{"object", "chat.completion.chunk"}, {"choices", json::array({choice})}};
}

json usage_chunk(int prompt, int completion) {
  return {{"object", "chat.completion.chunk"},
          {"choices", json::array()},
          {"usage", {{"prompt_tokens", prompt}, {"completion_tokens", completion}}}};
}

// A whole event stream: a role chunk, one chunk per piece, the finish, the
// usage and [DONE].
std::string stream_of(const std::vector<std::string>& pieces, const std::string& newline = "\n") {
  std::string out =
      event({{"choices", {{{"index", 0}, {"delta", {{"role", "assistant"}}}, {"finish_reason", nullptr}}}}},
            newline);
  for (const auto& piece : pieces) out += event(delta_chunk(piece), newline);
  out += event(delta_chunk("", "stop"), newline);
  out += event(usage_chunk(7, static_cast<int>(pieces.size())), newline);
  return out + "data: [DONE]" + newline + newline;
}

// Sends `body` as a chunked event stream cut into pieces of 1, 2, 3, ...
// 7 bytes in turn, so that cuts fall inside lines, between \r and \n and
// inside UTF-8 sequences.
void send_in_pieces(httplib::Response& response, std::string body,
                    const std::string& content_type = "text/event-stream") {
  response.set_chunked_content_provider(
      content_type, [body = std::move(body)](size_t, httplib::DataSink& sink) {
        size_t size = 1;
        for (size_t at = 0; at < body.size(); at += size, size = size % 7 + 1)
          if (!sink.write(body.data() + at, std::min(size, body.size() - at))) return false;
        sink.done();
        return true;
      });
}

OpenAiClientOptions at(const std::string& base_url, const std::string& model = "") {
  OpenAiClientOptions options;
  options.base_url = base_url;
  options.model = model;
  return options;
}

OpenAiClientOptions options_for(const FakeServer& server) {
  OpenAiClientOptions options;
  options.base_url = server.base_url();
  options.model = "test-model";
  options.timeout_s = 5;
  options.retry_delay_s = 0.01;
  return options;
}

std::unique_ptr<OpenAiClient> client_for(const OpenAiClientOptions& options) {
  auto client = OpenAiClient::open(options);
  EXPECT_TRUE(client.ok()) << client.message();
  return client.ok() ? std::move(client).value() : nullptr;
}

CompletionRequest hello() {
  CompletionRequest request;
  request.messages = {{"system", "You answer from the documentation."},
                      {"user", "How do I reset my router?"}};
  return request;
}

TEST(OpenAiClient, PostsTheChatWithItsSettingsAndTheKey) {
  FakeServer server([](int, const httplib::Request&, httplib::Response& response) {
    send_in_pieces(response, stream_of({"ok"}));
  });
  auto options = options_for(server);
  options.api_key = "sk-test";
  auto client = client_for(options);
  CompletionRequest request = hello();
  request.max_tokens = 64;
  request.temperature = 0.5;
  request.top_p = 0.9;
  request.seed = 42;
  request.stop = {"a", "b", "c", "d", "e"};
  request.json_schema = R"({"title":"ticket_action","type":"object","properties":{"x":{"type":"integer"}}})";
  auto reply = client->complete(request);
  ASSERT_TRUE(reply.ok()) << reply.message();

  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  const json& body = seen[0].body;
  EXPECT_EQ(seen[0].authorization, "Bearer sk-test");
  EXPECT_EQ(seen[0].content_type, "application/json");
  EXPECT_EQ(seen[0].accept, "text/event-stream");
  EXPECT_EQ(body["model"], "test-model");
  EXPECT_EQ(body["messages"],
            json::parse(R"([{"role":"system","content":"You answer from the documentation."},
      {"role":"user","content":"How do I reset my router?"}])"));
  EXPECT_EQ(body["max_tokens"], 64);
  EXPECT_EQ(body["temperature"], 0.5);
  EXPECT_EQ(body["top_p"], 0.9);
  EXPECT_EQ(body["seed"], 42);
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["stream_options"]["include_usage"], true);
  EXPECT_EQ(body["stop"], json::parse(R"(["a","b","c","d"])"));  // OpenAI takes four
  EXPECT_EQ(body["response_format"]["type"], "json_schema");
  EXPECT_EQ(body["response_format"]["json_schema"]["name"], "ticket_action");
  EXPECT_EQ(body["response_format"]["json_schema"]["strict"], true);
  EXPECT_EQ(body["response_format"]["json_schema"]["schema"], json::parse(request.json_schema));
}

TEST(OpenAiClient, LeavesOutWhatWasNotGiven) {
  FakeServer server([](int, const httplib::Request&, httplib::Response& response) {
    send_in_pieces(response, stream_of({"ok"}));
  });
  auto options = options_for(server);
  options.model.clear();
  auto client = client_for(options);
  ASSERT_TRUE(client->complete(hello()).ok());
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].authorization, "");
  EXPECT_FALSE(seen[0].body.contains("model"));
  EXPECT_FALSE(seen[0].body.contains("stop"));
  EXPECT_FALSE(seen[0].body.contains("response_format"));
  EXPECT_EQ(client->id(), "openai:" + server.base_url());
}

TEST(OpenAiClient, SendsInvalidUtf8AsReplacementCharacters) {
  auto client = client_for(at("http://127.0.0.1:1/v1"));
  CompletionRequest request;
  request.messages = {{"user", "caf\xC3 \xFF ok"}};
  auto body = client->request_body(request);
  ASSERT_TRUE(body.ok()) << body.message();
  EXPECT_EQ(json::parse(*body)["messages"][0]["content"], "caf\xEF\xBF\xBD \xEF\xBF\xBD ok");
  request.json_schema = "{not json";
  EXPECT_FALSE(client->request_body(request).ok());
  request.json_schema.clear();
  request.stop = {""};
  EXPECT_FALSE(client->request_body(request).ok());
  EXPECT_FALSE(client->request_body(CompletionRequest{}).ok());
}

TEST(OpenAiClient, ReadsAReplyThatIsNotStreamed) {
  FakeServer server([](int, const httplib::Request&, httplib::Response& response) {
    response.set_content(reply_json("Hold the reset button for 10 s.").dump(), "application/json");
  });
  auto options = options_for(server);
  options.stream = false;
  auto client = client_for(options);
  CompletionRequest request = hello();
  std::vector<std::string> pieces;
  request.on_text = [&](std::string_view piece) {
    pieces.emplace_back(piece);
    return true;
  };
  auto reply = client->complete(request);
  ASSERT_TRUE(reply.ok()) << reply.message();
  EXPECT_EQ(reply->text, "Hold the reset button for 10 s.");
  EXPECT_EQ(pieces, std::vector<std::string>{reply->text});
  EXPECT_EQ(reply->finish_reason, "stop");
  EXPECT_EQ(reply->prompt_tokens, 12);
  EXPECT_EQ(reply->cached_prompt_tokens, 8);
  EXPECT_EQ(reply->completion_tokens, 3);
  EXPECT_GE(reply->prompt_ms, 0);
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].body["stream"], false);
  EXPECT_FALSE(seen[0].body.contains("stream_options"));
  EXPECT_EQ(seen[0].accept, "application/json");
}

TEST(OpenAiClient, StreamsAReplyCutAtAwkwardBytes) {
  const std::vector<std::string> pieces = {"Hold", " the", " reset", " button", " — caf",
                                           "é ",   "😀",    "\n",     "done."};
  for (const std::string newline : {"\n", "\r\n", "\r"}) {
    FakeServer server([&](int, const httplib::Request&, httplib::Response& response) {
      send_in_pieces(response, ": a comment the client ignores" + newline + stream_of(pieces, newline));
    });
    auto client = client_for(options_for(server));
    CompletionRequest request = hello();
    std::string streamed;
    request.on_text = [&](std::string_view piece) {
      streamed += piece;
      return true;
    };
    auto reply = client->complete(request);
    ASSERT_TRUE(reply.ok()) << reply.message();
    std::string whole;
    for (const auto& p : pieces) whole += p;
    EXPECT_EQ(reply->text, whole);
    EXPECT_EQ(streamed, whole);
    EXPECT_EQ(reply->finish_reason, "stop");
    EXPECT_EQ(reply->prompt_tokens, 7);
    EXPECT_EQ(reply->completion_tokens, static_cast<int>(pieces.size()));
    EXPECT_GE(reply->prompt_ms, 0);
    EXPECT_GE(reply->generate_ms, 0);
  }
}

TEST(OpenAiClient, HandsOnEachPieceBeforeTheRestArrives) {
  // The server sends the second piece only once the client has shown it
  // the first one.
  std::mutex mutex;
  std::condition_variable changed;
  bool first_seen = false;
  FakeServer server([&](int, const httplib::Request&, httplib::Response& response) {
    response.set_chunked_content_provider("text/event-stream", [&](size_t, httplib::DataSink& sink) {
      const std::string first = event(delta_chunk("first"));
      sink.write(first.data(), first.size());
      {
        std::unique_lock lock(mutex);
        changed.wait_for(lock, std::chrono::seconds(3), [&] { return first_seen; });
      }
      const std::string rest =
          event(delta_chunk(first_seen ? " second" : " late", "stop")) + "data: [DONE]\n\n";
      sink.write(rest.data(), rest.size());
      sink.done();
      return true;
    });
  });
  auto client = client_for(options_for(server));
  CompletionRequest request = hello();
  request.on_text = [&](std::string_view piece) {
    if (piece == "first") {
      std::lock_guard lock(mutex);
      first_seen = true;
      changed.notify_all();
    }
    return true;
  };
  auto reply = client->complete(request);
  ASSERT_TRUE(reply.ok()) << reply.message();
  EXPECT_EQ(reply->text, "first second");
  EXPECT_EQ(reply->completion_tokens, 2);  // no usage: the pieces are counted
}

TEST(OpenAiClient, RetriesAServerErrorThenSucceeds) {
  FakeServer server([](int number, const httplib::Request&, httplib::Response& response) {
    if (number == 0) {
      response.status = 500;
      response.set_content(R"({"error":{"message":"model is loading"}})", "application/json");
      return;
    }
    send_in_pieces(response, stream_of({"fine"}));
  });
  auto client = client_for(options_for(server));
  auto reply = client->complete(hello());
  ASSERT_TRUE(reply.ok()) << reply.message();
  EXPECT_EQ(reply->text, "fine");
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(OpenAiClient, DoesNotRetryABadRequestAndNamesTheServersMessage) {
  FakeServer server([](int, const httplib::Request&, httplib::Response& response) {
    response.status = 400;
    response.set_content(R"({"error":{"message":"max_tokens is too large","type":"invalid_request_error"}})",
                         "application/json");
  });
  auto client = client_for(options_for(server));
  auto reply = client->complete(hello());
  ASSERT_FALSE(reply.ok());
  EXPECT_NE(reply.message().find(server.base_url() + "/chat/completions"), std::string::npos)
      << reply.message();
  EXPECT_NE(reply.message().find("HTTP 400"), std::string::npos) << reply.message();
  EXPECT_NE(reply.message().find("max_tokens is too large"), std::string::npos) << reply.message();
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(OpenAiClient, RetriesTooManyRequestsButNotAFarRetryAfter) {
  FakeServer server([](int number, const httplib::Request&, httplib::Response& response) {
    if (number == 0) {
      response.status = 429;
      response.set_header("Retry-After", "0");
      response.set_content(R"({"error":"slow down"})", "application/json");
      return;
    }
    if (number == 2) {
      response.status = 429;
      response.set_header("Retry-After", "3600");
      response.set_content(R"({"error":"quota exceeded"})", "application/json");
      return;
    }
    send_in_pieces(response, stream_of({"fine"}));
  });
  auto client = client_for(options_for(server));
  auto first = client->complete(hello());
  ASSERT_TRUE(first.ok()) << first.message();
  EXPECT_EQ(first->text, "fine");
  EXPECT_EQ(server.requests().size(), 2u);
  auto second = client->complete(hello());
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.message().find("HTTP 429: quota exceeded"), std::string::npos) << second.message();
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(OpenAiClient, GivesUpAfterItsRetries) {
  FakeServer server([](int, const httplib::Request&, httplib::Response& response) {
    response.status = 503;
    response.set_content("<html>upstream unavailable</html>", "text/html");
  });
  auto options = options_for(server);
  options.retries = 2;
  auto client = client_for(options);
  auto reply = client->complete(hello());
  ASSERT_FALSE(reply.ok());
  EXPECT_NE(reply.message().find("HTTP 503: <html>upstream unavailable</html>"), std::string::npos)
      << reply.message();
  EXPECT_NE(reply.message().find("3 attempts"), std::string::npos) << reply.message();
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(OpenAiClient, RetriesWhenNothingListensAndNamesTheUrl) {
  // A port that was free a moment ago: bound, never listened on, closed.
  const int socket = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(socket, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  ASSERT_EQ(::bind(socket, reinterpret_cast<sockaddr*>(&address), size), 0);
  ASSERT_EQ(::getsockname(socket, reinterpret_cast<sockaddr*>(&address), &size), 0);
  const int port = ntohs(address.sin_port);
  ::close(socket);
  OpenAiClientOptions options;
  options.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  options.retries = 1;
  options.retry_delay_s = 0.01;
  auto client = client_for(options);
  auto reply = client->complete(hello());
  ASSERT_FALSE(reply.ok());
  EXPECT_NE(reply.message().find(options.base_url + "/chat/completions: cannot connect"), std::string::npos)
      << reply.message();
  EXPECT_NE(reply.message().find("2 attempts"), std::string::npos) << reply.message();
}

// A loopback port that accepts, reads the first megabyte of the request
// and hangs up.
class HangingUpServer {
 public:
  HangingUpServer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), size), 0);
    EXPECT_EQ(::listen(listener_, 4), 0);
    EXPECT_EQ(::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size), 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] {
      const int connection = ::accept(listener_, nullptr, nullptr);
      if (connection < 0) return;
      char buffer[4096];
      for (size_t total = 0; total < (size_t{1} << 20);) {
        const ssize_t got = ::read(connection, buffer, sizeof buffer);
        if (got <= 0) break;
        total += static_cast<size_t>(got);
      }
      ::close(connection);  // unread data: the client's next writes meet a reset
    });
  }
  ~HangingUpServer() {
    thread_.join();
    ::close(listener_);
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

 private:
  int listener_ = -1, port_ = 0;
  std::thread thread_;
};

// httplib 0.11.4 peeks at the socket before each write, so plain HTTP
// rarely meets SIGPIPE; OpenSSL's writes can. Either way the process lives.
TEST(OpenAiClient, AServerHangingUpMidRequestIsAnErrorNotSigpipe) {
  // As in a process that runs no httplib::Server (which would ignore SIGPIPE).
  ::signal(SIGPIPE, SIG_DFL);
  HangingUpServer server;
  OpenAiClientOptions options = at(server.base_url());
  options.retries = 0;
  auto client = client_for(options);
  CompletionRequest request;
  request.messages = {{"user", std::string(size_t{32} << 20, 'x')}};
  auto reply = client->complete(request);
  ASSERT_FALSE(reply.ok());
  EXPECT_NE(reply.message().find(server.base_url()), std::string::npos) << reply.message();
}

TEST(OpenAiClient, HttpsToAPlainServerIsAnError) {
  FakeServer server([](int, const httplib::Request&, httplib::Response& response) {
    send_in_pieces(response, stream_of({"ok"}));
  });
  auto options = options_for(server);
  options.base_url.replace(0, 4, "https");
  options.retries = 0;
  auto client = client_for(options);
  auto reply = client->complete(hello());
  ASSERT_FALSE(reply.ok());
  EXPECT_NE(reply.message().find(options.base_url + "/chat/completions: "), std::string::npos)
      << reply.message();
}

TEST(OpenAiClient, ASlowReplyHitsTheTimeoutAndIsNotRetried) {
  FakeServer server([](int, const httplib::Request&, httplib::Response& response) {
    std::this_thread::sleep_for(std::chrono::milliseconds(900));
    response.set_content(reply_json("too late").dump(), "application/json");
  });
  auto options = options_for(server);
  options.timeout_s = 0.2;
  auto client = client_for(options);
  const auto start = Clock::now();
  auto reply = client->complete(hello());
  ASSERT_FALSE(reply.ok());
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(800));
  EXPECT_NE(reply.message().find("no reply within 0.2 s"), std::string::npos) << reply.message();
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(OpenAiClient, AStreamThatStallsHitsTheTimeout) {
  FakeServer server([](int, const httplib::Request&, httplib::Response& response) {
    response.set_chunked_content_provider("text/event-stream", [](size_t, httplib::DataSink& sink) {
      const std::string first = event(delta_chunk("first"));
      sink.write(first.data(), first.size());
      std::this_thread::sleep_for(std::chrono::milliseconds(900));
      return false;
    });
  });
  auto options = options_for(server);
  options.timeout_s = 0.2;
  auto client = client_for(options);
  CompletionRequest request = hello();
  std::string streamed;
  request.on_text = [&](std::string_view piece) {
    streamed += piece;
    return true;
  };
  auto reply = client->complete(request);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(streamed, "first");
  EXPECT_NE(reply.message().find("stalled for 0.2 s"), std::string::npos) << reply.message();
  EXPECT_EQ(server.requests().size(), 1u);  // text was handed on: another attempt would repeat it
}

TEST(OpenAiClient, MalformedRepliesAreErrors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      // content type, body, and what the error must say
      {"application/json", "{not json"},
      {"application/json", R"({"object":"chat.completion"})"},
      {"application/json", R"({"choices":[{"message":{"content":42}}]})"},
      {"application/json", R"({"choices":[7]})"},
      {"application/json", "[1,2,3]"},
      {"text/event-stream", "data: {not json\n\n"},
      {"text/event-stream", "data: [1]\n\n"},
      {"text/event-stream", "data: " + json({{"choices", {{{"delta", {{"content", 5}}}}}}}).dump() + "\n\n"},
      {"text/event-stream", "data: {\"choices\":[3]}\n\n"},
      {"text/event-stream", "data: {\"error\":{\"message\":\"out of memory\"}}\n\n"},
      {"text/event-stream", "event: error\ndata: {\"message\":\"overloaded\"}\n\n"},
  };
  const std::vector<std::string> says = {"not a JSON object",
                                         "no choices",
                                         "content is not a string",
                                         "no choices",
                                         "not a JSON object",
                                         "not a JSON object",
                                         "not a JSON object",
                                         "content is not a string",
                                         "not an object",
                                         "out of memory",
                                         "overloaded"};
  for (size_t i = 0; i < cases.size(); ++i) {
    FakeServer server([&](int, const httplib::Request&, httplib::Response& response) {
      send_in_pieces(response, cases[i].second, cases[i].first);
    });
    auto client = client_for(options_for(server));
    auto reply = client->complete(hello());
    ASSERT_FALSE(reply.ok()) << cases[i].second;
    EXPECT_NE(reply.message().find(says[i]), std::string::npos)
        << cases[i].second << " -> " << reply.message();
    EXPECT_NE(reply.message().find(server.base_url()), std::string::npos) << reply.message();
  }
}

TEST(OpenAiClient, ATruncatedStreamIsAnError) {
  struct Case {
    std::string sent;
    bool clean_end;  // the server ends the body properly
    std::string says;
  };
  const std::string two = event(delta_chunk("Hold")) + event(delta_chunk(" the"));
  const std::vector<Case> cases = {{two, true, "ended before its end"},
                                   {two + "data: {\"cho", true, "not a JSON object"},
                                   {two + "data: {\"cho", false, "broke off"}};
  for (const auto& c : cases) {
    FakeServer server([&](int, const httplib::Request&, httplib::Response& response) {
      response.set_chunked_content_provider("text/event-stream", [&c](size_t, httplib::DataSink& sink) {
        sink.write(c.sent.data(), c.sent.size());
        if (!c.clean_end) return false;
        sink.done();
        return true;
      });
    });
    auto client = client_for(options_for(server));
    CompletionRequest request = hello();
    std::string streamed;
    request.on_text = [&](std::string_view piece) {
      streamed += piece;
      return true;
    };
    auto reply = client->complete(request);
    ASSERT_FALSE(reply.ok());
    EXPECT_EQ(streamed, "Hold the");
    EXPECT_NE(reply.message().find(c.says), std::string::npos) << reply.message();
    EXPECT_EQ(server.requests().size(), 1u);  // text was handed on: another attempt would repeat it
  }
  // Without a streaming caller nothing was handed on, so a cut stream is retried.
  FakeServer server([](int number, const httplib::Request&, httplib::Response& response) {
    if (number == 0) {
      send_in_pieces(response, event(delta_chunk("Hold")));
      return;
    }
    send_in_pieces(response, stream_of({"Hold", " on"}));
  });
  auto client = client_for(options_for(server));
  auto reply = client->complete(hello());
  ASSERT_TRUE(reply.ok()) << reply.message();
  EXPECT_EQ(reply->text, "Hold on");
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(OpenAiClient, UnderstandsRepliesByTheirBodyWhateverTheirContentType) {
  struct Case {
    std::string content_type, body, text;
  };
  const std::vector<Case> cases = {
      {"application/json; charset=utf-8", reply_json("plain JSON to a streamed request").dump(),
       "plain JSON to a streamed request"},
      {"text/plain", reply_json("JSON labelled text").dump(), "JSON labelled text"},
      {"text/plain", stream_of({"a stream", " labelled text"}), "a stream labelled text"},
      {"Text/Event-Stream; charset=utf-8", stream_of({"mixed case"}), "mixed case"},
  };
  for (const auto& c : cases) {
    FakeServer server([&](int, const httplib::Request&, httplib::Response& response) {
      send_in_pieces(response, c.body, c.content_type);
    });
    auto client = client_for(options_for(server));
    auto reply = client->complete(hello());
    ASSERT_TRUE(reply.ok()) << c.content_type << ": " << reply.message();
    EXPECT_EQ(reply->text, c.text);
  }
  FakeServer html([](int, const httplib::Request&, httplib::Response& response) {
    response.set_content("<html><body>Welcome to nginx!</body></html>", "text/html");
  });
  auto client = client_for(options_for(html));
  auto reply = client->complete(hello());
  ASSERT_FALSE(reply.ok());
  EXPECT_NE(reply.message().find("(Content-Type: text/html)"), std::string::npos) << reply.message();
  EXPECT_NE(reply.message().find("Welcome to nginx"), std::string::npos) << reply.message();
}

TEST(OpenAiClient, TakesAHugeReplyAndRefusesOneOverTheLimit) {
  std::string big;
  for (int i = 0; big.size() < (size_t{4} << 20); ++i)
    big += "line " + std::to_string(i) + " of the manual\n";
  std::vector<std::string> pieces;
  for (size_t at = 0; at < big.size(); at += 4096) pieces.push_back(big.substr(at, 4096));
  for (bool stream : {false, true}) {
    FakeServer server([&](int, const httplib::Request&, httplib::Response& response) {
      if (stream)
        response.set_content(stream_of(pieces), "text/event-stream");
      else
        response.set_content(reply_json(big).dump(), "application/json");
    });
    auto options = options_for(server);
    options.stream = stream;
    auto client = client_for(options);
    auto reply = client->complete(hello());
    ASSERT_TRUE(reply.ok()) << reply.message();
    EXPECT_EQ(reply->text, big);
    options.max_response_bytes = 1 << 20;
    auto limited = client_for(options)->complete(hello());
    ASSERT_FALSE(limited.ok());
    EXPECT_NE(limited.message().find("larger than 1048576 bytes"), std::string::npos) << limited.message();
  }
}

TEST(OpenAiClient, EndsTheReplyBeforeAStopSequenceTheServerIgnored) {
  FakeServer server([](int, const httplib::Request&, httplib::Response& response) {
    send_in_pieces(response, stream_of({"Hel", "lo E", "ND wor", "ld"}));
  });
  auto client = client_for(options_for(server));
  CompletionRequest request = hello();
  request.stop = {"x", "END"};
  std::string streamed;
  request.on_text = [&](std::string_view piece) {
    streamed += piece;
    return true;
  };
  auto reply = client->complete(request);
  ASSERT_TRUE(reply.ok()) << reply.message();
  EXPECT_EQ(reply->text, "Hello ");
  EXPECT_EQ(streamed, "Hello ");
  EXPECT_EQ(reply->finish_reason, "stop");
  // Held back text that turned out not to be a stop is streamed.
  request.stop = {"ENDS"};
  streamed.clear();
  reply = client->complete(request);
  ASSERT_TRUE(reply.ok()) << reply.message();
  EXPECT_EQ(reply->text, "Hello END world");
  EXPECT_EQ(streamed, reply->text);
}

TEST(OpenAiClient, StopsReadingWhenTheCallerCancels) {
  std::vector<std::string> many(2000, "word ");
  FakeServer server([&](int, const httplib::Request&, httplib::Response& response) {
    send_in_pieces(response, stream_of(many));
  });
  auto client = client_for(options_for(server));
  CompletionRequest request = hello();
  int calls = 0;
  request.on_text = [&](std::string_view) { return ++calls < 3; };
  auto reply = client->complete(request);
  ASSERT_TRUE(reply.ok()) << reply.message();
  EXPECT_EQ(reply->finish_reason, "cancelled");
  EXPECT_EQ(reply->text, "word word word ");
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(OpenAiClient, ServesSeveralThreadsAtOnce) {
  FakeServer server([](int, const httplib::Request& request, httplib::Response& response) {
    const json body = json::parse(request.body);
    send_in_pieces(response, stream_of({"echo: ", body["messages"][0]["content"].get<std::string>()}));
  });
  auto client = client_for(options_for(server));
  std::vector<std::thread> threads;
  std::atomic<int> right{0};
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&, t] {
      CompletionRequest request;
      request.messages = {{"user", "question " + std::to_string(t)}};
      auto reply = client->complete(request);
      if (reply.ok() && reply->text == "echo: question " + std::to_string(t)) ++right;
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(right.load(), 6);
}

TEST(OpenAiClient, RefusesBaseUrlsItCannotUse) {
  for (const char* url : {"", "127.0.0.1:8080/v1", "ftp://host/v1", "http://", "http:///v1", "http://:80/v1",
                          "http://host/v1?x=1", "http://ho st/v1"}) {
    auto client = OpenAiClient::open(at(url));
    ASSERT_FALSE(client.ok()) << url;
    EXPECT_NE(client.message().find(std::string("'") + url + "'"), std::string::npos) << client.message();
  }
  auto https = OpenAiClient::open(at("https://api.example.com/v1/", "gpt-4o-mini"));
  ASSERT_TRUE(https.ok()) << https.message();
  EXPECT_EQ((*https)->id(), "openai:https://api.example.com/v1#gpt-4o-mini");
}

TEST(OpenLanguageModel, ParsesOpenAiSpecsAndTakesTheKeyFromTheEnvironment) {
  FakeServer server([](int, const httplib::Request&, httplib::Response& response) {
    send_in_pieces(response, stream_of({"ok"}));
  });
  ::setenv("OPENAI_API_KEY", "sk-from-env", 1);
  auto model = open_language_model("openai:" + server.base_url() + "#served-model");
  ::unsetenv("OPENAI_API_KEY");
  ASSERT_TRUE(model.ok()) << model.message();
  EXPECT_EQ((*model)->id(), "openai:" + server.base_url() + "#served-model");
  EXPECT_TRUE((*model)->supports_json_schema());
  auto reply = (*model)->complete(hello());
  ASSERT_TRUE(reply.ok()) << reply.message();
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].authorization, "Bearer sk-from-env");
  EXPECT_EQ(seen[0].body["model"], "served-model");

  LanguageModelOptions options;
  options.api_key = "sk-given";
  ASSERT_TRUE(open_language_model("openai:" + server.base_url(), options).ok());
}

TEST(OpenLanguageModel, ErrorsNameTheSpec) {
  for (const char* spec : {"", "openai", "openai:", "openai:#model", "openai:http://host/v1#", "gguf:",
                           "none", "llama:model.gguf", "openai:ftp://host", "gguf:/no/such/file.gguf"}) {
    auto model = open_language_model(spec);
    ASSERT_FALSE(model.ok()) << spec;
    EXPECT_NE(model.message().find(std::string("'") + spec + "'"), std::string::npos) << model.message();
  }
}

// The event-stream parser on its own: every way of cutting the same bytes
// gives the same events.
std::vector<ServerSentEvent> parse_in_pieces(const std::string& bytes, size_t piece) {
  std::vector<ServerSentEvent> events;
  EventStreamParser parser([&](const ServerSentEvent& e) {
    events.push_back(e);
    return true;
  });
  for (size_t at = 0; at < bytes.size(); at += piece)
    EXPECT_TRUE(parser.feed(std::string_view(bytes).substr(at, piece)));
  EXPECT_TRUE(parser.finish());
  return events;
}

TEST(EventStreamParser, ReadsEventsHoweverTheBytesAreCut) {
  struct Case {
    std::string bytes;
    std::vector<std::pair<std::string, std::string>> events;  // type, data
  };
  const std::vector<Case> cases = {
      {"data: a\n\ndata: b\n\n", {{"", "a"}, {"", "b"}}},
      {"data: a\r\n\r\ndata:b\r\n\r\n", {{"", "a"}, {"", "b"}}},
      {"data: a\r\rdata:  b\r\r", {{"", "a"}, {"", " b"}}},
      {"data: one\ndata: two\n\n", {{"", "one\ntwo"}}},
      {": comment\n\nevent: error\ndata: x\n\ndata: y\n\n", {{"error", "x"}, {"", "y"}}},
      {"event: ping\n\ndata: after\n\n", {{"", "after"}}},  // an event without data is dropped
      {"id: 1\nretry: 10\ndata\n\n", {{"", ""}}},
      {"\xEF\xBB\xBF"
       "data: bom\n\n",
       {{"", "bom"}}},
      {"data: [DONE]\n", {{"", "[DONE]"}}},  // no blank line at the end
      {"data: [DONE]", {{"", "[DONE]"}}},
      {"data: caf\xC3\xA9 \xF0\x9F\x98\x80\n\n", {{"", "caf\xC3\xA9 \xF0\x9F\x98\x80"}}},
      {"", {}},
      {"\n\n\n", {}},
  };
  for (const auto& c : cases)
    for (size_t piece : {1, 2, 3, 5, 1000}) {
      auto events = parse_in_pieces(c.bytes, piece);
      ASSERT_EQ(events.size(), c.events.size()) << c.bytes << " in pieces of " << piece;
      for (size_t i = 0; i < events.size(); ++i) {
        EXPECT_EQ(events[i].type, c.events[i].first) << c.bytes;
        EXPECT_EQ(events[i].data, c.events[i].second) << c.bytes << " in pieces of " << piece;
      }
    }
}

TEST(EventStreamParser, StopsWhenTheHandlerSaysSo) {
  int seen = 0;
  EventStreamParser parser([&](const ServerSentEvent&) { return ++seen < 2; });
  EXPECT_FALSE(parser.feed("data: 1\n\ndata: 2\n\ndata: 3\n\n"));
  EXPECT_FALSE(parser.feed("data: 4\n\n"));
  EXPECT_FALSE(parser.finish());
  EXPECT_EQ(seen, 2);
}

}  // namespace
}  // namespace groundline::llm

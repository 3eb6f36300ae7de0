// `groundline serve` as a user runs it: the real binary on a free loopback
// port, the port read from its first line, a clean stop on SIGTERM and
// SIGINT, and the mistakes it refuses to start with.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <regex>
#include <string>
#include <vector>

#include "tests/test_files.h"

namespace groundline {
namespace {

using testing::TempDir;

const std::string kExample = std::string(GROUNDLINE_SOURCE_DIR) + "/examples/acme";

// Runs groundline to the end; returns its exit status and stderr.
std::pair<int, std::string> run(const std::vector<std::string>& args, const TempDir& dir) {
  std::string cmd = GROUNDLINE_BINARY;
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd += " >/dev/null 2>'" + dir / "stderr.txt" + "'";
  int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, testing::read_file(dir / "stderr.txt")};
}

// `groundline serve` in a child process; its stdout is a pipe read here.
class ServeProcess {
 public:
  ServeProcess(std::vector<std::string> args, const TempDir& dir) {
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      freopen((dir / "serve.err").c_str(), "w", stderr);
      std::vector<char*> argv = {const_cast<char*>(GROUNDLINE_BINARY), const_cast<char*>("serve")};
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(GROUNDLINE_BINARY, argv.data());
      _exit(127);
    }
    close(out[1]);
    out_ = fdopen(out[0], "r");
  }
  ~ServeProcess() {
    if (pid_ > 0 && !waited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_) fclose(out_);
  }

  // The first line the server printed ("" when it printed none).
  std::string first_line() {
    std::array<char, 256> line{};
    if (!out_ || !fgets(line.data(), line.size(), out_)) return "";
    return line.data();
  }
  // Sends `signal` and returns the exit status (-1 when killed by a signal).
  int stop(int signal) {
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    waited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  bool waited_ = false;
};

class Serve : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    kb_ = *dir_ / "acme.db";
    auto [code, err] =
        run({"ingest", kExample + "/docs", "--config", kExample + "/groundline.yaml", "--kb", kb_}, *dir_);
    ASSERT_EQ(code, 0) << err;
  }
  static void TearDownTestSuite() { delete dir_; }

  static TempDir* dir_;
  static std::string kb_;
};
TempDir* Serve::dir_ = nullptr;
std::string Serve::kb_;

TEST_F(Serve, PrintsThePortItBoundAndStopsCleanlyOnSignals) {
  for (int signal : {SIGTERM, SIGINT}) {
    ServeProcess server({"--kb", kb_, "--port", "0", "--threads", "4"}, *dir_);
    std::string line = server.first_line();
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, std::regex(R"(listening on http://127\.0\.0\.1:(\d+)\n)"))) << line;
    httplib::Client client("127.0.0.1", std::stoi(m[1]));
    auto health = client.Get("/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    auto answer = client.Post("/v1/answer", R"({"question": "What does E402 mean?"})", "application/json");
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->status, 200);
    EXPECT_EQ(server.stop(signal), 0) << signal;
    auto err = testing::read_file(*dir_ / "serve.err");
    EXPECT_NE(err.find("WARNING: no api_keys are configured"), std::string::npos) << err;
  }
}

TEST_F(Serve, WithKeysTheWarningIsNotGiven) {
  std::string config = dir_->write("keys.yaml", "api_keys: [sk-1]\n");
  ServeProcess server({"--kb", kb_, "--port", "0", "--config", config}, *dir_);
  ASSERT_NE(server.first_line().find("listening on"), std::string::npos);
  EXPECT_EQ(server.stop(SIGTERM), 0);
  EXPECT_EQ(testing::read_file(*dir_ / "serve.err").find("WARNING"), std::string::npos);
}

TEST_F(Serve, RefusesToStartOnMistakes) {
  std::string bad_config = dir_->write("bad.yaml", "api_key: [sk-1]\n");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  for (const auto& c : std::vector<Case>{
           {{"serve", "--kb", *dir_ / "none.db", "--port", "0"}, "none.db: no knowledge base here"},
           {{"serve", "--kb", kb_, "--port", "0", "--config", bad_config}, "unknown setting 'api_key'"},
           {{"serve", "--kb", kb_, "--port", "0", "--config", *dir_ / "missing.yaml"}, "missing.yaml"},
           {{"serve", "--kb", kb_, "--port", "0", "--llm", "bogus"}, "bogus"},
           {{"serve", "--kb", kb_, "--port", "0", "--host", "203.0.113.1"}, "cannot listen on 203.0.113.1"},
       }) {
    auto [code, err] = run(c.args, *dir_);
    EXPECT_EQ(code, 2) << c.message;
    EXPECT_NE(err.find(c.message), std::string::npos) << err;
  }
}

TEST_F(Serve, APortInUseIsAnError) {
  ServeProcess first({"--kb", kb_, "--port", "0"}, *dir_);
  std::smatch m;
  std::string line = first.first_line();
  ASSERT_TRUE(std::regex_search(line, m, std::regex(R"(:(\d+))")));
  auto [code, err] = run({"serve", "--kb", kb_, "--port", m[1]}, *dir_);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("cannot listen on 127.0.0.1:" + std::string(m[1])), std::string::npos) << err;
  EXPECT_EQ(first.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace groundline

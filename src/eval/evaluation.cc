#include "eval/evaluation.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include "answer/verifier.h"
#include "ingest/rechunk.h"
#include "kb/store.h"
#include "llm/language_model.h"
#include "retrieve/search.h"

namespace groundline::eval {

namespace {

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

std::string joined(const std::vector<std::string>& facts) {
  std::string out;
  for (const auto& f : facts) out += (out.empty() ? "" : "; ") + f;
  return out;
}

std::vector<std::string> filters_of(const LabelledQuestion& q, const EvalConfig& config) {
  return config.filters ? q.filters : std::vector<std::string>{};
}

Status search_question(kb::Store& store, const LabelledQuestion& q, const EvalConfig& config, int k,
                       QuestionResult& r) {
  retrieve::SearchOptions options;
  options.k = k;
  GL_ASSIGN_OR_RETURN(options.filters, retrieve::parse_filters(filters_of(q, config)));
  auto start = std::chrono::steady_clock::now();
  GL_ASSIGN_OR_RETURN(auto hits, retrieve::search(store, q.question, options));
  r.search_ms = ms_since(start);
  for (const auto& h : hits) r.retrieved.push_back({h.path, h.first_line, h.last_line});
  if (!q.answerable) return {};
  r.found_rank = first_relevant_rank(r.retrieved, q.gold, k);
  r.ndcg = ndcg_at(r.retrieved, q.gold, k);
  return {};
}

bool on_gold(const answer::Citation& c, const std::vector<GoldRange>& gold) {
  return std::any_of(gold.begin(), gold.end(), [&](const GoldRange& g) {
    return overlaps({c.path, c.first_line, c.last_line}, g);
  });
}

void score_answer(const LabelledQuestion& q, const answer::Answer& a, QuestionResult& r) {
  static const answer::VerifyOptions verify;  // without product names: looser than the verifier's own
  r.asked = true;
  r.answer = a.text;
  r.abstained = a.abstained;
  r.latency = a.latency;
  r.released = static_cast<int>(a.sentences.size());
  r.removed = static_cast<int>(a.removed.size());
  std::string text;
  for (const auto& s : a.sentences) {
    text += s.text + " ";
    std::string quotes;
    for (const auto& c : s.citations) {
      quotes += c.quote + "\n";
      r.citations++;
      r.citations_on_gold += on_gold(c, q.gold);
    }
    if (answer::missing_fact(s.text, quotes, verify)) r.unsupported_released++;
  }
  r.correct = q.answerable && !a.abstained &&
              std::all_of(q.answer_facts.begin(), q.answer_facts.end(),
                          [&](const std::string& f) { return states_fact(text, f); });
  if (!q.reference_answer.empty()) r.f1 = a.abstained ? 0.0 : token_f1(text, q.reference_answer);
}

struct Models {
  std::unique_ptr<llm::LanguageModel> answerer, checker;
};

Status answer_question(kb::Store& store, const Models& models, const LabelledQuestion& q,
                       const EvalConfig& config, QuestionResult& r) {
  answer::AskOptions options;
  GL_ASSIGN_OR_RETURN(options.filters, retrieve::parse_filters(filters_of(q, config)));
  options.sources = config.sources;
  options.model = models.answerer.get();
  options.checker = models.checker.get();
  options.self_check = config.self_check;
  GL_ASSIGN_OR_RETURN(auto a, answer::ask(store, q.question, options));
  score_answer(q, a, r);
  return {};
}

Verdict verdict_of(const QuestionResult& r) {
  if (!r.answerable)
    return !r.asked || r.abstained ? Verdict::kCorrectAbstention : Verdict::kAnsweredUnanswerable;
  if (!r.found_rank) return Verdict::kRetrievalMiss;
  if (!r.asked) return Verdict::kCorrect;
  if (r.abstained) return Verdict::kFalseAbstention;
  return r.correct ? Verdict::kCorrect : Verdict::kWrongAnswer;
}

struct Worker {
  Worker(const std::vector<LabelledQuestion>& questions, const EvalConfig& config, const EvalOptions& options,
         const Models& models, std::vector<QuestionResult>& results)
      : questions(questions), config(config), options(options), models(models), results(results) {}

  const std::vector<LabelledQuestion>& questions;
  const EvalConfig& config;
  const EvalOptions& options;
  const Models& models;
  std::vector<QuestionResult>& results;
  std::atomic<size_t> next{0}, done{0};
  std::mutex mutex;
  std::string error;

  void run(kb::Store& store) {
    for (size_t i = next++; i < questions.size() && !failed(); i = next++) {
      if (auto s = one(store, questions[i], results[i]); !s.ok()) {
        std::lock_guard lock(mutex);
        if (error.empty()) error = "question " + questions[i].id + ": " + s.message();
        return;
      }
      size_t n = ++done;
      if (options.on_progress) options.on_progress(n, questions.size());
    }
  }

  Status one(kb::Store& store, const LabelledQuestion& q, QuestionResult& r) {
    r.id = q.id;
    r.question = q.question;
    r.type = q.type;
    r.answerable = q.answerable;
    r.expected = q.answerable ? joined(q.answer_facts) : "abstain";
    GL_TRY(search_question(store, q, config, options.k, r));
    if (config.answers) GL_TRY(answer_question(store, models, q, config, r));
    r.verdict = verdict_of(r);
    return {};
  }

  bool failed() {
    std::lock_guard lock(mutex);
    return !error.empty();
  }
};

Result<Models> open_models(const EvalConfig& config) {
  Models models;
  if (!config.answers) return models;
  if (config.answerer != "extractive") {
    GL_ASSIGN_OR_RETURN(models.answerer, llm::open_language_model(config.answerer));
  }
  if (!config.checker.empty()) {
    GL_ASSIGN_OR_RETURN(models.checker, llm::open_language_model(config.checker));
  }
  return models;
}

}  // namespace

const char* verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::kRetrievalMiss:
      return "retrieval miss";
    case Verdict::kFalseAbstention:
      return "false abstention";
    case Verdict::kWrongAnswer:
      return "wrong answer";
    case Verdict::kAnsweredUnanswerable:
      return "answered unanswerable";
    case Verdict::kCorrect:
      return "correct";
    case Verdict::kCorrectAbstention:
      return "correct abstention";
  }
  return "";
}

Result<ConfigResult> evaluate(const std::string& kb_path, const std::vector<LabelledQuestion>& questions,
                              const EvalConfig& config, const EvalOptions& options) {
  if (options.k < 1) return make_error("k must be at least 1");
  GL_ASSIGN_OR_RETURN(auto models, open_models(config));
  ConfigResult result{config, kb_path, std::vector<QuestionResult>(questions.size())};
  Worker worker(questions, config, options, models, result.questions);
  size_t threads = std::clamp<size_t>(options.threads, 1, std::max<size_t>(questions.size(), 1));
  std::vector<std::unique_ptr<kb::Store>> stores;
  for (size_t t = 0; t < threads; ++t) {
    GL_ASSIGN_OR_RETURN(auto store, kb::Store::open(kb_path, true));
    stores.push_back(std::move(store));
  }
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back([&, t] { worker.run(*stores[t]); });
  worker.run(*stores[0]);
  for (auto& thread : pool) thread.join();
  if (!worker.error.empty()) return make_error(worker.error);
  return result;
}

Result<std::string> knowledge_base_for(const std::string& kb_path, const EvalConfig& config,
                                       const std::string& scratch_dir) {
  if (!config.chunking) return kb_path;
  GL_ASSIGN_OR_RETURN(auto source, kb::Store::open(kb_path, true));
  auto stored = source->meta("ingest_config");
  GL_ASSIGN_OR_RETURN(auto settings, ingest::config_from_json(stored ? *stored : "{}"));
  if (stored && settings.chunking.max_tokens == config.chunking->max_tokens &&
      settings.chunking.overlap_tokens == config.chunking->overlap_tokens)
    return kb_path;
  settings.chunking = *config.chunking;
  std::string path =
      (std::filesystem::path(scratch_dir) / ("rechunked-" + std::to_string(config.chunking->max_tokens) +
                                             "-" + std::to_string(config.chunking->overlap_tokens) + ".db"))
          .string();
  if (std::filesystem::exists(path)) return path;
  GL_ASSIGN_OR_RETURN(auto scratch, kb::Store::create(path));
  GL_TRY(ingest::rechunk_into(*source, *scratch, settings));
  GL_TRY(scratch->publish());
  return path;
}

Result<std::vector<std::string>> check_gold(const std::string& kb_path,
                                            const std::vector<LabelledQuestion>& questions) {
  GL_ASSIGN_OR_RETURN(auto store, kb::Store::open(kb_path, true));
  GL_ASSIGN_OR_RETURN(auto documents, store->documents());
  std::map<std::string, int> lines;
  for (const auto& d : documents)
    if (!d.deleted) lines[d.path] = d.line_count;
  std::vector<std::string> problems;
  for (const auto& q : questions)
    for (const auto& g : q.gold) {
      auto it = lines.find(g.doc);
      if (it == lines.end())
        problems.push_back(q.id + ": gold document '" + g.doc + "' is not in the knowledge base");
      else if (g.last_line > it->second)
        problems.push_back(q.id + ": gold lines " + std::to_string(g.first_line) + "-" +
                           std::to_string(g.last_line) + " of '" + g.doc + "' are past its last line (" +
                           std::to_string(it->second) + ")");
    }
  return problems;
}

}  // namespace groundline::eval

#include "answer/answer.h"

#include <chrono>
#include <cmath>

#include "answer/extractive.h"
#include "answer/generative.h"
#include "answer/sources.h"
#include "answer/verifier.h"
#include "core/utf8.h"
#include "retrieve/search.h"

namespace groundline::answer {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The question's terms weighted by inverse document frequency.
Result<std::vector<WeightedTerm>> weighted_terms(kb::Store& store, std::string_view question) {
  std::vector<WeightedTerm> out;
  GL_ASSIGN_OR_RETURN(auto stats, store.lexical_stats());
  double n = static_cast<double>(stats.chunks);
  for (auto& term : retrieve::query_terms(question)) {
    double df = 0;
    GL_TRY(store.scan_postings(
        term, [&](kb::PostingCursor& postings) { df = static_cast<double>(postings.size()); }));
    out.push_back({std::move(term), std::log(1.0 + (n - df + 0.5) / (df + 0.5))});
  }
  return out;
}

std::string answer_text(const std::vector<AnswerSentence>& sentences) {
  std::string text;
  for (const auto& s : sentences) {
    if (!text.empty()) text += ' ';
    text += s.text + " " + format_citations(s.citations);
  }
  return text;
}

// Drafts the sentences: a model's, or the extractive answerer's.
struct Drafted {
  std::vector<DraftSentence> sentences;
  std::string abstain_reason;  // when the answerer itself declined
  double confidence = 0;
};

Result<Drafted> draft(kb::Store& store, std::string_view question, const std::vector<Source>& sources,
                      const std::vector<std::string>& products, const AskOptions& options, Answer& answer) {
  Drafted out;
  GL_ASSIGN_OR_RETURN(auto terms, weighted_terms(store, question));
  ExtractiveOptions extractive;
  extractive.products = products;
  auto picked = answer_extractively(question, terms, sources, extractive);
  out.confidence = picked.confidence;
  if (!options.model || picked.sentences.empty()) {
    // Sources that cover too little of the question are not shown to a
    // model either: it would answer something else from them.
    if (picked.sentences.empty()) out.abstain_reason = "no source line covers the question";
    out.sentences = std::move(picked.sentences);
    return out;
  }
  GL_ASSIGN_OR_RETURN(auto drafted, draft_with_model(*options.model, question, sources, options));
  const auto& c = drafted.completion;
  answer.latency.prompt_tokens = c.prompt_tokens;
  answer.latency.completion_tokens = c.completion_tokens;
  if (c.completion_tokens > 0) answer.latency.ms_per_token = c.generate_ms / c.completion_tokens;
  out.sentences = std::move(drafted.sentences);
  if (drafted.said_not_found) out.abstain_reason = "the model found no answer in the sources";
  return out;
}

// The self-check's verdicts: denied sentences move to `removed`. A reply
// that cannot be read leaves the verified sentences and is reported.
void apply_self_check(llm::LanguageModel& checker, Verified& verified, Answer& answer) {
  auto start = Clock::now();
  auto denied = self_check(checker, verified.kept);
  answer.latency.self_check_ms = ms_since(start);
  if (!denied.ok()) {
    answer.self_check_error = denied.message();
    return;
  }
  for (auto i = denied->rbegin(); i != denied->rend(); ++i) {
    auto& s = verified.kept[*i];
    verified.removed.push_back({s.text, s.citations, "the self-check found its cited lines do not state it"});
    verified.kept.erase(verified.kept.begin() + static_cast<std::ptrdiff_t>(*i));
  }
}

}  // namespace

Result<Answer> ask(kb::Store& store, std::string_view question, const AskOptions& options) {
  auto start = Clock::now();
  Answer answer;
  answer.question = core::to_valid_utf8(question);
  answer.answerer = options.model ? options.model->id() : "extractive";
  if (core::trim(answer.question).empty()) return make_error("the question is empty");

  retrieve::SearchOptions search;
  search.filters = options.filters;
  search.k = std::max(1, options.sources);
  GL_ASSIGN_OR_RETURN(auto hits, retrieve::search(store, answer.question, search));
  GL_ASSIGN_OR_RETURN(answer.sources, build_sources(store, hits));
  answer.latency.retrieve_ms = ms_since(start);

  auto generate_start = Clock::now();
  auto products = retrieve::configured_products(store);
  Drafted drafted;
  if (!answer.sources.empty()) {
    GL_ASSIGN_OR_RETURN(drafted, draft(store, answer.question, answer.sources, products, options, answer));
  } else {
    drafted.abstain_reason = "no document matches the question";
  }
  answer.latency.generate_ms = ms_since(generate_start);

  auto verify_start = Clock::now();
  VerifyOptions verify_options;
  verify_options.products = products;
  auto verified = verify(drafted.sentences, answer.sources, verify_options);
  llm::LanguageModel* checker = options.checker ? options.checker : options.model;
  if (checker && options.self_check && !verified.kept.empty()) {
    apply_self_check(*checker, verified, answer);
  }
  answer.sentences = std::move(verified.kept);
  answer.removed = std::move(verified.removed);
  answer.latency.verify_ms = ms_since(verify_start);

  answer.grounded = !answer.sentences.empty();
  answer.abstained = !answer.grounded;
  answer.needs_human = answer.abstained || !answer.removed.empty() || !answer.self_check_error.empty();
  if (answer.abstained) {
    answer.text = std::string(kNotFound);
    answer.abstain_reason = !drafted.abstain_reason.empty()
                                ? drafted.abstain_reason
                                : "every sentence was unsupported by its cited lines";
    answer.confidence = 0;
  } else {
    answer.text = answer_text(answer.sentences);
    double kept = static_cast<double>(answer.sentences.size());
    answer.confidence = drafted.confidence * kept / (kept + static_cast<double>(answer.removed.size()));
  }
  answer.latency.total_ms = ms_since(start);
  return answer;
}

namespace {

nlohmann::json citation_json(const Citation& c) {
  return {{"source", c.source},       {"doc_id", c.doc_id},   {"path", c.path},
          {"title", c.title},         {"version", c.version}, {"first_line", c.first_line},
          {"last_line", c.last_line}, {"quote", c.quote}};
}

nlohmann::json citations_json(const std::vector<Citation>& citations) {
  auto out = nlohmann::json::array();
  for (const auto& c : citations) out.push_back(citation_json(c));
  return out;
}

}  // namespace

nlohmann::json to_json(const Answer& a) {
  auto sentences = nlohmann::json::array();
  for (const auto& s : a.sentences)
    sentences.push_back({{"text", s.text}, {"citations", citations_json(s.citations)}});
  auto removed = nlohmann::json::array();
  for (const auto& r : a.removed)
    removed.push_back({{"text", r.text}, {"reason", r.reason}, {"citations", citations_json(r.citations)}});
  auto sources = nlohmann::json::array();
  for (const auto& s : a.sources)
    sources.push_back({{"number", s.number},
                       {"doc_id", s.doc_id},
                       {"path", s.path},
                       {"title", s.title},
                       {"version", s.version},
                       {"first_line", s.first_line},
                       {"last_line", s.last_line},
                       {"heading_path", s.heading_path},
                       {"score", s.score}});
  const auto& l = a.latency;
  return {{"question", a.question},
          {"text", a.text},
          {"grounded", a.grounded},
          {"abstained", a.abstained},
          {"needs_human", a.needs_human},
          {"abstain_reason", a.abstain_reason},
          {"self_check_error", a.self_check_error},
          {"confidence", a.confidence},
          {"answerer", a.answerer},
          {"sentences", sentences},
          {"removed", removed},
          {"sources", sources},
          {"latency",
           {{"retrieve_ms", l.retrieve_ms},
            {"generate_ms", l.generate_ms},
            {"verify_ms", l.verify_ms},
            {"self_check_ms", l.self_check_ms},
            {"total_ms", l.total_ms},
            {"prompt_tokens", l.prompt_tokens},
            {"completion_tokens", l.completion_tokens},
            {"ms_per_token", l.ms_per_token}}}};
}

}  // namespace groundline::answer

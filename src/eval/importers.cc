#include "eval/importers.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "core/hash.h"
#include "core/utf8.h"
#include "core/words.h"
#include "eval/questions.h"

namespace groundline::eval {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

void note(ImportReport& report, std::string message) {
  ++report.problem_count;
  if (report.problems.size() < kMaxListedProblems) report.problems.push_back(std::move(message));
}

// ---- Lines as ingest numbers them

// Normalised as ingest normalises a line. Control characters go first so
// that NFC sees the characters ingest will see, then NFC, then spacing.
std::string normalised(std::string_view raw) {
  return core::normalize_line(core::to_nfc(core::normalize_line(raw)));
}

// Text on one line: line breaks become spaces.
std::string one_line(std::string_view raw) {
  std::string text(raw);
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return std::string(core::trim(normalised(text)));
}

// A corpus line that cannot start Markdown structure: no indentation, and a
// backslash before a leading heading, list, table, fence, rule, setext or
// quote marker (CommonMark shows the character itself; ingest sees prose).
std::string body_line(std::string_view raw) {
  std::string line = normalised(raw);
  line.erase(0, line.find_first_not_of(' '));
  if (line.empty()) return line;
  if (std::string_view("#-+*|`~=>").find(line[0]) != std::string_view::npos) return "\\" + line;
  size_t digits = line.find_first_not_of("0123456789");
  if (digits > 0 && digits != std::string::npos && (line[digits] == '.' || line[digits] == ')'))
    line.insert(digits, "\\");
  return line;
}

bool text_has_words(std::string_view text) {
  bool found = false;
  core::for_each_word(text, [&](std::string_view, size_t, size_t) { found = true; });
  return found;
}

// A document's lines exactly as ingest will number them: the Nth line
// added is line N.
class DocumentLines {
 public:
  void add_heading(std::string_view title) { lines_.push_back("# " + one_line(title)); }
  void add_blank() { lines_.emplace_back(); }
  // Adds one line per line of the source text.
  void add_text(const std::vector<std::string_view>& source_lines) {
    for (auto line : source_lines) lines_.push_back(body_line(line));
  }
  void append(const DocumentLines& other) {
    lines_.insert(lines_.end(), other.lines_.begin(), other.lines_.end());
  }

  int count() const { return static_cast<int>(lines_.size()); }
  bool has_words() const {
    return std::any_of(lines_.begin(), lines_.end(), [](const auto& l) { return text_has_words(l); });
  }
  std::string markdown() const {
    std::string text;
    for (const auto& line : lines_) text += line + "\n";
    return text;
  }

 private:
  std::vector<std::string> lines_;
};

// ---- The output folder

// Folders of at most a few thousand files each.
int shard_depth(size_t documents) {
  if (documents <= 2000) return 0;
  return documents <= 500000 ? 1 : 2;
}

class Output {
 public:
  static Result<Output> create(const ImportOptions& options, size_t documents, ImportReport& report);

  // The path, relative to docs/, of the document named after `id`.
  std::string path_for(std::string_view id) const;
  bool taken(const std::string& path) const { return fs::exists(docs_ / path); }
  Status write(const std::string& path, const DocumentLines& lines);
  Status write(const LabelledQuestion& q);
  Status close();
  // Removes what this import wrote (after a failure).
  void discard();

 private:
  fs::path docs_;
  std::string questions_path_;
  std::ofstream questions_;
  int depth_ = 0;
};

Status clear_previous(const fs::path& docs, const fs::path& questions, const ImportOptions& options) {
  std::error_code ec;
  bool present = fs::exists(docs, ec) || fs::exists(questions, ec);
  if (present && !options.force)
    return make_error(options.out + " already holds docs/ or questions.jsonl (--force replaces them)");
  fs::remove_all(docs, ec);
  if (!ec) fs::remove(questions, ec);
  if (ec) return make_error(options.out + ": cannot remove the previous import: " + ec.message());
  return {};
}

Result<Output> Output::create(const ImportOptions& options, size_t documents, ImportReport& report) {
  if (options.out.empty()) return make_error("no output folder given");
  Output out;
  out.docs_ = fs::path(options.out) / "docs";
  out.questions_path_ = (fs::path(options.out) / "questions.jsonl").string();
  out.depth_ = shard_depth(documents);
  GL_TRY(clear_previous(out.docs_, out.questions_path_, options));
  std::error_code ec;
  fs::create_directories(out.docs_, ec);
  if (ec) return make_error(out.docs_.string() + ": cannot create: " + ec.message());
  out.questions_.open(out.questions_path_, std::ios::binary | std::ios::trunc);
  if (!out.questions_) return make_error(out.questions_path_ + ": cannot write");
  report.docs_folder = out.docs_.string();
  report.questions_file = out.questions_path_;
  return out;
}

std::string Output::path_for(std::string_view id) const {
  std::string path;
  if (depth_ > 0) {
    std::string hash = core::content_hash(id);
    path = hash.substr(0, 2) + "/";
    if (depth_ > 1) path += hash.substr(2, 2) + "/";
  }
  return path + document_file_name(id) + ".md";
}

Status Output::write(const std::string& path, const DocumentLines& lines) {
  fs::path full = docs_ / path;
  std::error_code ec;
  fs::create_directories(full.parent_path(), ec);
  std::ofstream file(full, std::ios::binary | std::ios::trunc);
  file << lines.markdown();
  file.close();
  if (ec || !file) return make_error(full.string() + ": cannot write");
  return {};
}

Status Output::write(const LabelledQuestion& q) {
  questions_ << question_to_jsonl(q) << '\n';
  if (!questions_) return make_error(questions_path_ + ": cannot write");
  return {};
}

Status Output::close() {
  questions_.close();
  if (!questions_) return make_error(questions_path_ + ": cannot write");
  return {};
}

void Output::discard() {
  questions_.close();
  std::error_code ec;
  fs::remove_all(docs_, ec);
  fs::remove(questions_path_, ec);
}

Status write_question(Output& out, const LabelledQuestion& q, ImportReport& report) {
  GL_TRY(out.write(q));
  ++report.questions;
  if (!q.answerable) ++report.unanswerable;
  return {};
}

// ---- Reading input

// A text field: missing or null is "", an integer is written as text (some
// corpora number their ids); anything else is not text.
std::optional<std::string> text_of(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::string();
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return it->dump();
  return std::nullopt;
}

// Bytes with each malformed UTF-8 sequence replaced by U+FFFD (a JSON
// parser refuses them; ingest refuses them too).
bool repair_utf8(std::string& text) {
  if (core::check_utf8(text).ok()) return false;
  text = core::to_valid_utf8(text);
  return true;
}

Result<size_t> count_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(path + ": cannot read");
  size_t lines = 0;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    lines += static_cast<size_t>(std::count(buffer.data(), buffer.data() + in.gcount(), '\n'));
  }
  return lines + 1;
}

// Calls fn(object, "FILE:LINE: ") for each line of a JSON Lines file that
// holds a JSON object; reports the other non-blank lines. Stops at the
// first error fn returns.
template <class Fn>
Status for_each_json_line(const std::string& path, ImportReport& report, Fn&& fn) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(path + ": cannot read");
  std::string line;
  for (size_t line_no = 1; std::getline(in, line); ++line_no) {
    if (core::trim(line).empty()) continue;
    std::string where = path + ":" + std::to_string(line_no) + ": ";
    if (repair_utf8(line)) note(report, where + "invalid UTF-8 replaced by U+FFFD");
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      note(report, where + "not a JSON object");
      continue;
    }
    GL_TRY(fn(j, where));
  }
  if (in.bad()) return make_error(path + ": read error");
  return {};
}

// ---- BEIR

struct Judgement {
  std::string doc;
  size_t line = 0;  // in the qrels file
};

struct WrittenDocument {
  std::string path;
  int lines = 0;
};

struct Qrels {
  std::string file;
  std::unordered_map<std::string, std::vector<Judgement>> relevant;  // by query id
  std::unordered_map<std::string, WrittenDocument> documents;        // every relevant id; path once written
};

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  std::string field;
  while (std::getline(in, field, '\t')) fields.push_back(std::string(core::trim(field)));
  if (!line.empty() && line.back() == '\t') fields.emplace_back();
  return fields;
}

std::optional<double> number_of(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return value;
}

void add_judgement(Qrels& qrels, const std::vector<std::string>& fields, size_t line_no,
                   const std::string& where, ImportReport& report) {
  auto score = number_of(fields[2]);
  if (fields[0].empty() || fields[1].empty()) return note(report, where + "empty query-id or corpus-id");
  if (!score) return note(report, where + "score '" + fields[2] + "' is not a number");
  if (*score <= 0) return;
  auto& judged = qrels.relevant[fields[0]];
  bool repeated =
      std::any_of(judged.begin(), judged.end(), [&](const auto& j) { return j.doc == fields[1]; });
  if (repeated) return;
  judged.push_back({fields[1], line_no});
  qrels.documents.emplace(fields[1], WrittenDocument{});
}

Result<Qrels> read_qrels(const std::string& path, ImportReport& report) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(path + ": cannot read");
  Qrels qrels;
  qrels.file = path;
  std::string line;
  for (size_t line_no = 1; std::getline(in, line); ++line_no) {
    if (core::trim(line).empty()) continue;
    auto fields = split_tabs(line);
    bool header =
        line_no == 1 && (line.starts_with("query-id") || (fields.size() == 3 && !number_of(fields[2])));
    if (header) continue;
    std::string where = path + ":" + std::to_string(line_no) + ": ";
    if (fields.size() != 3) {
      note(report, where + "expected 3 tab-separated columns (query-id, corpus-id, score), found " +
                       std::to_string(fields.size()));
      continue;
    }
    add_judgement(qrels, fields, line_no, where, report);
  }
  if (qrels.relevant.empty()) return make_error(path + ": no relevant document (score > 0) in any row");
  return qrels;
}

DocumentLines beir_document(const std::string& id, const std::string& title, const std::string& text) {
  DocumentLines body;
  body.add_text(core::split_lines(text));
  std::string heading = one_line(title);
  // A document without words would be refused by ingest: its id stands in.
  if (!text_has_words(heading) && !body.has_words()) heading = "Document " + one_line(id);
  if (!text_has_words(heading)) return body;
  DocumentLines doc;
  doc.add_heading(heading);
  if (body.count() > 0) doc.add_blank();
  doc.append(body);
  return doc;
}

Status write_beir_document(const json& j, const std::string& where, Output& out, Qrels& qrels,
                           ImportReport& report) {
  auto id = text_of(j, "_id");
  auto title = text_of(j, "title");
  auto text = text_of(j, "text");
  std::string path = id ? out.path_for(*id) : "";
  std::string problem;
  if (!id || id->empty())
    problem = "no '_id'";
  else if (!title || !text)
    problem = "'title' and 'text' must be text";
  else if (out.taken(path))
    problem = "document '" + *id + "' is repeated";
  if (!problem.empty()) {
    note(report, where + problem);
    return {};
  }
  DocumentLines lines = beir_document(*id, *title, *text);
  GL_TRY(out.write(path, lines));
  ++report.documents;
  if (auto it = qrels.documents.find(*id); it != qrels.documents.end()) it->second = {path, lines.count()};
  return {};
}

// The question for a query, with one gold range per relevant document that
// was written; unknown documents are reported.
LabelledQuestion beir_question(const std::string& id, const std::string& text, const Qrels& qrels,
                               ImportReport& report) {
  LabelledQuestion q;
  q.id = id;
  q.question = one_line(text);
  q.type = "beir";
  for (const auto& judged : qrels.relevant.at(id)) {
    const auto& written = qrels.documents.at(judged.doc);
    if (written.path.empty())
      note(report,
           qrels.file + ":" + std::to_string(judged.line) + ": unknown document '" + judged.doc + "'");
    else
      q.gold.push_back({written.path, 1, written.lines});
  }
  return q;
}

Status write_beir_question(const json& j, const std::string& where, Output& out, const Qrels& qrels,
                           std::unordered_set<std::string>& seen, ImportReport& report) {
  auto id = text_of(j, "_id");
  auto text = text_of(j, "text");
  std::string problem;
  if (!id || id->empty())
    problem = "no '_id'";
  else if (!qrels.relevant.contains(*id))
    return {};
  else if (!seen.insert(*id).second)
    problem = "query '" + *id + "' is repeated";
  else if (!text || one_line(*text).empty())
    problem = "query '" + *id + "' has no text";
  if (!problem.empty()) {
    note(report, where + problem);
    return {};
  }
  LabelledQuestion q = beir_question(*id, *text, qrels, report);
  if (q.gold.empty()) return {};
  return write_question(out, q, report);
}

void report_unknown_queries(const Qrels& qrels, const std::unordered_set<std::string>& seen,
                            ImportReport& report) {
  std::vector<std::pair<size_t, std::string>> unknown;
  for (const auto& [id, judged] : qrels.relevant)
    if (!seen.contains(id)) unknown.emplace_back(judged.front().line, id);
  std::sort(unknown.begin(), unknown.end());
  for (const auto& [line, id] : unknown)
    note(report, qrels.file + ":" + std::to_string(line) + ": unknown query '" + id + "'");
}

Status check_beir_input(const fs::path& folder, const std::string& qrels) {
  if (!fs::is_directory(folder)) return make_error(folder.string() + ": no such folder");
  for (const auto& file : {(folder / "corpus.jsonl").string(), (folder / "queries.jsonl").string(), qrels})
    if (!fs::is_regular_file(file)) return make_error(file + ": no such file");
  return {};
}

// ---- SQuAD

// The byte offset of code point `index` (SQuAD counts characters), or npos.
size_t byte_offset(std::string_view text, int64_t index) {
  size_t pos = 0;
  for (int64_t i = 0; i < index; ++i) {
    if (pos >= text.size()) return std::string_view::npos;
    core::decode_utf8(text, pos);
  }
  return pos;
}

// Where the answer starts in its context: at answer_start when the text is
// there, else at its first occurrence.
std::optional<size_t> answer_offset(std::string_view context, std::string_view answer, const json& start) {
  if (start.is_number_integer() && start.get<int64_t>() >= 0) {
    size_t at = byte_offset(context, start.get<int64_t>());
    if (at != std::string_view::npos && context.substr(at).starts_with(answer)) return at;
  }
  size_t found = context.find(answer);
  if (found == std::string_view::npos) return std::nullopt;
  return found;
}

// A paragraph as written: the source lines of its context and the number
// of the first of them in the document.
struct WrittenParagraph {
  std::string_view context;
  std::vector<std::string_view> lines;
  int first_line = 0;

  // The index of the source line holding byte `offset`.
  int line_of(size_t offset) const {
    auto after = std::upper_bound(lines.begin(), lines.end(), offset, [&](size_t o, std::string_view line) {
      return o < static_cast<size_t>(line.data() - context.data());
    });
    return static_cast<int>(after - lines.begin()) - 1;
  }
};

class SquadImporter {
 public:
  SquadImporter(std::string file, Output& out, ImportReport& report)
      : file_(std::move(file)), out_(out), report_(report) {}

  Status import_article(const json& article, size_t index);

 private:
  bool add_paragraph(const json& paragraph, const std::string& where, DocumentLines& doc,
                     std::vector<LabelledQuestion>& questions);
  std::optional<LabelledQuestion> question_of(const json& qa, const WrittenParagraph& paragraph,
                                              const std::string& where);
  std::string answer_problem(const json& qa, const WrittenParagraph& paragraph, LabelledQuestion& q);
  std::string free_path(const std::string& title, size_t index) const;

  std::string file_;
  Output& out_;
  ImportReport& report_;
  std::unordered_set<std::string> question_ids_;
};

Status SquadImporter::import_article(const json& article, size_t index) {
  std::string where = file_ + ": data[" + std::to_string(index) + "]";
  auto paragraphs = article.is_object() ? article.find("paragraphs") : article.end();
  if (!article.is_object() || paragraphs == article.end() || !paragraphs->is_array()) {
    note(report_, where + ": not an object with a 'paragraphs' list");
    return {};
  }
  std::string title = one_line(text_of(article, "title").value_or(""));
  if (!text_has_words(title)) title = "Article " + std::to_string(index + 1);
  DocumentLines doc;
  doc.add_heading(title);
  std::vector<LabelledQuestion> questions;
  size_t added = 0;
  for (size_t i = 0; i < paragraphs->size(); ++i)
    added +=
        add_paragraph((*paragraphs)[i], where + ".paragraphs[" + std::to_string(i) + "]", doc, questions);
  if (added == 0) {
    note(report_, where + ": no usable paragraph");
    return {};
  }
  std::string path = free_path(title, index);
  GL_TRY(out_.write(path, doc));
  ++report_.documents;
  for (auto& q : questions) {
    for (auto& g : q.gold) g.doc = path;
    GL_TRY(write_question(out_, q, report_));
  }
  return {};
}

// Articles may share a title; the later ones get a name of their own.
std::string SquadImporter::free_path(const std::string& title, size_t index) const {
  std::string path = out_.path_for(title);
  return out_.taken(path) ? out_.path_for(title + "#" + std::to_string(index)) : path;
}

bool SquadImporter::add_paragraph(const json& paragraph, const std::string& where, DocumentLines& doc,
                                  std::vector<LabelledQuestion>& questions) {
  auto context = paragraph.is_object() ? paragraph.find("context") : paragraph.end();
  if (!paragraph.is_object() || context == paragraph.end() || !context->is_string()) {
    note(report_, where + ": not an object with a 'context' text");
    return false;
  }
  WrittenParagraph written;
  written.context = context->get_ref<const std::string&>();
  written.lines = core::split_lines(written.context);
  doc.add_blank();
  written.first_line = doc.count() + 1;
  doc.add_text(written.lines);
  auto qas = paragraph.find("qas");
  if (qas != paragraph.end() && !qas->is_null() && !qas->is_array())
    note(report_, where + ": 'qas' is not a list");
  if (qas == paragraph.end() || !qas->is_array()) return true;
  for (size_t i = 0; i < qas->size(); ++i)
    if (auto q = question_of((*qas)[i], written, where + ".qas[" + std::to_string(i) + "]"))
      questions.push_back(std::move(*q));
  return true;
}

std::optional<LabelledQuestion> SquadImporter::question_of(const json& qa, const WrittenParagraph& paragraph,
                                                           const std::string& where) {
  LabelledQuestion q;
  q.type = "squad";
  std::string problem;
  if (qa.is_object()) {
    q.id = text_of(qa, "id").value_or("");
    q.question = one_line(text_of(qa, "question").value_or(""));
  }
  if (q.id.empty() || q.question.empty())
    problem = ": not an object with an 'id' and a 'question'";
  else if (question_ids_.contains(q.id))
    problem = ": question '" + q.id + "' is repeated";
  else if (auto flag = qa.find("is_impossible"); flag != qa.end() && *flag == true)
    q.answerable = false;
  else
    problem = answer_problem(qa, paragraph, q);
  if (!problem.empty()) {
    note(report_, where + problem);
    return std::nullopt;
  }
  question_ids_.insert(q.id);
  return q;
}

// Sets the gold ranges of every answer found in the paragraph; the first
// answer is the reference answer and the fact to find. Returns what is
// wrong, or "".
std::string SquadImporter::answer_problem(const json& qa, const WrittenParagraph& paragraph,
                                          LabelledQuestion& q) {
  auto answers = qa.find("answers");
  if (answers == qa.end() || !answers->is_array() || answers->empty()) return ": no 'answers'";
  for (const json& a : *answers) {
    std::string text = a.is_object() ? text_of(a, "text").value_or("") : "";
    if (q.answer_facts.empty() && one_line(text).empty()) return ".answers[0]: no 'text'";
    if (q.answer_facts.empty()) q.answer_facts = {one_line(text)};
    auto at =
        text.empty() ? std::nullopt : answer_offset(paragraph.context, text, a.value("answer_start", json()));
    if (!at) continue;
    GoldRange g{"", paragraph.first_line + paragraph.line_of(*at),
                paragraph.first_line + paragraph.line_of(*at + text.size() - 1)};
    bool known = std::any_of(q.gold.begin(), q.gold.end(), [&](const GoldRange& o) {
      return o.first_line == g.first_line && o.last_line == g.last_line;
    });
    if (!known) q.gold.push_back(g);
  }
  q.reference_answer = q.answer_facts.front();
  if (q.gold.empty()) return ": answer '" + q.reference_answer + "' is not in its paragraph";
  return "";
}

Result<json> read_squad(const std::string& file, ImportReport& report) {
  if (!fs::is_regular_file(file)) return make_error(file + ": no such file");
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error(file + ": cannot read");
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = std::move(buffer).str();
  if (repair_utf8(text)) note(report, file + ": invalid UTF-8 replaced by U+FFFD");
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return make_error(file + ": not valid JSON");
  if (!j.is_object() || !j.contains("data") || !j["data"].is_array())
    return make_error(file + ": not a SQuAD file (expected {\"data\": [{\"title\", \"paragraphs\"}]})");
  return j;
}

}  // namespace

std::string document_file_name(std::string_view id) {
  constexpr size_t kMaxBytes = 80;
  auto safe = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  };
  std::string name(id);
  std::replace_if(
      name.begin(), name.end(), [&](char c) { return !safe(c); }, '_');
  bool kept = name == id && !name.empty() && name.size() <= kMaxBytes && name[0] != '.';
  if (kept) return name;
  if (name.size() > kMaxBytes) name.resize(kMaxBytes);
  if (!name.empty() && name[0] == '.') name[0] = '_';
  return (name.empty() ? "" : name + "-") + core::content_hash(id).substr(0, 8);
}

namespace {

Status import_beir_into(Output& out, const std::string& corpus, const std::string& queries, Qrels& qrels,
                        ImportReport& report) {
  GL_TRY(for_each_json_line(corpus, report, [&](const json& j, const std::string& where) {
    return write_beir_document(j, where, out, qrels, report);
  }));
  if (report.documents == 0) return make_error(corpus + ": no document could be read");
  std::unordered_set<std::string> seen;
  GL_TRY(for_each_json_line(queries, report, [&](const json& j, const std::string& where) {
    return write_beir_question(j, where, out, qrels, seen, report);
  }));
  report_unknown_queries(qrels, seen, report);
  if (report.questions == 0)
    return make_error("no query of " + queries + " has a relevant document in " + qrels.file);
  return out.close();
}

}  // namespace

Result<ImportReport> import_beir(const std::string& folder, const ImportOptions& options) {
  fs::path root(folder);
  std::string corpus = (root / "corpus.jsonl").string(), queries = (root / "queries.jsonl").string();
  std::string qrels_file = (root / "qrels" / (options.split + ".tsv")).string();
  GL_TRY(check_beir_input(root, qrels_file));
  ImportReport report;
  GL_ASSIGN_OR_RETURN(Qrels qrels, read_qrels(qrels_file, report));
  GL_ASSIGN_OR_RETURN(size_t lines, count_lines(corpus));
  GL_ASSIGN_OR_RETURN(Output out, Output::create(options, lines, report));
  if (auto status = import_beir_into(out, corpus, queries, qrels, report); !status.ok()) {
    out.discard();
    return status.error();
  }
  return report;
}

namespace {

Status import_squad_into(Output& out, const std::string& file, const json& data, ImportReport& report) {
  SquadImporter importer(file, out, report);
  for (size_t i = 0; i < data.size(); ++i) GL_TRY(importer.import_article(data[i], i));
  if (report.documents == 0) return make_error(file + ": no article has a usable paragraph");
  return out.close();
}

}  // namespace

Result<ImportReport> import_squad(const std::string& file, const ImportOptions& options) {
  ImportReport report;
  GL_ASSIGN_OR_RETURN(json squad, read_squad(file, report));
  const json& data = squad["data"];
  GL_ASSIGN_OR_RETURN(Output out, Output::create(options, data.size(), report));
  if (auto status = import_squad_into(out, file, data, report); !status.ok()) {
    out.discard();
    return status.error();
  }
  return report;
}

}  // namespace groundline::eval

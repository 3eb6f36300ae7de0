// Importers of public benchmarks. Each turns a benchmark into what
// groundline evaluates on:
//   OUT/docs/...          one Markdown file per corpus document, ready for
//                         `groundline ingest OUT/docs`;
//   OUT/questions.jsonl   the labelled questions (see questions.h), whose
//                         gold ranges name those files (relative to OUT/docs,
//                         '/'-separated) and the line numbers ingest gives
//                         them.
// The documents are written already normalised (valid UTF-8, NFC, no
// control characters, no Markdown syntax taken from the corpus text), so a
// line's number is the same before and after ingest.
//
// Bad input (a malformed line, a reference to an unknown id, a part of a
// file that is not the expected shape) is reported as "FILE:LINE: reason"
// or "FILE: data[3].paragraphs[1].qas[0]: reason" and skipped. An import
// fails only when its input is missing, the output cannot be written, or
// nothing usable remains. Corpora are read line by line and documents
// written as they are read, so memory grows with the questions, not with
// the corpus.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace groundline::eval {

struct ImportOptions {
  std::string out;             // the folder receiving docs/ and questions.jsonl
  bool force = false;          // replace an existing docs/ and questions.jsonl
  std::string split = "test";  // BEIR: the relevance judgements in qrels/SPLIT.tsv
};

struct ImportReport {
  size_t documents = 0;     // files written under docs/
  size_t questions = 0;     // lines written to questions.jsonl
  size_t unanswerable = 0;  // of those, questions marked answerable: false
  size_t problem_count = 0;
  std::vector<std::string> problems;  // the first kMaxListedProblems of them
  std::string docs_folder;            // OUT/docs
  std::string questions_file;         // OUT/questions.jsonl
};

constexpr size_t kMaxListedProblems = 1000;

// A BEIR data set folder: corpus.jsonl ({"_id", "title", "text"}),
// queries.jsonl ({"_id", "text"}) and qrels/SPLIT.tsv (a header line, then
// query-id TAB corpus-id TAB score; a score above 0 is relevant). Every
// document is written; only queries with a relevant document become
// questions, with each relevant document's whole line range as gold.
Result<ImportReport> import_beir(const std::string& folder, const ImportOptions& options);

// A SQuAD v1.1 or v2.0 file. Each article is a document: its title as a
// heading, then each paragraph as a block. A question's gold is the lines
// holding its answers (found by answer_start, or else by the first
// occurrence of the answer text); v2.0's impossible questions are
// unanswerable, with no gold.
Result<ImportReport> import_squad(const std::string& file, const ImportOptions& options);

// The name a corpus id or title is written under: the id itself when it is
// made only of [A-Za-z0-9._-] (not leading '.') and is short, else its safe
// characters with a short hash of the id appended. No extension.
std::string document_file_name(std::string_view id);

}  // namespace groundline::eval

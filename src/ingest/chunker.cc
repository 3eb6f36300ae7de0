#include "ingest/chunker.h"

#include <algorithm>
#include <set>

#include "core/sentences.h"
#include "core/words.h"
#include "ingest/loaders.h"

namespace groundline::ingest {

Status check_chunk_options(const ChunkOptions& options) {
  if (options.max_tokens < 8) return make_error("chunk size must be at least 8 tokens");
  if (options.overlap_tokens < 0 || options.overlap_tokens >= options.max_tokens)
    return make_error("chunk overlap must be between 0 and the chunk size");
  return {};
}

namespace {

int count_tokens(std::string_view text) {
  return static_cast<int>(core::approx_token_count(text));
}

// A block: consecutive lines read as one unit of text (a paragraph, a list
// item with its continuation, a code block).
struct Block {
  size_t first = 0, last = 0;  // 0-based line indexes, inclusive
  bool prose = true;
  bool markup = false;  // a line of markup without words: a rule, a table's separator row
};

std::vector<Block> blocks_of(const ParsedDocument& doc) {
  std::vector<Block> blocks;
  const auto& info = doc.info;
  for (size_t i = 0; i < info.size();) {
    LineKind kind = info[i].kind;
    size_t j = i + 1;
    switch (kind) {
      case LineKind::kBlank:
      case LineKind::kContinued:  // a stray continuation reads as prose of its own
        if (kind == LineKind::kBlank) {
          if (!doc.lines[i].empty()) blocks.push_back({i, i, false, true});
          i = j;
          continue;
        }
        [[fallthrough]];
      case LineKind::kParagraph:
        while (j < info.size() && info[j].kind == LineKind::kParagraph) ++j;
        blocks.push_back({i, j - 1, true});
        break;
      case LineKind::kListItem:
        while (j < info.size() && info[j].kind == LineKind::kContinued) ++j;
        blocks.push_back({i, j - 1, true});
        break;
      case LineKind::kCode:
        while (j < info.size() && info[j].kind == LineKind::kCode) ++j;
        blocks.push_back({i, j - 1, false});
        break;
      case LineKind::kHeading:
      case LineKind::kTableRow:
        blocks.push_back({i, i, false});
        break;
    }
    i = j;
  }
  return blocks;
}

// Byte offset after at most `count` code points from `begin`.
size_t advance_code_points(std::string_view text, size_t begin, size_t count) {
  size_t pos = begin;
  for (size_t n = 0; n < count && pos < text.size(); ++n) {
    ++pos;
    while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
  }
  return pos;
}

// Cuts one line's text into pieces of at most max_tokens at word boundaries;
// a single word longer than that (hostile input) is cut inside.
void cut_by_words(std::string_view text, size_t offset, int line, int max_tokens, std::vector<Passage>& out) {
  size_t piece_start = 0, previous_end = 0;
  int tokens = 0;
  auto emit = [&](size_t end) {
    std::string_view piece = text.substr(piece_start, end - piece_start);
    size_t a = piece.find_first_not_of(' ');
    if (a == std::string_view::npos) return;
    std::string_view kept = piece.substr(a);
    out.push_back({line, line, offset + piece_start + a, offset + end, kept, count_tokens(kept), 0});
  };
  // Any run of this many code points costs at most max_tokens.
  size_t slice = static_cast<size_t>(std::max(1, 4 * max_tokens - 4));
  core::for_each_word(text, [&](std::string_view, size_t begin, size_t end) {
    int cost = count_tokens(text.substr(previous_end, end - previous_end));
    if (tokens > 0 && tokens + cost > max_tokens) {
      emit(previous_end);
      piece_start = previous_end;
      tokens = count_tokens(text.substr(piece_start, end - piece_start));
    } else {
      tokens += cost;
    }
    if (tokens > max_tokens) {  // one word longer than a chunk
      emit(begin);
      for (size_t at = begin; at < end;) {
        size_t cut = std::min(end, advance_code_points(text, at, slice));
        piece_start = at;
        if (cut < end) emit(cut);
        at = cut;
      }
      tokens = count_tokens(text.substr(piece_start, end - piece_start));
    }
    previous_end = end;
  });
  // Punctuation after the last word counts too.
  if (tokens + count_tokens(text.substr(previous_end)) > max_tokens) {
    emit(previous_end);
    piece_start = previous_end;
  }
  emit(text.size());
}

// A passage longer than a chunk: cut at its line breaks, lines still too
// long at words, and the pieces repacked up to max_tokens.
void cut_oversized(const Passage& passage, int max_tokens, std::vector<Passage>& out) {
  std::vector<Passage> pieces;
  int line = passage.first_line;
  size_t start = 0;
  while (start <= passage.text.size()) {
    size_t end = passage.text.find('\n', start);
    if (end == std::string_view::npos) end = passage.text.size();
    std::string_view segment = passage.text.substr(start, end - start);
    int tokens = count_tokens(segment);
    if (tokens > max_tokens)
      cut_by_words(segment, passage.begin + start, line, max_tokens, pieces);
    else if (tokens > 0)
      pieces.push_back({line, line, passage.begin + start, passage.begin + end, segment, tokens, 0});
    ++line;
    start = end + 1;
  }
  size_t first_new = out.size();
  for (auto& piece : pieces) {
    if (out.size() > first_new && out.back().tokens + piece.tokens <= max_tokens) {
      out.back().last_line = piece.last_line;
      out.back().end = piece.end;
      out.back().text = passage.text.substr(out.back().begin - passage.begin, piece.end - out.back().begin);
      out.back().tokens += piece.tokens;
    } else {
      out.push_back(std::move(piece));
    }
  }
}

void add_passage(Passage passage, int max_tokens, std::vector<Passage>& out) {
  if (passage.tokens == 0) return;
  if (passage.tokens <= max_tokens)
    out.push_back(std::move(passage));
  else
    cut_oversized(passage, max_tokens, out);
}

// Where each line starts in the document's text.
std::vector<size_t> line_offsets(const ParsedDocument& doc) {
  std::vector<size_t> offsets(doc.lines.size());
  size_t at = 0;
  for (size_t i = 0; i < doc.lines.size(); ++i) {
    offsets[i] = at;
    at += doc.lines[i].size() + 1;
  }
  return offsets;
}

void split_block(const ParsedDocument& doc, std::string_view text, const std::vector<size_t>& offsets,
                 const Block& block, int max_tokens, std::vector<Passage>& out) {
  const size_t begin = offsets[block.first], end = offsets[block.last] + doc.lines[block.last].size();
  std::string_view block_text = text.substr(begin, end - begin);
  if (!block.prose) {
    int level = doc.info[block.first].kind == LineKind::kHeading ? doc.info[block.first].level : 0;
    add_passage({static_cast<int>(block.first) + 1, static_cast<int>(block.last) + 1, begin, end, block_text,
                 count_tokens(block_text), level},
                max_tokens, out);
    return;
  }
  auto line_at = [&](size_t offset) {  // 1-based line of a byte of the text
    return static_cast<int>(std::upper_bound(offsets.begin(), offsets.end(), offset) - offsets.begin());
  };
  for (auto span : core::split_sentences(block_text)) {
    std::string_view sentence = block_text.substr(span.begin, span.end - span.begin);
    add_passage({line_at(begin + span.begin), line_at(begin + span.end - 1), begin + span.begin,
                 begin + span.end, sentence, count_tokens(sentence), 0},
                max_tokens, out);
  }
}

// For every line, the indexes (into `headings`) of the headings above it.
std::vector<std::vector<int>> heading_paths(const std::vector<kb::Heading>& headings, size_t lines) {
  std::vector<std::vector<int>> paths(lines + 1);
  std::vector<int> stack;
  size_t next = 0;
  for (size_t line = 1; line <= lines; ++line) {
    while (next < headings.size() && static_cast<size_t>(headings[next].line) == line) {
      while (!stack.empty() && headings[static_cast<size_t>(stack.back())].level >= headings[next].level)
        stack.pop_back();
      stack.push_back(static_cast<int>(next));
      ++next;
    }
    paths[line] = stack;
  }
  return paths;
}

class ChunkBuilder {
 public:
  ChunkBuilder(const ParsedDocument& doc, std::string_view text, const std::vector<Passage>& passages,
               const ChunkOptions& options)
      : doc_(doc),
        text_(text),
        passages_(passages),
        options_(options),
        headings_(headings_of(doc)),
        paths_(heading_paths(headings_, doc.lines.size())) {}

  std::vector<kb::Chunk> build() {
    for (size_t i = 0; i < passages_.size(); ++i) {
      const Passage& p = passages_[i];
      if (p.heading_level > 0 && !current_.empty() && tokens_ * 4 >= options_.max_tokens) {
        emit();
        current_.clear();
        tokens_ = 0;
      }
      if (!current_.empty() && tokens_ + p.tokens > options_.max_tokens) {
        emit();
        keep_overlap(p.tokens);
      }
      current_.push_back(i);
      tokens_ += p.tokens;
    }
    if (!current_.empty()) emit();
    return std::move(chunks_);
  }

 private:
  // Keeps the longest run of trailing passages within the overlap that still
  // leaves room for the next passage, never the whole chunk.
  void keep_overlap(int next_tokens) {
    size_t keep = 0;
    int kept = 0;
    while (keep + 1 < current_.size()) {
      int t = passages_[current_[current_.size() - 1 - keep]].tokens;
      if (kept + t > options_.overlap_tokens || kept + t + next_tokens > options_.max_tokens) break;
      kept += t;
      ++keep;
    }
    current_.erase(current_.begin(), current_.end() - static_cast<long>(keep));
    tokens_ = kept;
  }

  void emit() {
    kb::Chunk chunk;
    chunk.first_line = passages_[current_.front()].first_line;
    chunk.last_line = chunk.first_line;
    chunk.text_begin = passages_[current_.front()].begin;
    chunk.text_end = passages_[current_.back()].end;
    chunk.text = std::string(text_.substr(chunk.text_begin, chunk.text_end - chunk.text_begin));
    std::set<int> heading_ids;
    for (size_t k = 0; k < current_.size(); ++k) {
      const Passage& p = passages_[current_[k]];
      chunk.token_count += p.tokens;
      chunk.last_line = std::max(chunk.last_line, p.last_line);
      for (int id : paths_[static_cast<size_t>(p.first_line)]) heading_ids.insert(id);
    }
    for (int id : paths_[static_cast<size_t>(chunk.first_line)]) {
      if (!chunk.heading_path.empty()) chunk.heading_path += " > ";
      chunk.heading_path += headings_[static_cast<size_t>(id)].text;
    }
    chunk.headings = doc_.title;
    for (int id : heading_ids) chunk.headings += "\n" + headings_[static_cast<size_t>(id)].text;
    chunks_.push_back(std::move(chunk));
  }

  const ParsedDocument& doc_;
  std::string_view text_;  // the document's lines joined by '\n'
  const std::vector<Passage>& passages_;
  ChunkOptions options_;
  std::vector<kb::Heading> headings_;
  std::vector<std::vector<int>> paths_;
  std::vector<size_t> current_;
  int tokens_ = 0;
  std::vector<kb::Chunk> chunks_;
};

}  // namespace

namespace {

// A markup line joins the passage before it, so that a chunk's text (the
// slice from its first passage to its last) costs what its passages count.
// Before any passage it is in no chunk; when it does not fit, it stands alone.
void add_markup(const Passage& markup, std::string_view text, int max_tokens, std::vector<Passage>& out) {
  if (out.empty()) return;
  Passage& last = out.back();
  if (last.tokens + markup.tokens > max_tokens) {
    out.push_back(markup);
    return;
  }
  last.last_line = markup.last_line;
  last.end = markup.end;
  last.text = text.substr(last.begin, last.end - last.begin);
  last.tokens = count_tokens(last.text);
}

}  // namespace

std::vector<Passage> split_passages(const ParsedDocument& doc, std::string_view text, int max_tokens) {
  const auto offsets = line_offsets(doc);
  std::vector<Passage> passages;
  for (const auto& block : blocks_of(doc)) {
    if (block.markup) {
      size_t begin = offsets[block.first];
      std::string_view line = text.substr(begin, doc.lines[block.first].size());
      int number = static_cast<int>(block.first) + 1;
      add_markup({number, number, begin, begin + line.size(), line, count_tokens(line), 0}, text, max_tokens,
                 passages);
    } else {
      split_block(doc, text, offsets, block, max_tokens, passages);
    }
  }
  return passages;
}

std::vector<kb::Heading> headings_of(const ParsedDocument& doc) {
  std::vector<kb::Heading> headings;
  for (size_t i = 0; i < doc.lines.size(); ++i)
    if (doc.info[i].kind == LineKind::kHeading)
      headings.push_back({static_cast<int>(i) + 1, doc.info[i].level, heading_text(doc.lines[i])});
  return headings;
}

std::vector<kb::Chunk> make_chunks(const ParsedDocument& doc, const ChunkOptions& options) {
  const std::string text = kb::join_lines(doc.lines);
  auto passages = split_passages(doc, text, options.max_tokens);
  return ChunkBuilder(doc, text, passages, options).build();
}

}  // namespace groundline::ingest

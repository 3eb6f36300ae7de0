#!/usr/bin/env python3
"""Validate examples/acme/questions.jsonl against the Acme Cloud docs.

Checks, for every question:
  * the schema: unique ids, required fields and their types, a known
    `type`, optional `filters` with known keys and values;
  * consistency: answerable=false <=> type "unanswerable" with empty gold
    and answer_facts; answerable questions have gold and facts; multi-hop
    questions cite at least two ranges;
  * every gold range: the doc exists under docs/, is .md, .txt, .html or
    .pdf, and first_line..last_line lies inside the doc under groundline's
    line numbering (see below); the range is tight (neither end blank, at
    most MAX_RANGE_LINES lines);
  * every answer fact occurs (case-insensitive, whitespace-normalised) in
    the union of the question's gold lines;
  * every filter is satisfied by every gold doc: by the front matter of a
    .md/.txt doc, and by the document tags groundline gave an .html/.pdf
    doc (those have no front matter; their tags are what search filters see).

Line numbering: a .md file whose first line is `---` and that has a later
`---` line starts with a front matter block; line 1 is the first line after
the closing `---`. Every other .md file (and every .txt file) is numbered
from its first line. The lines of an .html or .pdf doc come from groundline's
parser, not from the file, so the checker asks the groundline binary for
them (`groundline inspect DOC --kb KB --lines 1-100000 --json`), from the
knowledge base given with --kb or, without --kb, from a temporary one it
ingests itself from docs_dir with examples/acme/groundline.yaml. A --kb
must hold the current docs: a doc whose stored size differs from the file
is reported. When the binary is missing or the ingest fails, the checker
says so and skips only the checks that need .html/.pdf lines (their ranges,
and a missing fact in a question that also cites such a range); everything
else is still checked.

Prints one line per problem, then a summary by type and a table of how many
questions cite each doc. Exits 1 when there is any problem.

Usage: check_questions.py [--groundline BIN] [--kb KB] [--config YAML]
                          [questions.jsonl [docs_dir]]
  --groundline  the groundline binary (default: build/src/cli/groundline
                under the repository root)
  --kb          a knowledge base ingested from docs_dir (default: ingest a
                temporary one)
  --config      ingest config for the temporary knowledge base (default:
                examples/acme/groundline.yaml)
Python 3 standard library only.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, OrderedDict

TYPES = ("fact", "paraphrase", "plan", "error-code", "multi-hop", "unanswerable")
REQUIRED = ("id", "question", "gold", "answer_facts", "answerable", "type")
OPTIONAL = ("filters",)
FILTER_KEYS = ("product", "category")
PRODUCTS = ("starter", "pro", "enterprise")
FILE_EXTENSIONS = (".md", ".txt")          # lines read from the file
PARSED_EXTENSIONS = (".html", ".pdf")       # lines read through groundline
GOLD_EXTENSIONS = FILE_EXTENSIONS + PARSED_EXTENSIONS
MAX_RANGE_LINES = 6
INSPECT_LINES = "1-100000"


def norm(text):
    return re.sub(r"\s+", " ", text).strip().casefold()


class Doc:
    """A doc's groundline-numbered lines and its front matter fields."""

    @classmethod
    def parsed(cls, lines, tags):
        """An .html/.pdf doc: lines and tags as groundline reports them."""
        doc = cls.__new__(cls)
        doc.lines = list(lines)
        doc.offset = 0
        doc.front = {k: list(v) if isinstance(v, list) else v for k, v in tags.items()}
        return doc

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            raw = f.read()
        lines = raw.split("\n")
        if lines and lines[-1] == "":
            lines.pop()  # a final newline does not start another line
        lines = [l[:-1] if l.endswith("\r") else l for l in lines]
        self.front = {}
        self.offset = 0
        if path.endswith(".md") and lines and lines[0].strip() == "---":
            for i in range(1, len(lines)):
                if lines[i].strip() == "---":
                    self.offset = i + 1
                    self.front = parse_front_matter(lines[1:i])
                    break
        self.lines = lines[self.offset:]  # self.lines[0] is groundline line 1

    def line(self, n):
        return self.lines[n - 1]

    def values(self, key):
        """A front matter field as a list of lowercase strings."""
        v = self.front.get(key)
        if v is None:
            return []
        if isinstance(v, list):
            return [x.lower() for x in v]
        return [v.lower()]


class Groundline:
    """Reads .html/.pdf docs the way groundline numbers them.

    `unavailable` is None when the binary and a knowledge base are ready, or
    the reason why .html/.pdf checks are skipped.
    """

    def __init__(self, binary, kb, docs_dir, config):
        self.binary = binary
        self.kb = kb
        self.tmpdir = None
        self.unavailable = None
        self.fatal = False
        if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
            self.unavailable = "groundline binary not found or not executable: %s" % binary
            return
        if kb is None:
            self.tmpdir = tempfile.mkdtemp(prefix="check_questions.")
            self.kb = os.path.join(self.tmpdir, "acme.db")
            cmd = [binary, "ingest", docs_dir, "--kb", self.kb]
            if config:
                cmd += ["--config", config]
            ok, out = self._run(cmd)
            if not ok:
                self.unavailable = "could not ingest %s into a temporary knowledge base: %s" % (
                    docs_dir, out)
        elif not os.path.isfile(kb):
            self.unavailable = "knowledge base not found: %s" % kb
            self.fatal = True  # asked for by name: a problem, not a mere skip

    def _run(self, cmd):
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True, timeout=300)
        except (OSError, subprocess.SubprocessError) as e:
            return False, str(e)
        if p.returncode != 0:
            return False, (p.stderr.strip() or p.stdout.strip()
                           or "exit status %d" % p.returncode)
        return True, p.stdout

    def inspect(self, rel, lines=False):
        """The parsed JSON of `groundline inspect`, or (None, error)."""
        cmd = [self.binary, "inspect", rel, "--kb", self.kb, "--json"]
        if lines:
            cmd += ["--lines", INSPECT_LINES]
        ok, out = self._run(cmd)
        if not ok:
            return None, out
        try:
            return json.loads(out), None
        except ValueError as e:
            return None, "unreadable output of %s: %s" % (" ".join(cmd), e)

    def load(self, rel, full_path):
        """(Doc, None) for an .html/.pdf doc, or (None, error)."""
        info, err = self.inspect(rel)
        if info is None:
            return None, err
        size = os.path.getsize(full_path)
        if info.get("deleted") or info.get("size") != size:
            return None, ("knowledge base %s is out of date for %s (stored %s bytes%s, file %d "
                          "bytes); ingest the docs again" % (
                              self.kb, rel, info.get("size"),
                              ", deleted" if info.get("deleted") else "", size))
        numbered, err = self.inspect(rel, lines=True)
        if numbered is None:
            return None, err
        lines = []
        for i, entry in enumerate(numbered.get("lines", []), 1):
            if not isinstance(entry, dict) or entry.get("line") != i:
                return None, "groundline returned unexpected line numbering for %s" % rel
            lines.append(entry.get("text", ""))
        tags = info.get("tags") or {}
        return Doc.parsed(lines, {k: [str(x) for x in v] if isinstance(v, list) else str(v)
                                  for k, v in tags.items()}), None

    def close(self):
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)


def parse_front_matter(lines):
    """The flat `key: value` / `key: [a, b]` subset of YAML the docs use."""
    out = {}
    for line in lines:
        m = re.match(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$", line)
        if not m:
            continue
        key, value = m.group(1), m.group(2)
        if value.startswith("[") and value.endswith("]"):
            items = [x.strip().strip("'\"") for x in value[1:-1].split(",")]
            out[key] = [x for x in items if x]
        else:
            out[key] = value.strip("'\"")
    return out


SKIPPED = object()  # an .html/.pdf doc whose lines could not be obtained


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    repo_root = os.path.normpath(os.path.join(here, "..", "..", ".."))
    parser = argparse.ArgumentParser(
        prog=os.path.basename(argv[0]) if argv else "check_questions.py",
        description="Validate examples/acme/questions.jsonl against the Acme Cloud docs.")
    parser.add_argument("questions", nargs="?",
                        default=os.path.join(here, "..", "questions.jsonl"))
    parser.add_argument("docs_dir", nargs="?", default=os.path.join(here, "..", "docs"))
    parser.add_argument("--groundline",
                        default=os.path.join(repo_root, "build", "src", "cli", "groundline"),
                        help="groundline binary, for the lines of .html/.pdf docs "
                             "(default: build/src/cli/groundline under the repository root)")
    parser.add_argument("--kb", default=None,
                        help="knowledge base ingested from docs_dir "
                             "(default: ingest a temporary one)")
    parser.add_argument("--config", default=os.path.join(here, "..", "groundline.yaml"),
                        help="ingest config for the temporary knowledge base "
                             "(default: examples/acme/groundline.yaml)")
    args = parser.parse_args(argv[1:])
    qpath = args.questions
    docs_dir = os.path.normpath(os.path.abspath(args.docs_dir))

    problems = []
    doc_cache = {}
    state = {"groundline": None}
    skipped = Counter()  # .html/.pdf docs whose ranges were not checked

    def problem(where, msg):
        problems.append("%s: %s" % (where, msg))

    def groundline():
        if state["groundline"] is None:
            state["groundline"] = Groundline(args.groundline, args.kb, docs_dir, args.config)
            gl = state["groundline"]
            if gl.fatal:
                problem("--kb", gl.unavailable)
            elif gl.unavailable:
                print("note: %s; skipping the checks of .html/.pdf gold ranges"
                      % gl.unavailable)
        return state["groundline"]

    def load_doc(rel):
        """A Doc, None when there is no such file, or SKIPPED."""
        if rel not in doc_cache:
            full = os.path.normpath(os.path.join(docs_dir, rel))
            if (os.path.isabs(rel) or not full.startswith(docs_dir + os.sep)
                    or not os.path.isfile(full)):
                doc_cache[rel] = None
            elif rel.endswith(PARSED_EXTENSIONS):
                gl = groundline()
                if gl.unavailable:
                    doc_cache[rel] = SKIPPED
                else:
                    doc, err = gl.load(rel, full)
                    if doc is None:
                        problem("doc %s" % rel, err)
                        doc_cache[rel] = SKIPPED
                    else:
                        doc_cache[rel] = doc
            else:
                doc_cache[rel] = Doc(full)
        return doc_cache[rel]

    try:
        return check(qpath, docs_dir, problems, problem, load_doc, skipped)
    finally:
        if state["groundline"] is not None:
            state["groundline"].close()


def check(qpath, docs_dir, problems, problem, load_doc, skipped):
    questions = []
    try:
        with open(qpath, encoding="utf-8") as f:
            raw_lines = f.read().split("\n")
    except OSError as e:
        print("cannot read %s: %s" % (qpath, e))
        return 1
    for lineno, text in enumerate(raw_lines, 1):
        if not text.strip():
            continue
        try:
            q = json.loads(text)
        except json.JSONDecodeError as e:
            problem("line %d" % lineno, "invalid JSON (%s)" % e)
            continue
        if not isinstance(q, dict):
            problem("line %d" % lineno, "not a JSON object")
            continue
        questions.append((lineno, q))

    seen_ids = {}
    seen_questions = {}
    type_counts = Counter()
    answerable_counts = Counter()
    filter_count = 0
    doc_citations = Counter()

    for lineno, q in questions:
        qid = q.get("id")
        where = "line %d (%s)" % (lineno, qid if isinstance(qid, str) else "no id")

        for key in REQUIRED:
            if key not in q:
                problem(where, "missing field '%s'" % key)
        for key in q:
            if key not in REQUIRED and key not in OPTIONAL:
                problem(where, "unknown field '%s'" % key)

        if not isinstance(qid, str) or not qid.strip():
            problem(where, "'id' must be a non-empty string")
        elif qid in seen_ids:
            problem(where, "duplicate id (first on line %d)" % seen_ids[qid])
        else:
            seen_ids[qid] = lineno

        question = q.get("question")
        if not isinstance(question, str) or not question.strip():
            problem(where, "'question' must be a non-empty string")
        else:
            key = norm(question)
            if key in seen_questions:
                problem(where, "same question text as line %d" % seen_questions[key])
            else:
                seen_questions[key] = lineno

        qtype = q.get("type")
        if qtype not in TYPES:
            problem(where, "'type' must be one of %s, got %r" % ("|".join(TYPES), qtype))
        else:
            type_counts[qtype] += 1

        answerable = q.get("answerable")
        if not isinstance(answerable, bool):
            problem(where, "'answerable' must be true or false")
        else:
            answerable_counts[answerable] += 1

        facts = q.get("answer_facts")
        if not isinstance(facts, list) or not all(isinstance(x, str) for x in facts):
            problem(where, "'answer_facts' must be a list of strings")
            facts = []
        for fact in facts:
            if not fact.strip():
                problem(where, "empty answer fact")

        gold = q.get("gold")
        if not isinstance(gold, list):
            problem(where, "'gold' must be a list")
            gold = []

        if answerable is False:
            if gold:
                problem(where, "answerable=false but gold is not empty")
            if facts:
                problem(where, "answerable=false but answer_facts is not empty")
            if qtype != "unanswerable":
                problem(where, "answerable=false needs type 'unanswerable'")
        elif answerable is True:
            if not gold:
                problem(where, "answerable=true but gold is empty")
            if not facts:
                problem(where, "answerable=true but answer_facts is empty")
            if qtype == "unanswerable":
                problem(where, "type 'unanswerable' needs answerable=false")
        if qtype == "multi-hop" and len(gold) < 2:
            problem(where, "multi-hop question needs at least 2 gold ranges")

        # Gold ranges.
        range_texts = []
        cited_docs = []
        unchecked = 0  # .html/.pdf ranges that could not be checked
        for i, g in enumerate(gold):
            gwhere = "%s gold[%d]" % (where, i)
            if not isinstance(g, dict):
                problem(gwhere, "must be an object")
                continue
            for key in g:
                if key not in ("doc", "first_line", "last_line"):
                    problem(gwhere, "unknown field '%s'" % key)
            rel = g.get("doc")
            first, last = g.get("first_line"), g.get("last_line")
            if not isinstance(rel, str) or not rel:
                problem(gwhere, "'doc' must be a non-empty string")
                continue
            if not rel.endswith(GOLD_EXTENSIONS):
                problem(gwhere, "%s: gold docs must be %s" % (rel, ", ".join(GOLD_EXTENSIONS)))
                continue
            if not all(isinstance(x, int) and not isinstance(x, bool) for x in (first, last)):
                problem(gwhere, "first_line and last_line must be integers")
                continue
            doc = load_doc(rel)
            if doc is None:
                problem(gwhere, "doc not found under docs/: %s" % rel)
                continue
            cited_docs.append(rel)
            if doc is SKIPPED:
                unchecked += 1
                skipped[rel] += 1
                continue
            n = len(doc.lines)
            if first < 1 or last < first or last > n:
                problem(gwhere, "%s: range %d-%d outside 1-%d (or reversed)" % (rel, first, last, n))
                continue
            if last - first + 1 > MAX_RANGE_LINES:
                problem(gwhere, "%s: range %d-%d is %d lines, more than %d" %
                        (rel, first, last, last - first + 1, MAX_RANGE_LINES))
            if not doc.line(first).strip() or not doc.line(last).strip():
                problem(gwhere, "%s: range %d-%d starts or ends on a blank line" % (rel, first, last))
            range_texts.append(norm(" ".join(doc.line(k) for k in range(first, last + 1))))

        for rel in OrderedDict.fromkeys(cited_docs):
            doc_citations[rel] += 1

        if range_texts:
            union = " \x00 ".join(range_texts)
            for fact in facts:
                # A fact may sit in a range that could not be checked.
                if fact.strip() and norm(fact) not in union and not unchecked:
                    problem(where, "answer fact %r not found in the gold lines" % fact)

        # Filters.
        filters = q.get("filters")
        if filters is not None:
            if not isinstance(filters, dict) or not filters:
                problem(where, "'filters' must be a non-empty object")
            else:
                filter_count += 1
                for key, value in filters.items():
                    if key not in FILTER_KEYS:
                        problem(where, "unknown filter key '%s'" % key)
                        continue
                    if not isinstance(value, str) or not value:
                        problem(where, "filter '%s' must be a non-empty string" % key)
                        continue
                    if key == "product" and value not in PRODUCTS:
                        problem(where, "filter product must be one of %s" % "|".join(PRODUCTS))
                    # Strict: the gold doc's front matter (for .html/.pdf:
                    # its groundline tags) must name the value itself
                    # ("product: all" does not count as a match).
                    for rel in OrderedDict.fromkeys(cited_docs):
                        doc = load_doc(rel)
                        if doc is None or doc is SKIPPED:
                            continue
                        if value.lower() not in doc.values(key):
                            source = ("groundline tags" if rel.endswith(PARSED_EXTENSIONS)
                                      else "front matter")
                            problem(where, "filter %s=%s not satisfied by %s (%s: %s)"
                                    % (key, value, rel, source, doc.front.get(key, "none")))

    for p in problems:
        print(p)

    # Summary.
    total = len(questions)
    print()
    print("questions: %d (answerable %d, unanswerable %d, with filters %d)" %
          (total, answerable_counts[True], answerable_counts[False], filter_count))
    print("by type:")
    for t in TYPES:
        print("  %-13s %4d" % (t, type_counts[t]))

    all_docs = []
    for root, _, files in os.walk(docs_dir):
        for name in files:
            if name.endswith(GOLD_EXTENSIONS):
                all_docs.append(os.path.relpath(os.path.join(root, name), docs_dir))
    all_docs.sort()
    print()
    print("questions citing each doc:")
    width = max([len(d) for d in all_docs] + [10])
    for rel in all_docs:
        print("  %-*s %4d" % (width, rel, doc_citations[rel]))
    uncited = [d for d in all_docs if not doc_citations[d]]
    print("docs cited: %d of %d docs%s" %
          (len(all_docs) - len(uncited), len(all_docs),
           (" (uncited: %s)" % ", ".join(uncited)) if uncited else ""))
    if skipped:
        print("not checked: %d gold range(s) in %d .html/.pdf doc(s) (%s)" %
              (sum(skipped.values()), len(skipped), ", ".join(sorted(skipped))))

    print()
    if problems:
        print("FAILED: %d problem(s)" % len(problems))
        return 1
    print("OK: no problems")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

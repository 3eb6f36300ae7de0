#!/usr/bin/env python3
"""Turn a plain text source into a simple, valid PDF 1.4 document.

Usage:
    python3 make_pdf.py SRC.txt OUT.pdf
    python3 make_pdf.py --all

Source format (UTF-8; keep it ASCII in this repository):
  * every source line becomes exactly one text line in the PDF, in order;
  * a blank line stays a blank line;
  * a line starting with "# " is a heading: the marker is removed and the
    rest is drawn in Helvetica-Bold; start a line with "\\#" to print a
    literal "#" instead;
  * lines may hold at most 95 characters and must fit the text width:
    nothing is wrapped, so a longer line is an error, not a surprise;
  * tabs are expanded to 4 spaces; leading indentation is kept, but a gap
    of 4 or more spaces inside a line is refused, because text extraction
    (pdftotext and friends) splits such a line into columns: separate table
    cells with " | " instead.

Pages are A4; text is Helvetica 10 pt and headings Helvetica-Bold 11 pt,
the standard Type1 fonts in WinAnsiEncoding (nothing is embedded). Pages
break automatically, and a short block of lines (a heading with its
paragraph, a small table) is never split across two pages. The document
title (/Title) is the first heading. Output is byte-for-byte reproducible;
set SOURCE_DATE_EPOCH to stamp a creation date.

Regenerating the example PDFs (no Makefile needed): the sources live in
examples/acme/tools/pdf-src/ in the same folder layout as
examples/acme/docs/, so pdf-src/legal/service-level-agreement.txt becomes
docs/legal/service-level-agreement.pdf. From the repository root run

    python3 examples/acme/tools/make_pdf.py --all

which rebuilds every PDF from its source, or one at a time:

    python3 examples/acme/tools/make_pdf.py \\
        examples/acme/tools/pdf-src/legal/service-level-agreement.txt \\
        examples/acme/docs/legal/service-level-agreement.pdf

Check a result with `pdfinfo OUT.pdf` and `pdftotext -layout OUT.pdf -`.
Only the Python 3 standard library is used.
"""

import datetime
import os
import sys
import zlib

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
MARGIN_LEFT, MARGIN_RIGHT = 56, 44
MARGIN_TOP, MARGIN_BOTTOM = 60, 56
FONT_SIZE = 10
HEADING_SIZE = 11
LEADING = 13.5  # distance between baselines
MAX_CHARS = 95
KEEP_TOGETHER = 15  # longest block of lines that is never split across pages
TEXT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT

# Advance widths (1/1000 em) of ASCII 32..126 from the Adobe AFM files.
_HELVETICA = (
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 "
    "556 556 556 556 556 556 278 278 584 584 584 556 1015 667 667 722 722 667 611 778 "
    "722 278 500 667 556 833 722 778 667 778 722 667 611 722 667 944 667 667 611 278 "
    "278 278 469 556 333 556 556 500 556 556 278 556 556 222 222 500 222 833 556 556 "
    "556 556 333 500 278 556 500 722 500 500 500 334 260 334 584")
_HELVETICA_BOLD = (
    "278 333 474 556 556 889 722 238 333 333 389 584 278 333 278 278 556 556 556 556 "
    "556 556 556 556 556 556 333 333 584 584 584 611 975 722 722 722 722 667 611 778 "
    "722 278 556 722 611 833 722 778 667 778 722 667 611 722 667 944 667 667 611 333 "
    "278 333 584 556 333 556 611 556 611 556 333 611 611 278 278 556 278 889 611 611 "
    "611 611 389 556 333 611 556 778 556 556 500 389 280 389 584")
WIDTHS = {
    "F1": [int(w) for w in _HELVETICA.split()],
    "F2": [int(w) for w in _HELVETICA_BOLD.split()],
}
UNKNOWN_WIDTH = 1000  # conservative guess for characters outside ASCII


class SourceError(Exception):
    pass


def text_width(encoded, font, size):
    """Width in points of WinAnsi-encoded bytes drawn in `font` at `size`."""
    table = WIDTHS[font]
    units = sum(table[b - 32] if 32 <= b <= 126 else UNKNOWN_WIDTH for b in encoded)
    return units * size / 1000.0


def pdf_string(encoded):
    """A PDF literal string: ( ) and backslash escaped, other bytes kept or
    written as octal escapes when they are not printable ASCII."""
    out = bytearray(b"(")
    for b in encoded:
        if b in (0x28, 0x29, 0x5C):
            out += b"\\" + bytes([b])
        elif 32 <= b <= 126:
            out.append(b)
        else:
            out += b"\\%03o" % b
    out += b")"
    return bytes(out)


def parse_source(text, name):
    """Returns [(font, size, encoded_bytes)], one entry per source line
    (font None for a blank line), and the title (first heading)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the file
    parsed, title = [], ""
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\r").expandtabs(4).rstrip()
        if len(line) > MAX_CHARS:
            raise SourceError("%s:%d: line has %d characters (at most %d)"
                              % (name, number, len(line), MAX_CHARS))
        if "    " in line.strip():
            raise SourceError("%s:%d: a gap of 4 or more spaces inside the line would split it "
                              "into columns; separate cells with ' | '" % (name, number))
        font, size = "F1", FONT_SIZE
        if line.startswith("# "):
            font, size, line = "F2", HEADING_SIZE, line[2:].strip()
            title = title or line
        elif line.startswith("\\#"):
            line = line[1:]
        if not line:
            parsed.append((None, 0, b""))
            continue
        try:
            encoded = line.encode("cp1252")  # WinAnsiEncoding
        except UnicodeEncodeError as e:
            raise SourceError("%s:%d: character %r has no WinAnsi code"
                              % (name, number, line[e.start]))
        width = text_width(encoded, font, size)
        if width > TEXT_WIDTH:
            raise SourceError("%s:%d: line is %.0f pt wide, the page allows %d pt"
                              % (name, number, width, TEXT_WIDTH))
        parsed.append((font, size, encoded))
    return parsed, title


def paginate(lines):
    """Splits lines into pages. A break never falls inside a short block of
    lines (a paragraph, a heading with its text, a table of up to
    KEEP_TOGETHER lines): the block moves to the next page instead. A page
    never starts with blank lines."""
    per_page = int((PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM) // LEADING) + 1
    pages, current = [], []
    for line in lines:
        if len(current) == per_page:
            carry = []
            if line[0] is not None:  # the break would fall inside a block
                blanks = [i for i, l in enumerate(current) if l[0] is None]
                if blanks and blanks[-1] >= per_page // 2 and \
                        len(current) - blanks[-1] - 1 <= KEEP_TOGETHER:
                    carry = current[blanks[-1] + 1:]
                    current = current[:blanks[-1] + 1]
            pages.append(current)
            current = carry
        if not current and line[0] is None:
            continue
        current.append(line)
    if current or not pages:
        pages.append(current)
    return pages


def page_content(page_lines):
    """The content stream that draws one page."""
    ops = [b"BT"]
    y = PAGE_HEIGHT - MARGIN_TOP
    current_font = None
    for font, size, encoded in page_lines:
        if font is not None:
            if (font, size) != current_font:
                ops.append(b"/%s %d Tf" % (font.encode(), size))
                current_font = (font, size)
            ops.append(b"1 0 0 1 %d %s Tm %s Tj"
                       % (MARGIN_LEFT, ("%.2f" % y).encode(), pdf_string(encoded)))
        y -= LEADING
    ops.append(b"ET")
    return b"\n".join(ops) + b"\n"


def info_date():
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    stamp = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
    return stamp.strftime("D:%Y%m%d%H%M%SZ")


def build_pdf(pages, title):
    """Serialises the document: objects, cross-reference table, trailer."""
    objects = {}  # number -> body bytes
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    for number, base in ((3, b"Helvetica"), (4, b"Helvetica-Bold")):
        objects[number] = (b"<< /Type /Font /Subtype /Type1 /BaseFont /" + base +
                           b" /Encoding /WinAnsiEncoding >>")
    info = [b"/Producer (groundline make_pdf.py)"]
    if title:
        info.append(b"/Title " + pdf_string(title.encode("cp1252")))
    date = info_date()
    if date:
        info.append(b"/CreationDate (" + date.encode() + b")")
    objects[5] = b"<< " + b" ".join(info) + b" >>"

    kids = []
    next_number = 6
    for page_lines in pages:
        page_number, content_number = next_number, next_number + 1
        next_number += 2
        kids.append(b"%d 0 R" % page_number)
        objects[page_number] = (b"<< /Type /Page /Parent 2 0 R /Contents %d 0 R >>"
                                % content_number)
        data = zlib.compress(page_content(page_lines), 9)
        objects[content_number] = (b"<< /Length %d /Filter /FlateDecode >>\nstream\n"
                                   % len(data) + data + b"\nendstream")
    objects[2] = (b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d"
                  b" /MediaBox [0 0 %d %d]"
                  b" /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>"
                  % (len(pages), PAGE_WIDTH, PAGE_HEIGHT))

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets[number]
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (size, xref))
    return bytes(out)


def convert(src, dst):
    with open(src, encoding="utf-8") as f:
        lines, title = parse_source(f.read(), src)
    pages = paginate(lines)
    data = build_pdf(pages, title)
    with open(dst, "wb") as f:
        f.write(data)
    return len(pages), len(lines)


def convert_all():
    """Rebuilds docs/<path>.pdf from every tools/pdf-src/<path>.txt."""
    tools = os.path.dirname(os.path.abspath(__file__))
    src_root = os.path.join(tools, "pdf-src")
    docs_root = os.path.join(os.path.dirname(tools), "docs")
    for folder, _, files in sorted(os.walk(src_root)):
        for name in sorted(files):
            if not name.endswith(".txt"):
                continue
            src = os.path.join(folder, name)
            rel = os.path.relpath(src, src_root)[:-len(".txt")] + ".pdf"
            dst = os.path.join(docs_root, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            pages, count = convert(src, dst)
            print("%s: %d lines, %d page(s)" % (os.path.join("docs", rel), count, pages))


def main(argv):
    try:
        if argv == ["--all"]:
            convert_all()
        elif len(argv) == 2 and not argv[0].startswith("-"):
            pages, count = convert(argv[0], argv[1])
            print("%s: %d lines, %d page(s)" % (argv[1], count, pages))
        else:
            sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
            return 2
    except (OSError, SourceError) as e:
        sys.stderr.write("make_pdf: %s\n" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

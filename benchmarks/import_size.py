"""
Benchmark of the article importer's parser: seconds per MB on generated files of 0.5, 1 and 2 MB.

    .venv/bin/python benchmarks/import_size.py          # or: make bench

It needs no database: it only parses (`articles.textformat.importer.parse`, which never touches
one). Each shape is written as Markdown and, where the shape exists there, as plain text: long
paragraphs, long lists, thousands of headings, runs of "[" brackets, runs of blank lines inside
a list, deeply nested lists and quotes, and runs of spaces. For each shape and size it prints the
seconds per MB of text, or the one-line message the file was refused with.

Exit status 1 when a 2 MB file takes 10 seconds or more, or when it raises anything other than
the importer's own one-line ArticleImportError.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Sizes in MB; HSL_BENCH_IMPORT_SIZES=0.1 makes a quick trial run.
SIZES = tuple(float(n) for n in os.environ.get("HSL_BENCH_IMPORT_SIZES", "0.5,1,2").split(","))
LIMIT_SECONDS = 10.0
MB = 1024 * 1024

HEAD = "# A Generated Article\n\nA standfirst of one sentence.\n\n## Body\n\n"
PLAIN_HEAD = "A Generated Article\nA standfirst of one sentence.\nBody\nSome text.\n"
SENTENCE = (
    "Magnesium takes part in more than 300 enzyme reactions and about 45% of adults eat too "
    "little of it (Rosanoff et al., 2012). "
)


def fill(head, unit, size, tail=""):
    """`head`, then `unit` repeated to `size` bytes, then `tail`."""
    count = max(1, (size - len(head) - len(tail)) // len(unit))
    return head + unit * count + tail


def nested(depth, marker="- "):
    return "".join("  " * level + marker + f"level {level}\n" for level in range(depth))


SHAPES = {
    "paragraph, one long (md)": lambda n: fill(HEAD, SENTENCE, n, "\n"),
    "paragraphs, many (md)": lambda n: fill(HEAD, SENTENCE * 3 + "\n\n", n),
    "paragraph, one long (txt)": lambda n: fill(PLAIN_HEAD, SENTENCE, n, "\n"),
    "list, long (md)": lambda n: fill(HEAD, "- " + SENTENCE + "\n", n),
    "list, long (txt)": lambda n: fill(PLAIN_HEAD, "- " + SENTENCE + "\n", n),
    "headings (md)": lambda n: fill(HEAD, "## A Heading About Nerves\n\nSome text.\n\n", n),
    "headings, numbered (md)": lambda n: fill(HEAD, "### 1. A Numbered Heading\n\nText.\n\n", n),
    "headings (txt)": lambda n: fill(PLAIN_HEAD, "A Heading About Nerves\nSome text.\n", n),
    "headings, empty (txt)": lambda n: fill(PLAIN_HEAD, "A Heading About Nerves\n", n, "End.\n"),
    "[ brackets (md)": lambda n: fill(HEAD, "[", n, "\n"),
    "[ brackets (txt)": lambda n: fill(PLAIN_HEAD, "[", n, "\n"),
    "[text]( links, unclosed (md)": lambda n: fill(HEAD, "[a](", n, "\n"),
    "( citations, unclosed (md)": lambda n: fill(HEAD, "(Kim et al., ", n, "\n"),
    "blank lines in a list (md)": lambda n: fill(HEAD + "- first\n", "\n", n, "- last\n"),
    "blank lines in a list (txt)": lambda n: fill(PLAIN_HEAD + "- first\n", "\n", n, "- last\n"),
    "lists nested 20 deep (md)": lambda n: fill(HEAD, nested(20) + "\n", n),
    "lists nested 1000 deep (md)": lambda n: fill(HEAD, nested(1000), n),
    "quotes nested 1000 deep (md)": lambda n: fill(HEAD, ">" * 1000 + " text\n", n),
    "spaces inside a line (txt)": lambda n: fill(PLAIN_HEAD + "a", " ", n, "is an original\n"),
    "emphasis marks (md)": lambda n: fill(HEAD, "*a _b ", n, "\n"),
}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hslhealing.settings")
    os.environ["DJANGO_LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from articles.textformat.importer import MARKDOWN, PLAIN, ArticleImportError, parse

    print(f"hslhealing import benchmark: parse only, seconds per MB (limit {LIMIT_SECONDS:.0f} s)")
    print()
    print("| shape | " + " | ".join(f"{size:g} MB" for size in SIZES) + " | result |")
    print("| --- | " + " | ".join("---:" for _ in SIZES) + " | --- |")
    failures = []
    for name, make in SHAPES.items():
        cells, outcome = [], ""
        for size in SIZES:
            text = make(int(size * MB))
            fmt = MARKDOWN if "(md)" in name else PLAIN
            # The parser's own limit is 2 MB of UTF-8; the generated files stay just under it.
            text = text[: 2 * MB - 1]
            started = time.perf_counter()
            try:
                draft = parse(text, fmt=fmt)
            except ArticleImportError as error:
                outcome = f"refused: {error}"
            except Exception as error:  # reported as a failure of the target
                outcome = f"CRASH: {type(error).__name__}"
                failures.append(f"{name}, {size:g} MB: {type(error).__name__}")
            else:
                outcome = f"{len(draft.sections):,} sections"
            elapsed = time.perf_counter() - started
            cells.append(f"{elapsed / (len(text.encode()) / MB):.2f}")
            if elapsed >= LIMIT_SECONDS:
                failures.append(f"{name}, {size:g} MB: {elapsed:.1f} s")
        print(f"| {name} | " + " | ".join(cells) + f" | {outcome} |")
    print()
    for failure in failures:
        print(f"TARGET MISSED: {failure}")
    if not failures:
        print(f"Target met: every file parsed or refused in under {LIMIT_SECONDS:.0f} s.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

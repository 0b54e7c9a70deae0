"""Offline English sentences for synthetic speech: fortunes, word lists, numbers and dates.

Every sentence comes out normalised (:func:`sonitus.text.normalize`): lower case, numbers
spelt out, no punctuation but apostrophes, single spaces.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from sonitus.errors import SonitusError
from sonitus.text import normalize, spell_number, spell_ordinal, spell_year

__all__ = ["fortune_sentences", "word_list", "generated_sentences", "number_sentences", "sentence_pool"]

FORTUNE_DIR = Path("/usr/share/games/fortunes")
WORDS_FILE = Path("/usr/share/dict/american-english")

_MONTHS = ("january february march april may june july august september october november "
           "december").split()


def fortune_sentences(directory: Path = FORTUNE_DIR, *, min_words: int = 3, max_words: int = 16) -> list[str]:
    """Sentences from Debian's ``fortunes`` databases, normalised, deduplicated, sorted."""
    out: set[str] = set()
    if not directory.is_dir():
        raise SonitusError(f"The fortunes sentence source {directory} is missing; install Debian's 'fortunes' "
                           "package (make asr-data does).")
    for path in sorted(directory.iterdir()):
        if path.suffix or not path.is_file():
            continue
        try:
            raw = path.read_text(encoding="utf-8", errors="ignore")
        except OSError:
            continue
        for block in raw.split("\n%\n"):
            block = " ".join(line.strip() for line in block.splitlines() if not line.strip().startswith("--"))
            if not block or re.search(r"[|_\\/<>{}\[\]#^~]", block):
                continue  # ASCII art, code, markup
            for sentence in re.split(r"(?<=[.!?])\s+", block):
                if re.search(r"[A-Za-z]\.[A-Za-z]", sentence):
                    continue  # abbreviations and URLs read badly
                norm = normalize(sentence)
                n = len(norm.split())
                if min_words <= n <= max_words and len(norm) <= 110:
                    out.add(norm)
    return sorted(out)


def word_list(path: Path = WORDS_FILE, *, max_len: int = 10) -> list[str]:
    """Lower-case words from the ``wamerican`` list (no proper nouns, no possessives)."""
    if not path.exists():
        raise SonitusError(f"The word list {path} is missing; install Debian's 'wamerican' package "
                           "(make asr-data does).")
    words = set()
    for line in path.read_text(encoding="utf-8", errors="ignore").splitlines():
        w = line.strip()
        if w and w.isascii() and w.isalpha() and w.islower() and len(w) <= max_len:
            words.add(w)
    return sorted(words)


_FRAMES = ("the {a} {b} is {c}", "a {a} and a {b}", "please {v} the {a}", "we saw {n} {a}s near the {b}",
           "my {a} was {c} and {d}", "do not {v} the {a} {b}", "where is the {c} {a}", "{v} it and {v2} it",
           "the {a} of {b}", "they {v} every {a}", "is it {c} or {d}", "this {a} will {v} that {b}")


def generated_sentences(words: list[str], count: int, rng: random.Random) -> list[str]:
    """Sentences from simple frames filled with random ``wamerican`` words (varied vocabulary)."""
    short = [w for w in words if len(w) <= 8] or ["word"]
    out = []
    for _ in range(count):
        if rng.random() < 0.5:
            out.append(" ".join(rng.choice(short) for _ in range(rng.randint(3, 8))))
        else:
            frame = rng.choice(_FRAMES)
            out.append(frame.format(a=rng.choice(short), b=rng.choice(short), c=rng.choice(short),
                                    d=rng.choice(short), v=rng.choice(short), v2=rng.choice(short),
                                    n=spell_number(rng.randint(2, 99))))
    return out


def number_sentences(count: int, rng: random.Random) -> list[str]:
    """Numbers, times and dates spelt out: 'on march third nineteen ninety eight'."""
    out = []
    for _ in range(count):
        kind = rng.randrange(5)
        if kind == 0:
            out.append(f"on {rng.choice(_MONTHS)} {spell_ordinal(rng.randint(1, 31))} {spell_year(rng.randint(1850, 2030))}")
        elif kind == 1:
            out.append(f"the total is {spell_number(rng.randint(0, 999999))}")
        elif kind == 2:
            out.append(" ".join(spell_number(rng.randrange(10)) for _ in range(rng.randint(3, 8))))
        elif kind == 3:
            out.append(f"meet me at {spell_number(rng.randint(1, 12))} {spell_number(rng.randint(10, 59))} "
                       f"on {rng.choice(_MONTHS)} {spell_ordinal(rng.randint(1, 31))}")
        else:
            out.append(f"{spell_number(rng.randint(2, 5000))} {rng.choice(['people', 'cars', 'dollars', 'miles', 'days', 'pages'])}"
                       f" in {spell_year(rng.randint(1900, 2029))}")
    return out


def sentence_pool(seed: int = 0, *, generated: int = 12000, numbers: int = 4000) -> list[str]:
    """The full, deduplicated, shuffled sentence pool (fortunes + generated + numbers)."""
    rng = random.Random(seed)
    pool = set(fortune_sentences())
    pool.update(generated_sentences(word_list(), generated, rng))
    pool.update(number_sentences(numbers, rng))
    items = sorted(pool)
    rng.shuffle(items)
    return items

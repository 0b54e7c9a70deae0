"""Offline English sentences for synthetic speech: fortunes, word lists, numbers and dates.

Every sentence comes out normalised: lower case, numbers spelt out, no punctuation but
apostrophes, single spaces. :func:`normalize` is what the recogniser's targets and its
evaluation share.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

__all__ = ["normalize", "spell_number", "fortune_sentences", "word_list", "generated_sentences",
           "number_sentences", "sentence_pool", "ALPHABET"]

#: the characters a normalised transcript may hold (space first)
ALPHABET = " abcdefghijklmnopqrstuvwxyz'"

FORTUNE_DIR = Path("/usr/share/games/fortunes")
WORDS_FILE = Path("/usr/share/dict/american-english")

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
         "fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_ORD = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
        "nine": "ninth", "twelve": "twelfth"}
_MONTHS = ("january february march april may june july august september october november "
           "december").split()


def spell_number(n: int) -> str:
    """Spell a non-negative integer below 10**12 in English words: 1234 -> 'one thousand two hundred and thirty four'."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " and " + spell_number(rest))
    for size, name in ((10**9, "billion"), (10**6, "million"), (1000, "thousand")):
        if n >= size:
            rest = n % size
            head = spell_number(n // size) + " " + name
            if rest == 0:
                return head
            return head + (" and " if rest < 100 else " ") + spell_number(rest)
    raise ValueError(n)


def spell_ordinal(n: int) -> str:
    """Spell an ordinal: 3 -> 'third', 21 -> 'twenty first'."""
    words = spell_number(n).split()
    last = words[-1]
    if last in _ORD:
        last = _ORD[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last = last + "th"
    return " ".join(words[:-1] + [last])


def spell_year(n: int) -> str:
    """Spell a year as spoken: 1998 -> 'nineteen ninety eight', 2005 -> 'two thousand and five'."""
    if 2000 <= n < 2010 or n % 1000 == 0:
        return spell_number(n)
    hi, lo = divmod(n, 100)
    if lo == 0:
        return spell_number(hi) + " hundred"
    return spell_number(hi) + " " + (("oh " + _ONES[lo]) if lo < 10 else spell_number(lo))


def _number_words(match: re.Match) -> str:
    text = match.group(0).replace(",", "")
    if "." in text:
        whole, frac = text.split(".", 1)
        return spell_number(int(whole or 0)) + " point " + " ".join(_ONES[int(d)] for d in frac if d.isdigit())
    value = int(text)
    if 1100 <= value <= 2099 and len(text) == 4:
        return spell_year(value)
    return spell_number(value) if value < 10**12 else " ".join(_ONES[int(d)] for d in text)


_SYMBOLS = {"&": " and ", "%": " percent ", "+": " plus ", "=": " equals ", "@": " at ", "$": " dollars "}


def normalize(text: str) -> str:
    """Normalise a sentence: lower case, numbers spelt out, only ``a-z``, apostrophes and spaces.

    >>> normalize("It's 42 o'clock -- in 1984!")
    "it's forty two o'clock in nineteen eighty four"
    """
    text = text.replace("\u2019", "'").replace("`", "'")
    for sym, word in _SYMBOLS.items():
        text = text.replace(sym, word)
    text = re.sub(r"(\d+)(st|nd|rd|th)\b", lambda m: spell_ordinal(int(m.group(1))), text)
    text = re.sub(r"\d[\d,]*(\.\d+)?", _number_words, text)
    text = text.lower()
    text = re.sub(r"[^a-z' ]+", " ", text)
    text = re.sub(r"(?<![a-z])'|'(?![a-z])", " ", text)  # quotes, not apostrophes
    return " ".join(text.split())


def fortune_sentences(directory: Path = FORTUNE_DIR, *, min_words: int = 3, max_words: int = 16) -> list[str]:
    """Sentences from Debian's ``fortunes`` databases, normalised, deduplicated, sorted."""
    out: set[str] = set()
    if not directory.is_dir():
        return []
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
        return []
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
            out.append(" ".join(_ONES[rng.randrange(10)] for _ in range(rng.randint(3, 8))))
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

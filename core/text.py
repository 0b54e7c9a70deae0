"""English text normalisation and the character vocabulary that speech models share.

A normalised transcript is lower case with numbers spelt out, only ``a-z``, apostrophes and
single spaces: what the CTC recogniser emits, what its training targets are, and what
``sonitus eval asr`` compares.

>>> normalize("It's 42 o'clock -- in 1984!")
"it's forty two o'clock in nineteen eighty four"
>>> spell_number(1234)
'one thousand two hundred and thirty four'
"""

from __future__ import annotations

import re

__all__ = ["ALPHABET", "normalize", "normalize_basic", "normalize_for", "spell_number", "spell_ordinal", "spell_year"]

#: the characters a normalised transcript may hold (space first)
ALPHABET = " abcdefghijklmnopqrstuvwxyz'"

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
         "fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_ORD = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
        "nine": "ninth", "twelve": "twelfth"}
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
#: titles written short and always spoken whole (as openai-whisper's English normaliser reads them)
_TITLES = {"mr": "mister", "mrs": "missus", "dr": "doctor", "prof": "professor"}


def normalize(text: str) -> str:
    """Normalise a sentence: lower case, numbers spelt out, titles written in full, only ``a-z``,
    apostrophes and spaces.

    >>> normalize("It's 42 o'clock -- in 1984!")
    "it's forty two o'clock in nineteen eighty four"
    >>> normalize("Mr. Dashwood and Dr Watson")
    'mister dashwood and doctor watson'
    """
    text = text.replace("\u2019", "'").replace("`", "'")
    text = re.sub(r"\b(mrs|mr|dr|prof)\b\.?", lambda m: _TITLES[m.group(1).lower()], text, flags=re.IGNORECASE)
    for sym, word in _SYMBOLS.items():
        text = text.replace(sym, word)
    text = re.sub(r"(\d+)(st|nd|rd|th)\b", lambda m: spell_ordinal(int(m.group(1))), text)
    text = re.sub(r"\d[\d,]*(\.\d+)?", _number_words, text)
    text = text.lower()
    text = re.sub(r"[^a-z' ]+", " ", text)
    text = re.sub(r"(?<![a-z])'|'(?![a-z])", " ", text)  # quotes, not apostrophes
    return " ".join(text.split())


def normalize_basic(text: str) -> str:
    """Normalise a sentence in any language: Unicode NFKC, case folded, punctuation and symbols
    dropped, letters with their accents and digits kept (openai-whisper's basic normaliser).

    >>> normalize_basic("Über den Fluß, bitte!")
    'über den fluss bitte'
    """
    import unicodedata

    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[<\[][^>\]]*[>\]]|\([^)]*\)", " ", text)  # bracketed annotations
    kept = (" " if unicodedata.category(c)[0] in "PSZC" else c for c in text)
    return " ".join("".join(kept).split())


def normalize_for(language: str | None):
    """The normaliser that suits ``language`` (an ISO 639-1 code): :func:`normalize` for English
    (numbers spelt out, a-z only), :func:`normalize_basic` for every other language, whose
    letters the English one would drop."""
    return normalize if language in (None, "en") else normalize_basic

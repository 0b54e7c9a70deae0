"""Whisper's byte-level BPE (the ``tokenizers`` library over the checkpoint's ``tokenizer.json``)
and its special tokens, whose ids are read from the checkpoint, never assumed: English-only and
multilingual models number them differently.

>>> tok = WhisperTokenizer.from_folder(folder)                     # doctest: +SKIP
>>> tok.sot_sequence(language="en", task="transcribe")
(50258, 50259, 50359)                                   # multilingual; (50257,) for tiny.en
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from sonitus.errors import CheckpointError, ParameterError

__all__ = ["WhisperTokenizer", "LANGUAGES"]

#: Whisper's language codes in token order (the multilingual vocabulary's order)
LANGUAGES = (
    "en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta no th ur hr bg lt la "
    "mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw gl mr pa si km sn yo so af oc ka be "
    "tg sd gu am yi lo uz fo ht ps tk nn mt sa lb my bo tl mg as tt haw ln ha ba jw su yue").split()


class WhisperTokenizer:
    """Text <-> token ids, and the ids of Whisper's special tokens."""

    def __init__(self, tokenizer, vocabulary: dict[str, int], n_vocab: int):
        self._tok = tokenizer
        self._vocab = vocabulary
        self.n_vocab = n_vocab

        def special(name: str, *alternatives: str) -> int:
            for candidate in (name, *alternatives):
                if candidate in vocabulary:
                    return vocabulary[candidate]
            raise CheckpointError(f"The model's vocabulary has no {name} token; it is not a Whisper tokenizer.")

        self.eot = special("<|endoftext|>")
        self.sot = special("<|startoftranscript|>")
        self.translate = special("<|translate|>")
        self.transcribe = special("<|transcribe|>")
        self.sot_lm = special("<|startoflm|>")
        self.sot_prev = special("<|startofprev|>")
        self.no_speech = special("<|nospeech|>", "<|nocaptions|>")
        self.no_timestamps = special("<|notimestamps|>")
        self.timestamp_begin = self.no_timestamps + 1
        self.languages = {code: vocabulary[f"<|{code}|>"] for code in LANGUAGES if f"<|{code}|>" in vocabulary}

    @classmethod
    def from_folder(cls, folder: str | Path, n_vocab: int) -> WhisperTokenizer:
        """The tokenizer of a model folder (``tokenizer.json``; ``vocabulary.txt``, where
        CTranslate2 put it, numbers every token including the timestamps)."""
        from tokenizers import Tokenizer

        folder = Path(folder)
        path = folder / "tokenizer.json"
        if not path.is_file():
            raise CheckpointError(f"{folder} has no tokenizer.json; copy the model's tokenizer.json beside its "
                                  "weights.")
        try:
            tokenizer = Tokenizer.from_file(str(path))
        except Exception as exc:  # the tokenizers library raises a bare Exception on bad files
            raise CheckpointError(f"{path} is not a tokenizers file ({exc}).") from exc
        vocab_file = folder / "vocabulary.txt"
        if vocab_file.is_file():
            lines = vocab_file.read_text(encoding="utf-8").split("\n")
            vocabulary = {token: i for i, token in enumerate(lines[:n_vocab])}
        else:
            vocabulary = tokenizer.get_vocab(with_added_tokens=True)
        return cls(tokenizer, vocabulary, n_vocab)

    @property
    def multilingual(self) -> bool:
        return self.n_vocab >= 51865

    def encode(self, text: str) -> list[int]:
        """Token ids of plain text (no special tokens)."""
        return self._tok.encode(text, add_special_tokens=False).ids

    def decode(self, tokens) -> str:
        """Text of token ids; special and timestamp tokens are left out."""
        return self._tok.decode([int(t) for t in tokens if t < self.eot])

    def token_text(self, token: int) -> str:
        """The text of one token (for word splitting)."""
        return self._tok.decode([int(token)]) if token < self.eot else ""

    def sot_sequence(self, *, language: str | None = None, task: str = "transcribe") -> tuple[int, ...]:
        """The tokens a transcription starts with."""
        if not self.multilingual:
            if task != "transcribe" or language not in (None, "en"):
                raise ParameterError(f"An English-only model transcribes English; it cannot {task} "
                                     f"{language or ''} speech. Use a multilingual model (e.g. --model base).")
            return (self.sot,)
        if task not in ("transcribe", "translate"):
            raise ParameterError(f"task must be 'transcribe' or 'translate', not {task!r}.")
        seq = [self.sot]
        if language is not None:
            seq.append(self.language_token(language))
        seq.append(self.transcribe if task == "transcribe" else self.translate)
        return tuple(seq)

    def language_token(self, code: str) -> int:
        if code not in self.languages:
            raise ParameterError(f"Unknown language {code!r}; Whisper knows {', '.join(sorted(self.languages))}.")
        return self.languages[code]

    @functools.cached_property
    def non_speech(self) -> tuple[int, ...]:
        """Tokens of symbols that are rarely speech (openai-whisper's ``suppress_tokens=-1`` set)."""
        symbols = list('"#()*+/:;<=>@[\\]^_`{|}~「」『』')
        symbols += "<< >> <<< >>> -- --- -( -[ (' (\" (( )) ((( ))) [[ ]] {{ }} ♪♪ ♪♪♪".split()
        miscellaneous = set("♩♪♫♬♭♮♯")
        result = {self.encode(" -")[0], self.encode(" '")[0]}
        for symbol in symbols + list(miscellaneous):
            for tokens in (self.encode(symbol), self.encode(" " + symbol)):
                if len(tokens) == 1 or symbol in miscellaneous:
                    result.add(tokens[0])
        return tuple(sorted(result))

    def suppress_mask(self) -> np.ndarray:
        """Boolean ``[n_vocab]``: tokens never sampled (non-speech symbols and task tokens)."""
        mask = np.zeros(self.n_vocab, bool)
        mask[list(self.non_speech)] = True
        mask[self.special_ids()] = True
        return mask

    def special_ids(self) -> list[int]:
        """Task and control tokens that are given, never generated."""
        return [self.translate, self.transcribe, self.sot, self.sot_prev, self.sot_lm, self.no_speech]

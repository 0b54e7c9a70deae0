"""Temperature fallback: the first result that passes, or the likeliest that does not repeat itself."""

import dataclasses

import numpy as np
import pytest
from sonitus.plugins.whisper import transcribe
from sonitus.plugins.whisper.decoding import DecodeResult
from sonitus.plugins.whisper.transcribe import TranscribeOptions


def _result(logprob, ratio=1.5, temperature=0.0):
    return DecodeResult((1, 2), "text", logprob, 0.01, temperature, ratio)


class _Cross:
    def take(self, rows):
        return self


@pytest.mark.parametrize("by_temperature, chosen", [
    ([-0.5], 0),                          # passes at once
    ([-1.5, -0.8, -2.0], 1),              # the first that passes
    ([-1.5, -1.2, -3.0], 1),              # none passes: the likeliest (not the last sample)
])
def test_the_fallback_keeps_the_first_pass_or_else_the_likeliest(monkeypatch, by_temperature, chosen):
    options = TranscribeOptions(temperatures=(0.0, 0.2, 0.4)[:max(len(by_temperature), 1)])
    calls = []

    def decode(rt, cross, prompts, decode_options, seed, languages):
        calls.append(decode_options.temperature)
        return [_result(by_temperature[seed], temperature=decode_options.temperature)]

    monkeypatch.setattr(transcribe, "decode_windows", decode)
    [result] = transcribe._decode_with_fallback(None, _Cross(), [[]], options, [None])
    assert result.avg_logprob == by_temperature[chosen]
    assert len(calls) == (chosen + 1 if by_temperature[chosen] >= -1.0 else len(by_temperature))


def test_when_all_fail_a_repeating_text_is_chosen_only_if_every_one_repeats(monkeypatch):
    results = [_result(-1.1, ratio=3.0), _result(-1.9), _result(-2.5, ratio=3.0)]
    monkeypatch.setattr(transcribe, "decode_windows",
                        lambda rt, cross, prompts, o, seed, languages: [results[seed]])
    options = TranscribeOptions(temperatures=(0.0, 0.5, 1.0))
    [result] = transcribe._decode_with_fallback(None, _Cross(), [[]], options, [None])
    assert result.avg_logprob == -1.9 and result.temperature == 1.0  # the prompt resets after it
    repeating = [dataclasses.replace(r, compression_ratio=3.0) for r in results]
    monkeypatch.setattr(transcribe, "decode_windows",
                        lambda rt, cross, prompts, o, seed, languages: [repeating[seed]])
    [result] = transcribe._decode_with_fallback(None, _Cross(), [[]], options, [None])
    assert np.isclose(result.avg_logprob, -1.1)

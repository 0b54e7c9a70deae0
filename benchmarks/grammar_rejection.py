"""How well grammar mode accepts commands and rejects everything else (ctc, or Whisper with
``--recognizer whisper``).

Voices the model never heard in training (espeak-ng's dev variants and Festival, the engine
held out altogether) speak every phrase of a 20-command grammar, 10 near misses (one word
changed: "turn on the garden light") and 10 unrelated sentences. For each rejection
threshold (nats per frame (ctc) or per token (Whisper) by which free decoding may beat the
best phrase) it prints the
share of commands accepted as the right phrase, accepted as a wrong one, and rejected, and
the share of near misses and unrelated sentences wrongly accepted. Run:
``.venv/bin/python benchmarks/grammar_rejection.py [--recognizer whisper]`` (a minute; Whisper
tiny.en about five).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _cli import make_parser  # noqa: E402

COMMANDS = ["turn on the kitchen light", "turn off the kitchen light", "turn on the bedroom light",
            "turn off the bedroom light", "open the door", "close the door", "lock the front door",
            "play some music", "stop the music", "next song", "previous song", "volume up", "volume down",
            "what time is it", "set a timer for five minutes", "cancel the timer", "call my mother",
            "read my messages", "start the washing machine", "good night"]
NEAR_MISSES = ["turn on the garden light", "turn off the hallway light", "open the window", "close the window",
               "play some news", "stop the washing machine", "set a timer for ten minutes", "call my father",
               "read my mail", "good morning"]
UNRELATED = ["the quick brown fox jumps over the lazy dog", "please call me at seven thirty on monday",
             "she sells sea shells by the sea shore", "we need more bread and milk",
             "the meeting moved to thursday afternoon", "it was a dark and stormy night",
             "how much does the ticket cost", "my train leaves at noon", "the cat sat on the mat",
             "they planted three apple trees"]
#: what each utterance set is, by the name its row takes
SETS = {"command": COMMANDS, "near miss": NEAR_MISSES, "unrelated": UNRELATED}
THRESHOLDS = (0.08, 0.15, 0.25, 0.35, 0.5, 0.75, 1.0, 1.5)
WHISPER_THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5)


def voices():
    """The speech corpus's dev voices (plugins/tts_speech): espeak-ng variants held out of
    training, and Festival, whose voices never train."""
    from sonitus.tts import Voice

    out = [Voice("espeak", "en-us+m3", rate=160), Voice("espeak", "en-gb+f2", rate=170, pitch=60),
           Voice("espeak", "en-us+klatt3", rate=150), Voice("espeak", "en-gb-scotland+Andy", rate=175),
           Voice("espeak", "en+linda", rate=165, pitch=45)]
    return out + [Voice("festival", name, rate=100) for name in ("kal_diphone", "ked_diphone")]


def _ctc_scores(audios):
    from sonitus.plugins.asr.decode import grammar_decode
    from sonitus.plugins.asr.recognizer import CTCRecognizer

    rec = CTCRecognizer()
    return [(r.rejection, r.best) for r in (grammar_decode(lp, COMMANDS, threshold=np.inf)
                                            for lp in rec.logprobs(audios))]


def _whisper_scores(audios):
    from sonitus.plugins.whisper.recognizer import WhisperRecognizer

    rec = WhisperRecognizer("tiny.en", grammar=COMMANDS, threshold=1e9)
    return [(t.info["rejection"], t.info["best"]) for t in rec.transcribe(audios)]


def main() -> None:
    from sonitus import Audio
    from sonitus.tts import SAMPLE_RATE, synthesize

    parser = make_parser(__doc__)
    parser.add_argument("--recognizer", choices=("ctc", "whisper"), default="ctc")
    args = parser.parse_args()
    scores = _whisper_scores if args.recognizer == "whisper" else _ctc_scores
    thresholds = WHISPER_THRESHOLDS if args.recognizer == "whisper" else THRESHOLDS
    rows = {kind: [] for kind in SETS}
    used = []
    for voice in voices():
        try:
            clips = {kind: [Audio(synthesize(s, voice)[None, :], SAMPLE_RATE) for s in sentences]
                     for kind, sentences in SETS.items()}
        except Exception as exc:  # a voice this machine lacks
            print(f"skipped {voice.label}: {exc}")
            continue
        used.append(voice.label)
        for kind, audios in clips.items():
            for sentence, (rejection, best) in zip(SETS[kind], scores(audios)):
                rows[kind].append((rejection, best == sentence))
    print(f"voices (none heard in training): {', '.join(used)}")
    print(f"{len(rows['command'])} commands, {len(rows['near miss'])} near misses, {len(rows['unrelated'])} "
          "unrelated sentences\n")
    command = np.array(rows["command"])
    print(f"best phrase right, before any rejection: {command[:, 1].mean():.3f}")
    print(f"{'threshold':>9}  {'right':>6}  {'wrong':>6}  {'rejected':>8}  {'near miss in':>12}  {'unrelated in':>12}")
    for threshold in thresholds:
        accepted = command[:, 0] <= threshold
        near = np.mean([r <= threshold for r, _ in rows["near miss"]])
        unrelated = np.mean([r <= threshold for r, _ in rows["unrelated"]])
        print(f"{threshold:9.2f}  {np.mean(accepted & (command[:, 1] == 1)):6.3f}  "
              f"{np.mean(accepted & (command[:, 1] == 0)):6.3f}  {1 - accepted.mean():8.3f}  {near:12.3f}  "
              f"{unrelated:12.3f}")


if __name__ == "__main__":
    main()

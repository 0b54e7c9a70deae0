"""Speech recognition demo: synthesise sentences with voices the model never heard, transcribe
them with the shipped CTC model (greedy and beam + word LM), show word timings and a
voice-command grammar. Runs in well under a minute on a CPU."""

from __future__ import annotations

import time
from pathlib import Path


def main(out_dir: Path) -> None:
    import jiwer
    from sonitus import Audio
    from sonitus.dsl import load, recognize, text
    from sonitus.plugins.asr.recognizer import CTCRecognizer
    from sonitus.tts import SAMPLE_RATE, Voice, synthesize

    sentences = ["the quick brown fox jumps over the lazy dog",
                 "please call me at seven thirty on monday",
                 "turn off the kitchen light"]
    voices = [Voice("espeak", "en-us+m3", rate=160), Voice("espeak", "en-gb+f2", rate=170, pitch=60),
              Voice("festival", "ked_diphone", rate=100)]
    audios = []
    for s, v in zip(sentences, voices):
        try:
            audios.append(Audio(synthesize(s, v)[None, :], SAMPLE_RATE))
        except Exception:  # Festival's held-out voice may be missing: fall back to espeak
            audios.append(Audio(synthesize(s, Voice("espeak", "en-us+klatt3"))[None, :], SAMPLE_RATE))

    greedy, beam = CTCRecognizer(beam=1), CTCRecognizer(beam=8)
    greedy.transcribe(audios)  # load the model and compile
    beam.transcribe(audios)
    for name, rec in (("greedy", greedy), ("beam 8 + LM", beam)):
        tic = time.perf_counter()
        out = rec.transcribe(audios)
        rtf = (time.perf_counter() - tic) / sum(a.duration for a in audios)
        hyps = [t.text for t in out]
        print(f"{name:12s} WER {jiwer.wer(sentences, hyps):.3f}  CER {jiwer.cer(sentences, hyps):.3f}  RTF {rtf:.4f}")
        for ref, hyp in zip(sentences, hyps):
            print(f"   ref: {ref}\n   hyp: {hyp}")

    from sonitus.plots import spectrogram_png

    words = beam(audios[0]).words
    print("word timings (s) and confidence:",
          ", ".join(f"{w.text} {w.start:.2f}-{w.end:.2f} ({w.confidence:.2f})" for w in words))
    out_dir.mkdir(parents=True, exist_ok=True)
    audios[0].save(out_dir / "sentence.wav")
    png = spectrogram_png(audios[0], out_dir / "sentence.png", n_mels=80, words=words,
                          title=f"heard: {beam(audios[0]).text!r}")
    print(f"wrote {out_dir.name}/sentence.wav and {png.name} (spectrogram with the recognised words)")

    # a command grammar: the best phrase of the list, or nothing when free decoding hears
    # something else (by more than 0.5 nats a frame, the stage's threshold=)
    commands = ["turn on the kitchen light", "turn off the kitchen light", "open the door", "play some music"]
    rec = CTCRecognizer(grammar=commands)
    said = [(commands[1], Audio(synthesize(commands[1], voices[1])[None, :], SAMPLE_RATE)),
            (commands[3], Audio(synthesize(commands[3], Voice("espeak", "en-us+klatt3"))[None, :], SAMPLE_RATE)),
            (sentences[0], audios[0])]
    for sentence, audio in said:
        t = rec(audio)
        print(f"grammar: said {sentence!r:45} -> {t.text or '<rejected>'!r}  (rejection {-t.score:.2f})")

    # the same through the DSL
    import os
    import tempfile

    path = os.path.join(tempfile.mkdtemp(), "hello.wav")
    Audio(synthesize("hello world", Voice("espeak", "en-gb-scotland+Andy"))[None, :], SAMPLE_RATE).save(path)
    print("DSL:", (load(path) >> recognize() >> text()).run())


if __name__ == "__main__":
    main()

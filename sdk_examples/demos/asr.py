"""Speech recognition demo: synthesise sentences with voices the models never heard, transcribe
them with Whisper tiny.en (the default recogniser, pretrained, run by our Flax code) and the CTC
model trained here (greedy and beam + word LM), a human recording, word timings and a
voice-command grammar. Runs in about a minute on a CPU."""

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

    from sonitus.dsl import default_recognizer
    from sonitus.text import normalize

    greedy, beam = CTCRecognizer(beam=1), CTCRecognizer(beam=8)
    recognizers = {"ctc greedy": greedy, "ctc beam 8 + LM": beam}
    default = default_recognizer()
    if default.name == "whisper":
        recognizers = {"whisper tiny.en": default, **recognizers}
    for name, rec in recognizers.items():
        rec.transcribe(audios)  # load the model and compile
        tic = time.perf_counter()
        out = rec.transcribe(audios)
        rtf = (time.perf_counter() - tic) / sum(a.duration for a in audios)
        hyps = [normalize(t.text) for t in out]
        print(f"{name:16s} WER {jiwer.wer(sentences, hyps):.3f}  CER {jiwer.cer(sentences, hyps):.3f}  RTF {rtf:.4f}")
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

    human = Path("/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0930.wav")
    if human.exists():  # a human voice (Debian's pocketsphinx-testdata)
        said = "he might even have been made amiable himself"
        for name, rec in recognizers.items():
            print(f"human voice, {name:16s}: {rec(Audio.load(human)).text!r}   (said: {said!r})")

    # the same through the DSL
    import os
    import tempfile

    path = os.path.join(tempfile.mkdtemp(), "hello.wav")
    Audio(synthesize("hello world", Voice("espeak", "en-gb-scotland+Andy"))[None, :], SAMPLE_RATE).save(path)
    print("DSL:", (load(path) >> recognize() >> text()).run())


if __name__ == "__main__":
    main()

"""What Whisper fine-tuning reads: manifests checked before any work, the frozen encoder's
output of each utterance cached on disk (keyed by the audio's samples and the encoder's
weights), and a replay set of ordinary English so that the model does not forget it.

The replay set is synthesised here (espeak-ng and Festival voices speaking Harvard sentences,
lists 3 to 8; the benchmarks' lists 1 and 2 stay unseen) and labelled by the base model itself
(its own greedy transcript), so that replay keeps the base model's behaviour, casing and
punctuation included. Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sonitus.errors import DatasetError

from .frontend import N_SAMPLES, SAMPLE_RATE, first_window

__all__ = ["Utterance", "read_utterances", "EncoderCache", "encoder_input", "replay_set", "REPLAY_SENTENCES"]

#: bump when the log-mel window the encoder hears changes: cached encoder outputs go stale
FRONTEND_VERSION = "mel-zeros-past-end"
#: the longest utterance a manifest may hold: one window, no timestamps
MAX_SECONDS = N_SAMPLES / SAMPLE_RATE

#: IEEE 1969 Harvard sentences (public domain), lists 3 to 8
REPLAY_SENTENCES = """The small pup gnawed a hole in the sock.
The fish twisted and turned on the bent hook.
Press the pants and sew a button on the vest.
The swan dive was far short of perfect.
The beauty of the view stunned the young boy.
Two blue fish swam in the tank.
Her purse was full of useless trash.
The colt reared and threw the tall rider.
It snowed, rained, and hailed the same morning.
Read verse out loud for pleasure.
Hoist the load to your left shoulder.
Take the winding path to reach the lake.
Note closely the size of the gas tank.
Wipe the grease off his dirty face.
Mend the coat before you go out.
The wrist was badly strained and hung limp.
The stray cat gave birth to kittens.
The young girl gave no clear response.
The meal was cooked before the bell rang.
What joy there is in living.
A king ruled the state in the early days.
The ship was torn apart on the sharp reef.
Sickness kept him home the third week.
The wide road shimmered in the hot sun.
The lazy cow lay in the cool grass.
Lift the square stone over the fence.
The rope will bind the seven books at once.
Hop over the fence and plunge in.
The friendly gang left the drug store.
Mesh wire keeps chicks inside.
The frosty air passed through the coat.
The crooked maze failed to fool the mouse.
Adding fast leads to wrong sums.
The show was a flop from the very start.
A saw is a tool used for making boards.
The wagon moved on well oiled wheels.
March the soldiers past the next hill.
A cup of sugar makes sweet fudge.
Place a rosebush near the porch steps.
Both lost their lives in the raging storm.
We talked of the side show in the circus.
Use a pencil to write the first draft.
He ran half way to the hardware store.
The clock struck to mark the third period.
A small creek cut across the field.
Cars and busses stalled in snow drifts.
The set of china hit the floor with a crash.
This is a grand season for hikes on the road.
The dune rose from the edge of the water.
Those words were the cue for the actor to leave.
A yacht slid around the point into the bay.
The two met while playing on the sand.
The ink stain dried on the finished page.
The walled town was seized without a fight.
The lease ran out in sixteen weeks.
A tame squirrel makes a nice pet.
The horn of the car woke the sleeping cop.
The heart beat strongly and with firm strokes.
The pearl was worn in a thin silver ring.
The fruit peel was cut in thick slices.""".splitlines()
#: voices that speak the replay set (sonitus.tts names)
REPLAY_VOICES = (("espeak", "en-us"), ("espeak", "en"), ("festival", "kal_diphone"), ("festival", "ked_diphone"))


@dataclass(frozen=True)
class Utterance:
    """One training example: 16 kHz mono samples, the transcript, and where it came from."""

    wave: np.ndarray
    text: str
    source: str


def read_utterances(manifests: list[str], *, max_tokens: int, encode) -> list[Utterance]:
    """Every row of ``manifests`` (``path<TAB>transcript``), loaded and checked before training:
    the file exists and is audio, the transcript is not empty and fits ``max_tokens`` tokens
    (``encode``: text -> token ids), the audio is at most 30 s (one window; longer audio would
    need timestamps). All problems are reported together."""
    from sonitus import Audio
    from sonitus.errors import SonitusError
    from sonitus.manifests import read_manifest

    out, problems = [], []
    for manifest in manifests:
        for number, (path, text) in enumerate(read_manifest(manifest), 1):
            where = f"{manifest} row {number} ({path})"
            if not text.strip():
                problems.append(f"{where}: the transcript is empty")
                continue
            try:
                audio = Audio.load(path)
            except SonitusError as exc:
                problems.append(f"{where}: {exc}")
                continue
            if audio.duration > MAX_SECONDS:
                problems.append(f"{where}: {audio.duration:.1f} s is longer than {MAX_SECONDS:.0f} s; cut it into "
                                "utterances of at most 30 s")
                continue
            if len(encode(" " + text.strip())) > max_tokens:
                problems.append(f"{where}: the transcript is longer than {max_tokens} tokens")
                continue
            wave = audio.to_mono().resample(SAMPLE_RATE).mono.astype(np.float32)
            out.append(Utterance(wave, text.strip(), str(path)))
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise DatasetError(f"{len(problems)} manifest row(s) cannot be used: {shown}.")
    return out


def encoder_key(params: dict) -> str:
    """A short digest of the encoder's weights and of the front-end's version (what its cached
    outputs depend on)."""
    import jax

    digest = hashlib.sha256(FRONTEND_VERSION.encode())
    leaves = jax.tree_util.tree_flatten_with_path({k: v for k, v in params.items() if not _is_decoder(k)})[0]
    for path, leaf in leaves:
        digest.update(jax.tree_util.keystr(path).encode())
        digest.update(np.ascontiguousarray(np.asarray(leaf, np.float32)).tobytes())
    return digest.hexdigest()[:16]


def _is_decoder(name: str) -> bool:
    return name.startswith(("decoder_blocks", "token_embedding", "text_positions", "decoder_ln"))


def encoder_input(runtime, wave: np.ndarray) -> np.ndarray:
    """The log-mel window ``[3000, n_mels]`` the encoder hears for ``wave`` (at most 30 s)."""
    return np.ascontiguousarray(first_window(wave, n_mels=runtime.config.n_mels).T)


class EncoderCache:
    """The frozen encoder's output of each utterance, ``[n_audio_ctx, width]`` float16, kept in
    ``folder/MODEL/AUDIO.npy``: computed once, reused by every run on the same model and audio."""

    def __init__(self, runtime, folder: Path):
        self.runtime = runtime
        self.folder = folder / encoder_key(runtime.checkpoint.params)
        self.hits = self.misses = 0

    @staticmethod
    def audio_key(wave: np.ndarray) -> str:
        return hashlib.sha256(np.ascontiguousarray(wave, np.float32).tobytes()).hexdigest()[:24]

    def features(self, wave: np.ndarray) -> np.ndarray:
        from sonitus.atomic import atomic_path

        path = self.folder / f"{self.audio_key(wave)}.npy"
        if path.is_file():
            try:
                cached = np.load(path, allow_pickle=False)
                if cached.shape == (self.runtime.config.n_audio_ctx, self.runtime.config.n_audio_state):
                    self.hits += 1
                    return cached
            except (OSError, ValueError):
                pass  # a damaged entry is computed again
        rt = self.runtime
        audio = np.asarray(rt.encode(rt.params, encoder_input(rt, wave)[None])[0][0], np.float16)
        with atomic_path(path) as tmp, open(tmp, "wb") as f:
            np.save(f, audio, allow_pickle=False)
        self.misses += 1
        return audio


def replay_set(runtime, model_folder: Path, count: int, *, log=print) -> list[Utterance]:
    """``count`` utterances of ordinary English (see the module doc), labelled by ``runtime``'s
    own greedy transcript; the labels are cached in ``model_folder`` (the EncoderCache's folder of
    this model, beside its encoder outputs)."""
    from sonitus.errors import DependencyError
    from sonitus.tts import Voice, synthesize

    from .transcribe import TranscribeOptions, transcribe_waves

    if count == 0:
        return []
    labels_path = model_folder / "replay-labels.json"
    labels = json.loads(labels_path.read_text()) if labels_path.is_file() else {}
    waves, texts = [], []
    for i in range(count):
        sentence = REPLAY_SENTENCES[i % len(REPLAY_SENTENCES)]
        engine, name = REPLAY_VOICES[(i + i // len(REPLAY_SENTENCES)) % len(REPLAY_VOICES)]
        try:
            waves.append(synthesize(sentence, Voice(engine, name)))
        except DependencyError:
            waves.append(synthesize(sentence, Voice("espeak", "en-us")))
        texts.append(sentence)
    keys = [EncoderCache.audio_key(w) for w in waves]
    todo = [i for i, k in enumerate(keys) if k not in labels]
    if todo:
        log(f"labelling {len(todo)} replay utterances with the base model")
        options = TranscribeOptions(beam=1, temperatures=(0.0,), word_timestamps=False, condition_on_previous_text=False,
                                    language="en" if runtime.tokenizer.multilingual else None)
        results = transcribe_waves(runtime, [waves[i] for i in todo], options)
        for i, r in zip(todo, results):
            labels[keys[i]] = r.text or texts[i]
        from sonitus.atomic import atomic_write_text

        atomic_write_text(labels_path, json.dumps(labels, indent=1))
    return [Utterance(w, labels[k], "replay") for w, k in zip(waves, keys)]

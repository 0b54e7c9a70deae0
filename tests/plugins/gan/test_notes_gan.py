"""The notes GAN: dataset, shapes, a critic that learns, checkpoints, the stage, metrics and the CLI."""

import numpy as np
import pytest
from sonitus.plugins.gan.notes import SPEC, NoteSet
from sonitus.plugins.gan.notes_model import NotesGANConfig

SMALL = {"latent": 8, "width": 32, "critic_width": 8}


@pytest.fixture(scope="module")
def tiny_notes(tmp_path_factory):
    """Real FluidSynth notes: piano and flute at three pitches, three velocities each."""
    from sonitus.plugins.gan.notes import GMNotes

    ds = GMNotes(str(tmp_path_factory.mktemp("notes")), pitches=(48, 60, 72), families=("piano", "flute"))
    images, labels = [], []
    for split in ds.load(progress=False):
        images.append(split.images)
        labels.append(np.stack([split.family, split.pitch, split.velocity, split.program], 1))
    labels = np.concatenate(labels)
    return NoteSet(np.concatenate(images), *labels.T)


def test_dataset_images_are_normalised_and_labelled(tiny_notes):
    # 5 programs (piano 3, flute 2) x 3 pitches x 3 velocities, train + held out
    assert len(tiny_notes) == 45
    assert tiny_notes.images.shape == (45, SPEC.frames, SPEC.n_mels)
    assert tiny_notes.images.min() >= -1 and tiny_notes.images.max() <= 1
    assert set(tiny_notes.family) == {0, 5} and set(tiny_notes.pitch) == {48, 60, 72}
    # louder notes are brighter images
    soft = tiny_notes.images[tiny_notes.velocity == 50].mean()
    loud = tiny_notes.images[tiny_notes.velocity == 110].mean()
    assert loud > soft + 0.02


def test_image_inversion_keeps_the_pitch(tiny_notes):
    from sonitus.plugins.gan.notes_metrics import pitch_accuracy

    accuracy, error = pitch_accuracy(tiny_notes.images[:12], tiny_notes.pitch[:12])
    assert accuracy >= 0.75, error


def test_harmonic_comb_peaks_at_the_fundamental():
    from sonitus.dsp.mel import mel_frequencies
    from sonitus.plugins.gan.notes_model import harmonic_comb

    comb = np.asarray(harmonic_comb(np.array([57, 69])))   # A3, A4
    centres = mel_frequencies(SPEC.n_mels + 2, 0.0, SPEC.sample_rate / 2)[1:-1]
    assert abs(centres[np.argmax(comb[0])] - 220) < 20 and abs(centres[np.argmax(comb[1])] - 440) < 25


def test_generator_and_critic_shapes():
    import jax
    from sonitus.plugins.gan.notes_model import build_critic, build_generator

    config = NotesGANConfig(**SMALL)
    gen, critic = build_generator(config), build_critic(config)
    labels = {"pitch": np.array([40, 60, 80]), "family": np.array([0, 3, 5]), "velocity": np.array([50, 80, 110])}
    z = jax.random.normal(jax.random.PRNGKey(0), (3, config.latent))
    params = gen.init(jax.random.PRNGKey(1), z, labels)
    images = np.asarray(gen.apply(params, z, labels))
    assert images.shape == (3, SPEC.frames, SPEC.n_mels)
    assert images.min() >= -1 and images.max() <= 1
    score, pitch_logits, family_logits = critic.apply(critic.init(jax.random.PRNGKey(2), images, labels), images,
                                                      labels)
    assert score.shape == (3,) and pitch_logits.shape == (3, config.pitches) and family_logits.shape == (3, 6)


def test_training_teaches_the_critic_and_resumes_exactly(tmp_path, tiny_notes):
    import jax
    from sonitus.checkpoints import load_checkpoint
    from sonitus.plugins.gan.notes_train import NotesTrainConfig, make_steps, train

    config = NotesTrainConfig(steps=4, batch=8, n_critic=2, lr=1e-3, sample_every=10**6, model=SMALL)
    gen, critic, init, step = make_steps(NotesGANConfig(**SMALL), config)
    state = init(jax.random.PRNGKey(0))
    idx = np.arange(16).reshape(2, 8)
    images = tiny_notes.images[idx].astype(np.float32)
    labels = {"pitch": tiny_notes.pitch[idx], "family": tiny_notes.family[idx], "velocity": tiny_notes.velocity[idx]}
    first = None
    for i in range(12):
        state, metrics = step(state, images, labels, jax.random.PRNGKey(i))
        first = first if first is not None else (float(metrics["wasserstein"]),)
    # the critic's loss falls: it learns to tell real from generated
    assert float(metrics["wasserstein"]) > first[0] + 0.05

    full = train(str(tmp_path / "a"), config=config, data=tiny_notes, progress=False, log=lambda m: None)
    train(str(tmp_path / "b"), config=config, data=tiny_notes, progress=False, log=lambda m: None, until=2)
    resumed = train(str(tmp_path / "b"), config=config, data=tiny_notes, resume=True, progress=False,
                    log=lambda m: None)
    a, b = load_checkpoint(full), load_checkpoint(resumed)
    assert a.step == b.step == 4 and a.header["model"] == "sonitus-notes-gan"
    for x, y in zip(jax.tree_util.tree_leaves(a.state), jax.tree_util.tree_leaves(b.state)):
        np.testing.assert_array_equal(x, y)


def test_training_writes_sample_grids_and_wavs(tmp_path, tiny_notes):
    from sonitus import Audio
    from sonitus.plugins.gan.notes import FAMILIES
    from sonitus.plugins.gan.notes_train import NotesTrainConfig, train

    config = NotesTrainConfig(steps=2, batch=8, n_critic=1, lr=1e-3, sample_every=2, model=SMALL)
    train(str(tmp_path / "run"), config=config, data=tiny_notes, progress=False, log=lambda m: None)
    samples = tmp_path / "run" / "samples"
    assert (samples / "step-000002.png").stat().st_size > 1000
    audio = Audio.load(samples / "step-000002.wav")
    notes = len(FAMILIES) * 3
    assert audio.sample_rate == SPEC.sample_rate
    assert audio.samples.size == notes * (SPEC.samples + SPEC.sample_rate // 4)
    assert np.abs(audio.samples[:SPEC.samples]).max() > 0


def test_stage_checks_its_options():
    from sonitus.errors import ParameterError
    from sonitus.plugins.gan.note_generator import NotesGANGenerator

    with pytest.raises(ParameterError, match="piano, guitar"):
        NotesGANGenerator(instrument="kazoo")
    with pytest.raises(ParameterError, match="velocity"):
        NotesGANGenerator(velocity=0)
    with pytest.raises(ParameterError, match="outside the range"):
        NotesGANGenerator(pitch=20).image()


def test_shipped_model_follows_the_asked_pitch():
    """Pitch conditioning moves the f0 of the rendered note (shipped model, independent YIN)."""
    from sonitus.dsl import stage
    from sonitus.dsp.pitch import note_f0

    errors = []
    for pitch, instrument in ((48, "strings"), (60, "brass"), (67, "flute"), (55, "piano"), (64, "organ")):
        audio = (stage("notes-gan", pitch=pitch, instrument=instrument, seed=1) >> stage("griffin-lim"))()
        f0 = note_f0(audio.mono, sample_rate=audio.sample_rate)
        errors.append(12 * np.log2(f0 / (440 * 2 ** ((pitch - 69) / 12))))
    assert np.all(np.abs(errors) < 1.0), errors


def test_generate_note_cli_writes_a_wav(tmp_path):
    import soundfile as sf
    from cli_helpers import run_cli

    out = tmp_path / "n.wav"
    result = run_cli("generate", "note", "--pitch", "62", "--instrument", "flute", "--iterations", "8", "-o", str(out))
    assert result.returncode == 0, result.stderr
    audio, rate = sf.read(out)
    assert rate == 16000 and len(audio) == SPEC.samples
    assert abs(20 * np.log10(np.max(np.abs(audio))) + 1.0) < 0.1  # peak at -1 dBFS, as FluidSynth renders
    bad = run_cli("generate", "note", "--pitch", "20", "-o", str(tmp_path / "x.wav"))
    assert bad.returncode == 1 and "outside the range" in bad.stderr and "Traceback" not in bad.stderr


def test_metrics_tell_noise_from_notes(tiny_notes):
    from sonitus.plugins.gan.notes_metrics import NoteClassifier, frechet_distance, noise_images

    clf = NoteClassifier().fit(tiny_notes, steps=60, batch=16)
    assert np.mean(clf.predict(tiny_notes.images) == tiny_notes.family) > 0.9
    real = clf.features(tiny_notes.images)
    noise = clf.features(noise_images(45))
    assert frechet_distance(real[:22], real[22:]) < frechet_distance(noise, real)


def test_dsl_pipeline_from_generator_to_file(tmp_path):
    from sonitus import Audio
    from sonitus.dsl import griffin_lim, save
    from sonitus.dsl import music as m

    out = (m.generate("notes-gan", pitch=64, instrument="strings", velocity=80) >> griffin_lim(n_iter=8)
           >> save(tmp_path / "n.wav")).run()
    audio = Audio.load(out)
    assert audio.sample_rate == 16000 and abs(audio.duration - SPEC.samples / 16000) < 0.01

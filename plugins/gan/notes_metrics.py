"""Objective metrics of generated notes (log-mel images ``[n, frames, n_mels]``, see :mod:`.notes`).

- :func:`pitch_accuracy`: the image is turned into audio (mel inversion + Griffin-Lim, as
  the ``notes-gan`` stage renders it) and an independent YIN f0 estimate must lie within a
  semitone of the conditioned pitch.
- :class:`NoteClassifier`: a small CNN trained on the *real* training notes to tell the
  instrument family; its accuracy on generated notes is the instrument accuracy, and its
  penultimate layer gives the features of the Fréchet distance (:func:`frechet_distance`)
  between generated and held-out real notes.
- :func:`noise_images`: the baseline: smoothed random images over the real value range.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .notes import FAMILIES, FORMAT, SPEC, NoteSet, render_images

__all__ = ["pitch_accuracy", "NoteClassifier", "frechet_distance", "noise_images", "report"]


def pitch_accuracy(images: np.ndarray, pitches: np.ndarray, *, tolerance: float = 1.0) -> tuple[float, np.ndarray]:
    """``(share within tolerance semitones, error in semitones per note)``; NaN errors (no
    periodic frame found) count as misses."""
    from sonitus.dsp.pitch import note_f0

    audio = render_images(images)
    f0 = np.array([note_f0(a, sample_rate=SPEC.sample_rate, fmin=50.0, fmax=1500.0) for a in audio])
    target = 440.0 * 2.0 ** ((np.asarray(pitches, float) - 69) / 12)
    error = 12 * np.log2(f0 / target)
    hits = _within(error, tolerance)
    return float(np.mean(hits)) if len(hits) else float("nan"), error


def _within(error: np.ndarray, tolerance: float) -> np.ndarray:
    """Which pitch errors (semitones) are within ``tolerance``; NaN (no pitch found) is a miss."""
    return np.abs(np.nan_to_num(error, nan=99.0)) < tolerance


def noise_images(count: int, seed: int = 0) -> np.ndarray:
    """The noise baseline: random images, smoothed over a few bins, in [-1, 1]."""
    from scipy.ndimage import uniform_filter

    rng = np.random.default_rng(seed)
    x = uniform_filter(rng.standard_normal((count, SPEC.frames, SPEC.n_mels)), size=(1, 3, 3))
    return np.clip(x * 3 - 0.3, -1, 1).astype(np.float32)


class NoteClassifier:
    """A small CNN telling instrument families apart, trained on real notes (``fit``) and
    cached beside the dataset, so that every evaluation uses the same one."""

    def __init__(self, families: int = len(FAMILIES)):
        import flax.linen as nn
        import jax.numpy as jnp

        class CNN(nn.Module):
            @nn.compact
            def __call__(self, x, features: bool = False):
                h = x[..., None]
                for width in (16, 32, 64):
                    h = nn.relu(nn.Conv(width, (3, 3), strides=(2, 2), padding="SAME")(h))
                h = jnp.mean(h, axis=1).reshape(x.shape[0], -1)   # pool time, keep frequency
                h = nn.relu(nn.Dense(64)(h))
                return h if features else nn.Dense(families)(h)

        self.module = CNN()
        self.params = None

    def fit(self, data: NoteSet, *, steps: int = 400, batch: int = 64, seed: int = 0) -> NoteClassifier:
        import jax
        import optax

        key = jax.random.PRNGKey(seed)
        params = self.module.init(key, np.zeros((1, SPEC.frames, SPEC.n_mels), np.float32))
        tx = optax.adam(1e-3)
        opt = tx.init(params)

        @jax.jit
        def step(params, opt, x, y):
            def loss(p):
                return optax.softmax_cross_entropy_with_integer_labels(self.module.apply(p, x), y).mean()

            value, grads = jax.value_and_grad(loss)(params)
            updates, opt = tx.update(grads, opt, params)
            return optax.apply_updates(params, updates), opt, value

        rng = np.random.default_rng(seed)
        for _ in range(steps):
            idx = rng.integers(0, len(data), batch)
            # random gain: the classifier must not tell families apart by loudness alone
            x = np.clip(data.images[idx].astype(np.float32) + rng.uniform(-0.15, 0.15, (batch, 1, 1)), -1, 1)
            params, opt, _ = step(params, opt, x, data.family[idx])
        self.params = params
        return self

    def _apply(self, images: np.ndarray, features: bool) -> np.ndarray:
        out = [np.asarray(self.module.apply(self.params, np.asarray(images[i:i + 256], np.float32),
                                            features=features)) for i in range(0, len(images), 256)]
        return np.concatenate(out)

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Family index of each image ``[n]``."""
        return np.argmax(self._apply(images, False), axis=-1)

    def features(self, images: np.ndarray) -> np.ndarray:
        """Penultimate-layer features ``[n, 64]``."""
        return self._apply(images, True)

    def save(self, path: str | Path) -> Path:
        from sonitus.checkpoints import save_checkpoint

        return save_checkpoint(path, {"params": self.params}, model="sonitus-notes-classifier", step=0,
                               dataset_format=FORMAT)

    @classmethod
    def cached(cls, train: NoteSet, folder: str | Path) -> NoteClassifier:
        """The classifier saved in ``folder`` (trained on ``train`` and saved on first use, and
        again when the dataset's format has changed since)."""
        import jax
        from flax import serialization
        from sonitus.checkpoints import load_checkpoint

        path = Path(folder) / "classifier.ckpt"
        clf = cls()
        saved = load_checkpoint(path) if path.exists() else None
        if saved is not None and saved.header.get("dataset_format") == FORMAT:
            template = clf.module.init(jax.random.PRNGKey(0), np.zeros((1, SPEC.frames, SPEC.n_mels), np.float32))
            clf.params = serialization.from_state_dict(template, saved.state["params"])
            return clf
        clf.fit(train)
        clf.save(path)
        return clf


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to feature sets ``a`` and ``b`` ``[n, d]``."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # tr sqrt(A B) = tr sqrt(A^1/2 B A^1/2), a symmetric PSD matrix: stable even when singular
    w, v = np.linalg.eigh(cov_a)
    half = (v * np.sqrt(np.maximum(w, 0))) @ v.T
    cross = np.sum(np.sqrt(np.maximum(np.linalg.eigvalsh(half @ cov_b @ half), 0)))
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * cross)


def report(images: np.ndarray, labels: NoteSet, classifier: NoteClassifier, reference: np.ndarray) -> dict:
    """Pitch accuracy (all, and 48-72 per family), instrument accuracy and FD to ``reference``
    features for ``images`` made for ``labels`` (pitch, family of each image)."""
    accuracy, error = pitch_accuracy(images, labels.pitch)
    hits = _within(error, 1.0)
    middle = (labels.pitch >= 48) & (labels.pitch <= 72)
    per_family = {name: float(np.mean(hits[middle & (labels.family == i)]))
                  for i, name in enumerate(FAMILIES) if np.any(middle & (labels.family == i))}
    return {"pitch_accuracy": accuracy,
            "pitch_accuracy_48_72": float(np.mean(hits[middle])) if middle.any() else float("nan"),
            "pitch_accuracy_48_72_by_instrument": per_family,
            "instrument_accuracy": float(np.mean(classifier.predict(images) == labels.family)),
            "frechet_distance": frechet_distance(classifier.features(images), reference)}


def evaluate(*, model: str | None = None, seed: int = 0, root: str | None = None) -> dict:
    """Reports for the held-out real notes, the notes GAN (one note for each held-out label)
    and the noise baseline."""
    import jax

    from .note_generator import load_note_generator
    from .notes import GMNotes

    dataset = GMNotes(root)
    train, held_out = dataset.load()
    classifier = NoteClassifier.cached(train, dataset.folder)
    reference = classifier.features(held_out.images)
    config, generate, _ = load_note_generator(model)
    z = jax.random.normal(jax.random.PRNGKey(seed), (len(held_out), config.latent), "float32")
    fake = np.asarray(generate(z, held_out.pitch, held_out.family, held_out.velocity))
    # the real row's distance is to the training notes (to itself it would be 0)
    real = report(held_out.images.astype(np.float32), held_out, classifier,
                  classifier.features(train.images[np.random.default_rng(seed).permutation(len(train))[:len(held_out)]]))
    return {"held-out real": real, "notes GAN": report(fake, held_out, classifier, reference),
            "noise": report(noise_images(len(held_out), seed), held_out, classifier, reference)}

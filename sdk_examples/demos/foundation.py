"""The foundation: plugins, stages and a pipeline from the DSL."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import sonitus
from sonitus import Audio
from sonitus.dsl import load, save, stage


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    registry = sonitus.get_registry()
    plugins = registry.plugins()
    print(f"{len(plugins)} plugins loaded ({sum(1 for p in plugins if p.error)} with errors), "
          f"{len(registry.names())} stages:")
    for spec in registry.specs():
        print(f"  {spec.name:<22} {spec.kind:<18} {spec.signature:<28} {spec.plugin}")

    t = np.arange(44100 * 2) / 44100
    chord = sum(np.sin(2 * np.pi * f * t) for f in (261.63, 329.63, 392.0)) / 4
    source = Audio(np.stack([chord, 0.5 * chord]), 44100).save(out_dir / "chord-44k-stereo.wav")
    out = (load(source) >> stage("to-mono") >> stage("resample", sample_rate=16000)
           >> stage("gain", db=-3) >> save(out_dir / "chord-16k-mono.wav")).run()
    audio = Audio.load(out)
    print(f"pipeline load >> to-mono >> resample >> gain >> save wrote {out.name}: "
          f"{audio.channels} channel, {audio.sample_rate} Hz, {audio.duration:.2f} s, "
          f"peak {audio.peak_dbfs():.2f} dBFS, RMS {audio.rms_dbfs():.2f} dBFS")

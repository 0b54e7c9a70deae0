"""Each stage hook, exercised by a throwaway plugin registered for the test."""

from dataclasses import dataclass
from pathlib import Path

import click
import numpy as np
import pretty_midi
import pytest
from click.testing import CliRunner
from sonitus import Audio, Score, Spectrogram, hookimpl
from sonitus.datasets import Dataset
from sonitus.errors import ParameterError, PluginError
from sonitus.testing import make_registry, use_registry


@dataclass(frozen=True)
class Numbers:
    """A dataset that follows sonitus.datasets.Dataset: the last of ``size`` integers is held out."""

    root: str | None = None
    size: int = 3

    @property
    def folder(self) -> Path:
        return Path(self.root or ".")

    def build(self, *, progress: bool = True) -> list[int]:
        return list(range(self.size))

    def load(self, *, progress: bool = True) -> tuple[list[int], list[int]]:
        numbers = self.build(progress=progress)
        return numbers[:-1], numbers[-1:]


class Music:
    """A generator (None -> Score), a renderer (Score -> Audio) and a dataset."""

    @hookimpl
    def register_generators(self, register):
        def one_note(pitch: int = 69):
            def generate(_=None):
                midi = pretty_midi.PrettyMIDI()
                piano = pretty_midi.Instrument(0)
                piano.notes.append(pretty_midi.Note(100, pitch, 0.0, 0.5))
                midi.instruments.append(piano)
                return Score(midi)
            return generate

        register("one-note", one_note, produces=Score)

    @hookimpl
    def register_renderers(self, register):
        def beep(sample_rate: int = 8000):
            def render(score):
                t = np.arange(int(score.duration * sample_rate)) / sample_rate
                hz = pretty_midi.note_number_to_hz(score.midi.instruments[0].notes[0].pitch)
                return Audio(0.5 * np.sin(2 * np.pi * hz * t), sample_rate)
            return render

        register("beep", beep)

    @hookimpl
    def register_datasets(self, register):
        register("numbers", Numbers, description="Small integers.")
        register("a-list", lambda size=3: list(range(size)), description="Not a dataset.")

    @hookimpl
    def register_commands(self, cli):
        @cli.command()
        @click.argument("name")
        def hello(name):
            """Say hello."""
            click.echo(f"hello {name}")

        @click.command()
        def tiny():
            click.echo("tiny model trained")

        cli.commands["train"].add_command(tiny, "tiny")


def test_generator_then_renderer_pipeline():
    registry = make_registry(("music", Music()))
    spec = registry.spec("one-note")
    assert spec.kind == "generator" and spec.signature == "None -> Score"
    assert registry.spec("beep").signature == "Score | Spectrogram -> Audio"
    audio = (registry.stage("one-note", pitch=57) >> registry.stage("beep")).run()
    peak = np.argmax(np.abs(np.fft.rfft(audio.samples[0]))) * audio.sample_rate / audio.frames
    assert abs(peak - 220) < 3 and audio.duration == 0.5


def test_dataset_registration():
    registry = make_registry(("music", Music()))
    assert [s.name for s in registry.specs("dataset")] == ["a-list", "numbers"] and "numbers" not in registry.names()
    numbers = registry.dataset("numbers", size=4)
    assert isinstance(numbers, Dataset) and numbers.load() == ([0, 1, 2], [3])
    with pytest.raises(PluginError, match="dataset 'a-list' built a list, which lacks root, folder, build, load"):
        registry.dataset("a-list")
    with pytest.raises(ParameterError, match="is a renderer, not a dataset"):
        registry.dataset("beep")
    with pytest.raises(ParameterError, match="is a dataset, not a stage"):  # datasets are not stages
        registry.stage("numbers")
    with pytest.raises(ParameterError, match="did you mean 'numbers'"):
        registry.dataset("number")


def test_plugin_commands_join_the_cli():
    from sonitus.cli import SonitusGroup, cli

    registry = make_registry(("music", Music()))
    with use_registry(registry):
        fresh = SonitusGroup(name="sonitus", commands=dict(cli.commands), params=list(cli.params),
                             callback=cli.callback)
        fresh.commands["train"] = click.Group("train")
        runner = CliRunner()
        assert runner.invoke(fresh, ["hello", "world"], standalone_mode=False).output == "hello world\n"
        assert "tiny model trained" in runner.invoke(fresh, ["train", "tiny"],
                                                     standalone_mode=False).output


def test_a_plugin_command_cannot_replace_a_built_in_one():
    from sonitus.cli import SonitusGroup, cli

    class Squatter:
        @hookimpl
        def register_commands(self, cli):
            @click.command("info")
            def info():
                click.echo("squatted")

            cli.add_command(info)

    registry = make_registry(("squatter", Squatter()))
    with use_registry(registry):
        fresh = SonitusGroup(name="sonitus", commands=dict(cli.commands), params=list(cli.params),
                             callback=cli.callback)
        builtin_info = fresh.commands["info"]
        fresh.list_commands(None)  # loads the plugin commands
        assert fresh.commands["info"] is builtin_info
    record = next(r for r in registry.plugins() if r.name == "squatter")
    assert "'sonitus info' was left out" in record.warnings[0] and record.error is None


def test_what_a_plugin_prints_while_loading_stays_off_stdout(capsys):
    class Chatty:
        @hookimpl
        def register_preprocessors(self, register):
            print("chatty plugin loading")
            register("chatty", lambda: (lambda a: a))

    registry = make_registry(("chatty", Chatty()))
    assert "chatty" in registry.names()
    out, err = capsys.readouterr()
    assert out == "" and "chatty plugin loading" in err  # stdout is for JSON (stages --json)


def test_spectrogram_value_checks_bins():
    spec = Spectrogram(np.zeros((257, 10)), 16000, 512, 128)
    assert spec.frames == 10 and spec.duration == 10 * 128 / 16000


class Subtitles:
    """An io plugin: a writer that ends a recognition pipeline with SRT text."""

    @hookimpl
    def register_io(self, register):
        from sonitus import Transcript

        def srt():
            def write(transcript):
                return "".join(f"{i}\n00:00:{w.start:06.3f} --> 00:00:{w.end:06.3f}\n{w.text}\n\n".replace(".", ",")
                               for i, w in enumerate(transcript.words, 1))
            return write

        register("srt", srt, consumes=Transcript, produces=str)


def test_an_io_plugin_adds_a_writer_and_the_builtin_io_stages_are_listed():
    from sonitus import Transcript, Word

    registry = make_registry(("subtitles", Subtitles()))
    assert registry.spec("srt").kind == "io" and registry.spec("srt").signature == "Transcript -> str"
    words = (Word("hello", 0.5, 0.9, 0.9), Word("there", 1.0, 1.25, 0.8))
    assert registry.stage("srt")(Transcript("hello there", words)).startswith("1\n00:00:00,500 --> 00:00:00,900\nhello")
    builtin = make_registry(builtins=True)
    assert {"load", "save", "text"} <= {s.name for s in builtin.specs("io")}


def test_a_plugin_registers_models_and_sonitus_models_lists_where_they_are(tmp_path):
    import json

    from sonitus.cli import SonitusGroup, cli
    from sonitus.errors import DependencyError

    weights = tmp_path / "voice.ckpt"
    weights.write_bytes(b"weights")

    def missing():
        raise DependencyError("pip install voice-large-weights")

    class Models:
        @hookimpl
        def register_models(self, register):
            register("small", stage="voice", locate=lambda: weights, description="a small voice", default=True)
            register("large", stage="voice", locate=missing, description="a large voice")

    class Broken:
        @hookimpl
        def register_models(self, register):
            register("bad", stage="voice", locate="not callable")

    registry = make_registry(("models", Models()), ("broken", Broken()))
    found = [m for m in registry.models() if m.stage == "voice"]
    assert [(m.name, m.default) for m in found] == [("small", True), ("large", False)]
    assert found[0].where() == (str(weights), None) and found[1].where() == (None, "pip install voice-large-weights")
    assert "locate for model 'bad' is not callable" in next(r for r in registry.plugins() if r.name == "broken").error
    with use_registry(registry):
        fresh = SonitusGroup(name="sonitus", commands=dict(cli.commands), params=list(cli.params),
                             callback=cli.callback)
        rows = json.loads(CliRunner().invoke(fresh, ["models", "--json"], standalone_mode=False).output)
        text = CliRunner().invoke(fresh, ["models"], standalone_mode=False).output
    voice = {r["name"]: r for r in rows if r["stage"] == "voice"}
    assert voice["small"]["available"] and voice["small"]["path"] == str(weights)
    assert not voice["large"]["available"] and voice["large"]["problem"] == "pip install voice-large-weights"
    assert "voice --model small (default): a small voice" in text and "pip install voice-large-weights" in text

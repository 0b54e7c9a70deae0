import sys
from pathlib import Path

import numpy as np
import pytest
import sonitus
from sonitus import Audio, Features, Registry, hookimpl
from sonitus.errors import ParameterError, PluginError, UnknownStageError
from sonitus.registry import STAGE_HOOKS
from sonitus.testing import make_registry, sine

BROKEN = Path(__file__).resolve().parents[1] / "fixtures" / "broken_plugin"


class Doubler:
    """A throwaway plugin with one preprocessor."""

    @hookimpl
    def register_preprocessors(self, register):
        register("double", lambda: (lambda audio: audio.with_samples(audio.samples * 2)),
                 description="Twice as loud.")


class HalfBroken:
    """Registers one stage, then its hook raises."""

    @hookimpl
    def register_preprocessors(self, register):
        register("half-broken-stage", lambda: (lambda a: a))
        raise RuntimeError("boom")


class BrokenFeatures:
    @hookimpl
    def register_feature_extractors(self, register):
        raise ValueError("no features today")


def test_builtins_register_through_the_same_hooks():
    registry = Registry(entry_points=False, environ={})
    basic = next(r for r in registry.plugins() if r.name == "sonitus.plugins.basic")
    assert basic.source == "builtin" and "register_preprocessors" in basic.hooks
    assert {"to-mono", "resample", "gain"} <= set(basic.stages)
    assert registry.pm.get_plugin("sonitus.plugins.basic") is not None


def test_a_registered_plugin_provides_stages_and_defaults_types():
    registry = make_registry(("doubler", Doubler()))
    spec = registry.spec("double")
    assert spec.plugin == "doubler" and spec.kind == "preprocessor"
    assert spec.consumes is Audio and spec.produces is Audio
    assert spec.description == "Twice as loud."
    out = registry.stage("double")(sine(seconds=0.1, amplitude=0.25))
    assert np.max(out.samples) == pytest.approx(0.5, abs=1e-3)


def test_a_raising_hook_is_isolated_and_named_when_its_stage_is_asked_for():
    registry = make_registry(("doubler", Doubler()), ("half", HalfBroken()), ("nofeat", BrokenFeatures()))
    assert "double" in registry
    assert {r.name for r in registry.broken_plugins()} == {"half", "nofeat"}
    with pytest.raises(PluginError, match="plugin 'half' failed") as info:
        registry.stage("half-broken-stage")
    assert info.value.plugin == "half"


def test_an_unknown_name_lists_close_matches():
    registry = make_registry(builtins=True)
    with pytest.raises(UnknownStageError, match="Did you mean 'to-mono'") as info:
        registry.stage("to-mnoo")
    assert "to-mono" in info.value.suggestions
    with pytest.raises(UnknownStageError, match="sonitus stages"):
        registry.stage("completely-different")


def test_an_unknown_name_with_a_broken_plugin_blames_it():
    registry = make_registry(("nofeat", BrokenFeatures()))
    with pytest.raises(PluginError, match="'nofeat' failed to load"):
        registry.stage("spectral-whatever")


def test_underscores_and_dashes_are_the_same_name():
    registry = make_registry(builtins=True)
    assert registry.spec("to_mono").name == "to-mono"


def test_options_are_checked_before_building():
    registry = make_registry(builtins=True)
    with pytest.raises(ParameterError, match="no option 'rate'; it takes: sample_rate, quality"):
        registry.stage("resample", rate=8000)
    with pytest.raises(ParameterError, match="positive"):
        registry.stage("resample", sample_rate=-1)


def test_duplicate_stage_names_keep_the_first_and_report_the_second():
    class Again:
        @hookimpl
        def register_preprocessors(self, register):
            register("to-mono", lambda: (lambda a: a))
            register("my-own", lambda: (lambda a: a))

    registry = make_registry(("again", Again()), builtins=True)
    assert registry.spec("to-mono").plugin == "sonitus.plugins.basic"
    record = next(r for r in registry.plugins() if r.name == "again")
    assert record.error is None and record.stages == ["my-own"]  # the plugin's other stage still works
    assert "already provides it" in record.warnings[0] and registry.spec("my-own").plugin == "again"


def test_a_factory_that_raises_is_a_plugin_error():
    class Bad:
        @hookimpl
        def register_preprocessors(self, register):
            def factory():
                raise KeyError("missing")
            register("bad", factory)

    with pytest.raises(PluginError, match="plugin 'bad' failed to build stage 'bad'"):
        make_registry(("bad", Bad())).stage("bad")


def test_entry_point_plugin_is_discovered(example_plugin_installed):
    registry = Registry(environ={})
    record = next(r for r in registry.plugins() if r.name == "example")
    assert record.source == "entrypoint" and record.version == "0.1.0"
    assert registry.spec("example-zcr").produces is Features


def test_disable_env_var_skips_plugins(example_plugin_installed):
    registry = Registry(environ={"SONITUS_DISABLE_PLUGINS": "example,basic"})
    names = {r.name for r in registry.plugins()}
    assert "example" not in names and "sonitus.plugins.basic" not in names
    assert "example-zcr" not in registry and "to-mono" not in registry


def test_load_env_var_empty_means_builtins_only(example_plugin_installed):
    registry = Registry(environ={"SONITUS_LOAD_PLUGINS": ""})
    assert "to-mono" in registry and "example-zcr" not in registry
    registry = Registry(environ={"SONITUS_LOAD_PLUGINS": "example"})
    assert "example-zcr" in registry


def test_a_plugin_that_fails_to_import_is_isolated(monkeypatch, example_plugin_installed):
    monkeypatch.syspath_prepend(str(BROKEN))
    registry = Registry(environ={})
    broken = next(r for r in registry.plugins() if r.name == "broken")
    assert "broken on purpose" in broken.error and broken.source == "entrypoint"
    assert "example-zcr" in registry and "to-mono" in registry
    with pytest.raises(PluginError, match="'broken' failed to load"):
        registry.stage("a-stage-only-broken-would-have")
    monkeypatch.delitem(sys.modules, "sonitus_broken_plugin", raising=False)


def test_trace_prints_registrations(capsys):
    Registry(entry_points=False, environ={"SONITUS_TRACE": "1"})
    assert "sonitus.plugins.basic.register_preprocessors registered to-mono" in capsys.readouterr().err


def test_every_hookspec_has_a_kind_or_is_commands_or_models():
    from sonitus import hookspecs

    specs = {n for n in dir(hookspecs) if n.startswith("register_")}
    assert specs == {k.hook for k in STAGE_HOOKS} | {"register_commands", "register_models"}


def test_default_registry_is_shared_and_resettable():
    first = sonitus.get_registry()
    assert sonitus.get_registry() is first
    sonitus.reset_registry()
    assert sonitus.get_registry() is not first


class NeedsMfcc:
    """Builds the dsp plugin's mfcc stage by name, and says so."""

    REQUIRES = ("mfcc",)

    @hookimpl
    def register_recognizers(self, register):
        register("mfcc-words", lambda: (lambda audio: audio))


class NeedsNeedsMfcc:
    REQUIRES = ("mfcc-words",)

    @hookimpl
    def register_preprocessors(self, register):
        register("on-top", lambda: (lambda audio: audio))


def test_a_plugin_whose_required_stage_is_disabled_says_so_at_once():
    plugins = [("needs-mfcc", NeedsMfcc()), ("needs-needs", NeedsNeedsMfcc())]
    fine = Registry(plugins, entry_points=False, environ={})
    assert fine.stage("mfcc-words") and fine.stage("on-top")
    assert [r.requires for r in fine.plugins() if r.name == "needs-mfcc"] == [["mfcc"]]
    without = Registry(plugins, entry_points=False, environ={"SONITUS_DISABLE_PLUGINS": "dsp"})
    with pytest.raises(PluginError, match="needs the stage.*'mfcc'.*SONITUS_DISABLE_PLUGINS is 'dsp'"):
        without.stage("mfcc-words")
    with pytest.raises(PluginError, match="'mfcc-words'"):  # and what builds on it, in turn
        without.stage("on-top")
    assert {r.name for r in without.broken_plugins()} >= {"needs-mfcc", "needs-needs", "sonitus.plugins.hmm"}


class Louder(sonitus.StageBase):
    """Audio -> Audio, ``db`` decibels louder."""

    name = "louder"
    consumes = Audio
    produces = Audio

    def __init__(self, db: float = 6.0):
        self.factor = 10 ** (db / 20)

    def __call__(self, audio):
        return audio.with_samples(audio.samples * self.factor)


class ZeroCrossings(sonitus.StageBase):
    name = "zero-crossings"
    consumes = Audio
    produces = Features

    def __call__(self, audio):
        return Features(np.zeros((1, 1), np.float32), frame_rate=1.0, kind="zcr")


def test_a_stage_class_states_its_name_types_and_options_once():
    class ByClass:
        @hookimpl
        def register_preprocessors(self, register):
            register(Louder)

    registry = make_registry(("by-class", ByClass()))
    spec = registry.spec("louder")
    assert (spec.consumes, spec.produces, spec.stage_class) == (Audio, Audio, Louder)
    assert spec.options() == {"db": 6.0} and spec.description == "Audio -> Audio, db decibels louder."
    out = registry.stage("louder", db=20.0)(sine(seconds=0.1, amplitude=0.01))
    assert np.max(out.samples) == pytest.approx(0.1, rel=1e-2)


@pytest.mark.parametrize("call, why", [
    (lambda register: register(Louder, consumes=Audio), "states its own types"),
    (lambda register: register("quieter", Louder), "named 'louder' but registered as 'quieter'"),
    (lambda register: register(dict), "must be a sonitus StageBase"),
])
def test_types_stated_twice_or_a_misnamed_class_break_the_plugin_with_a_sentence(call, why):
    class Twice:
        @hookimpl
        def register_preprocessors(self, register):
            call(register)

    registry = make_registry(("twice", Twice()))
    (record,) = registry.broken_plugins()
    assert why in record.error


def test_a_stage_that_is_not_of_its_hooks_kind_is_left_out_with_a_warning():
    class Misfiled:
        @hookimpl
        def register_preprocessors(self, register):
            register(ZeroCrossings)  # a feature extractor, filed as a preprocessor
            register("fine", lambda: (lambda audio: audio))

    registry = make_registry(("misfiled", Misfiled()))
    (record,) = registry.plugins()
    assert record.error is None and record.stages == ["fine"]
    assert "'zero-crossings' was left out: it produces Features" in record.warnings[0]
    assert "zero-crossings" not in registry


def test_a_factory_may_narrow_its_registration_but_not_widen_it():
    class Wide:
        @hookimpl
        def register_preprocessors(self, register):
            register("wide", lambda: ZeroCrossings())  # registered Audio -> Audio, builds Audio -> Features

    registry = make_registry(("wide", Wide()))
    with pytest.raises(PluginError, match="registered as Audio -> Audio.*produces Features"):
        registry.stage("wide")
    load = make_registry(builtins=True).stage("load", path="x.wav")  # a path given: it takes no input
    assert load.consumes is None


def test_a_stage_class_that_states_no_types_takes_its_hooks():
    class Quiet(sonitus.StageBase):
        name = "quiet"

        def __call__(self, audio):
            return audio.with_samples(audio.samples * 0.5)

    class Plugin:
        @hookimpl
        def register_preprocessors(self, register):
            register(Quiet)

    registry = make_registry(("quiet", Plugin()))
    assert registry.spec("quiet").signature == "Audio -> Audio"
    assert registry.stage("quiet").consumes is Audio


def test_every_builtin_stage_fits_its_kind_and_states_its_types_once():
    registry = Registry(entry_points=False, environ={})
    assert not [w for r in registry.plugins() for w in r.warnings]
    for spec in registry.specs():
        if spec.stage_class is not None:
            assert (spec.consumes, spec.produces) == (spec.stage_class.consumes, spec.stage_class.produces)


def test_every_builtin_dataset_follows_the_one_protocol(tmp_path):
    from sonitus.datasets import Dataset
    from sonitus.errors import DatasetError

    registry = Registry(entry_points=False, environ={})
    for spec in registry.specs("dataset"):
        dataset = registry.dataset(spec.name, root=str(tmp_path / spec.name))
        assert isinstance(dataset, Dataset) and dataset.folder == tmp_path / spec.name
    with pytest.raises(DatasetError, match="sonitus generate tts-speech"):  # hours of synthesis: never unasked
        registry.dataset("tts-speech", root=str(tmp_path)).load()

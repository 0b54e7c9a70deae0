import numpy as np
import pytest
from sonitus import Audio, Pipeline, Transcript, hookimpl
from sonitus.errors import PipelineError, StageTypeMismatchError
from sonitus.stages import FunctionStage
from sonitus.testing import make_registry, sine, use_registry


class Counting:
    """A plugin whose stage counts how often it is called one by one and in batches."""

    calls = {"single": 0, "batch": 0}

    @hookimpl
    def register_recognizers(self, register):
        def factory():
            def recognise(audio):
                Counting.calls["single"] += 1
                return Transcript(f"{audio.frames} frames")

            def batch(audios):
                Counting.calls["batch"] += 1
                return [Transcript(f"{a.frames} frames") for a in audios]

            return FunctionStage("count", recognise, consumes=Audio, produces=Transcript, batch=batch)

        register("count", factory)


@pytest.fixture
def registry():
    return make_registry(("counting", Counting()), builtins=True)


def test_composition_runs_left_to_right(registry):
    pipeline = registry.stage("to-mono") >> registry.stage("gain", db=-6.0206)
    assert isinstance(pipeline, Pipeline) and len(pipeline) == 2
    out = pipeline.run(sine(amplitude=1.0, channels=2, seconds=0.1))
    assert out.channels == 1 and np.max(out.samples) == pytest.approx(0.5, abs=1e-3)


def test_type_mismatch_names_both_stages_and_types(registry):
    with pytest.raises(StageTypeMismatchError) as info:
        registry.stage("count") >> registry.stage("gain")
    assert str(info.value) == ("Cannot connect 'count' to 'gain': 'count' produces Transcript "
                               "but 'gain' consumes Audio.")


def test_a_value_starts_a_pipeline(registry):
    audio = sine(seconds=0.5)
    result = (audio >> registry.stage("count")).run()
    assert result.text == "8000 frames"


def test_pipelines_compose_with_pipelines(registry):
    front = registry.stage("to-mono") >> registry.stage("resample", sample_rate=8000)
    whole = front >> (registry.stage("gain") >> registry.stage("count"))
    assert [s.name for s in whole.stages] == ["to-mono", "resample", "gain", "count"]
    assert whole.run(sine(seconds=1.0)).text == "8000 frames"


def test_map_batches_through_stage_map(registry):
    Counting.calls.update(single=0, batch=0)
    pipeline = registry.stage("to-mono") >> registry.stage("count")
    clips = [sine(seconds=s / 10) for s in range(1, 8)]
    out = pipeline.map(clips, batch_size=3)
    assert [t.text for t in out] == [f"{1600 * s} frames" for s in range(1, 8)]
    assert Counting.calls == {"single": 0, "batch": 3}


def test_map_rejects_a_bad_batch_size(registry):
    with pytest.raises(PipelineError, match="batch_size"):
        Pipeline.of(registry.stage("to-mono")).map([sine()], batch_size=0)


def test_a_failing_stage_is_named(registry):
    boom = FunctionStage("boom", lambda a: 1 / 0, consumes=Audio, produces=Audio)
    with pytest.raises(PipelineError, match="Stage 'boom' failed: ZeroDivisionError"):
        (registry.stage("to-mono") >> boom).run(sine())


def test_protocol_objects_join_pipelines(registry):
    class Plain:
        name, consumes, produces = "plain", Audio, Audio

        def __call__(self, audio):
            return audio.with_samples(-audio.samples)

    out = (registry.stage("to-mono") >> Plain()).run(sine(seconds=0.01))
    assert out.samples[0, 1] < 0


def test_dsl_uses_the_default_registry(registry):
    from sonitus import dsl

    with use_registry(registry):
        assert "count" in dsl.stages()
        assert dsl.count().run(sine(seconds=0.25)).text == "4000 frames"


def test_neighbours_that_fuse_run_as_one_stage():
    from sonitus.pipeline import Pipeline
    from sonitus.stages import StageBase

    calls = []

    class Scale(StageBase):
        consumes = produces = float

        def __init__(self, k):
            self.k, self.name = k, f"x{k}"

        def __call__(self, value):
            calls.append(self.name)
            return value * self.k

        def fuse(self, after):
            return Scale(self.k * after.k) if isinstance(after, Scale) else None

    class Negate(StageBase):
        name, consumes, produces = "neg", float, float

        def __call__(self, value):
            calls.append(self.name)
            return -value

    pipeline = Scale(2) >> Scale(3) >> Negate() >> Scale(5)
    assert [s.name for s in pipeline.stages] == ["x2", "x3", "neg", "x5"]
    assert [s.name for s in pipeline.plan] == ["x6", "neg", "x5"]
    assert pipeline(1.0) == -30.0 and calls == ["x6", "neg", "x5"]
    assert pipeline.map([1.0, 2.0]) == [-30.0, -60.0]
    calls.clear()
    assert Pipeline(list(pipeline.stages), fuse=False)(1.0) == -30.0 and calls == ["x2", "x3", "neg", "x5"]


def test_as_stage_is_the_one_adapter_for_factories_and_pipelines():
    from sonitus import Source, StageBase, as_stage

    class Halve(StageBase):
        def __call__(self, audio):
            return audio.gain(-6)

    bare = Halve()
    named = as_stage(bare, name="halve", consumes=Audio, produces=Audio)
    assert named is bare and (named.name, named.consumes, named.produces) == ("halve", Audio, Audio)

    def shout(transcript):
        return Transcript(transcript.text.upper())

    function = as_stage(shout, name="shout", consumes=Transcript, produces=Transcript, options={"loud": True})
    assert isinstance(function, FunctionStage) and function.name == "shout"
    assert function(Transcript("hi")).text == "HI" and function.options == {"loud": True}

    class Protocol:
        name, consumes, produces = "proto", Transcript, Transcript

        def __call__(self, transcript):
            return Transcript(transcript.text + "!")

    wrapped = as_stage(Protocol())
    assert isinstance(wrapped, StageBase) and wrapped.name == "proto"
    assert wrapped.map([Transcript("a"), Transcript("b")])[1].text == "b!"

    source = as_stage(Transcript("fixed"))
    assert isinstance(source, Source) and source().text == "fixed"
    # a pipeline adapts its members with the same function
    assert (Transcript("x") >> wrapped)().text == "x!"


def test_a_stage_that_calls_exit_is_an_error_not_a_quiet_end():
    def leave(value):
        raise SystemExit(0)

    quitter = FunctionStage("quitter", leave)
    with pytest.raises(PipelineError, match=r"'quitter' called sys.exit\(0\)"):
        Pipeline([quitter]).run(1)
    with pytest.raises(PipelineError, match="called sys.exit"):
        Pipeline([quitter]).map([1, 2])
    stop = SystemExit(143)
    stop.signal = 15  # what the sonitus command raises on SIGTERM: it must still end the run

    def terminated(value):
        raise stop

    with pytest.raises(SystemExit):
        Pipeline([FunctionStage("t", terminated)]).run(1)

from dataclasses import dataclass

import numpy as np
import pytest
from sonitus.checkpoints import save_checkpoint
from sonitus.errors import CheckpointError
from sonitus.rounds import init_checkpoint, progress_of, resume_checkpoint, rounds_after
from sonitus.training import ConfigDict


@dataclass(frozen=True)
class TinyConfig(ConfigDict):
    width: int = 4


def _model(path, *, model="toy", width=4, **header):
    return save_checkpoint(path, {"params": {"w": np.ones(width, np.float32)}}, model=model,
                           config=TinyConfig(width).to_dict(), **header)


def test_resume_needs_the_runs_own_training_checkpoint(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist; start without --resume"):
        resume_checkpoint(tmp_path / "last.ckpt", model="toy")
    _model(tmp_path / "last.ckpt", model="toy-train", step=7, history=[{"step": 5}], train_seconds=12.5,
           rounds=[{"steps": 100}])
    header = {}
    assert progress_of(resume_checkpoint(tmp_path / "last.ckpt", model="toy", header=header)) == (7, [{"step": 5}], 12.5)
    assert header["rounds"] == [{"steps": 100}]  # the earlier rounds go on into the resumed run's header
    with pytest.raises(CheckpointError):
        resume_checkpoint(tmp_path / "last.ckpt", model="other")


def test_init_checks_the_model_and_its_config_and_records_the_round(tmp_path):
    shipped = _model(tmp_path / "model.ckpt", step=300, train_seconds=60.0, rounds=[{"steps": 100}])
    ckpt = init_checkpoint(shipped, model="toy", config_cls=TinyConfig, config=TinyConfig(4))
    assert rounds_after(ckpt, note="x") == [{"steps": 100}, {"steps": 300, "train_seconds": 60.0, "note": "x"}]
    with pytest.raises(CheckpointError, match="holds a 'toy' model, not other"):
        init_checkpoint(shipped, model="other", config_cls=TinyConfig, config=TinyConfig(4))
    with pytest.raises(CheckpointError, match="set 'model' in --config to match"):
        init_checkpoint(shipped, model="toy", config_cls=TinyConfig, config=TinyConfig(8))

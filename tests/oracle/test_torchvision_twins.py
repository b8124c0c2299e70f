"""The torchvision twins against tests/oracle/fixtures/torchvision.json, written from real torchvision.

CI has torch (2.13) but not torchvision, so this is where the oracle for issue 9's presets proves
itself: each twin, run with the torch at hand, must give the fixture's counts, rows, MACs and
logits (fast, on meta tensors and a 96×96 input) and its receptive fields (slow: float64 gradients
on inputs up to a few thousand pixels long).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from tests.oracle.generate_torchvision_fixtures import (  # noqa: E402
    FIXTURE,
    TORCHVISION_VERSION,
    fingerprint,
    fingerprints_agree,
    gradient_probe,
    measure_fields,
    narrowest_input,
    param_counts,
    receptive_fields,
    summary,
)
from tests.oracle.torchvision_twins import PUBLISHED_PARAMS, TWINS, Twin  # noqa: E402

pytestmark = pytest.mark.oracle
PRESETS = sorted(TWINS)


@cache
def fixture() -> dict:
    return json.loads(Path(FIXTURE).read_text(encoding="utf-8"))


def recorded(preset: str) -> dict:
    return fixture()["models"][preset]


# -- the fixture itself ---------------------------------------------------------------------------


def test_fixture_was_written_from_real_torchvision() -> None:
    data = fixture()
    assert data["source"].startswith(f"torchvision {TORCHVISION_VERSION}"), data["source"]
    assert sorted(data["models"]) == PRESETS


@pytest.mark.parametrize("preset", PRESETS)
def test_fixture_totals_are_the_published_ones(preset: str) -> None:
    entry = recorded(preset)
    assert entry["params"] == entry["trainable"] == entry["published_params"] == PUBLISHED_PARAMS[preset]
    assert round(entry["macs"] / 1e9, 3) == entry["published_gmacs"]
    assert entry["output"] == [1000]


@pytest.mark.parametrize("preset", PRESETS)
def test_fixture_rows_add_up(preset: str) -> None:
    """Leaf rows hold every parameter once; a top-level row holds its children's totals."""
    entry = recorded(preset)
    leaves = [r for r in entry["rows"] if r["leaf"]]
    # a leaf called twice (ResNet's shared ReLU) has no parameters, so summing calls counts once
    assert sum(r["params"] for r in leaves) == entry["params"]
    assert sum(r["macs"] for r in leaves) == entry["macs"]
    top = [r for r in entry["rows"] if "." not in r["path"]]
    assert sum(r["params"] for r in top) == entry["params"]


# -- the twins, fast ------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", PRESETS)
def test_twin_counts_match_torchvision(preset: str) -> None:
    entry = recorded(preset)
    counts = param_counts(TWINS[preset].build("meta"))
    assert counts == {key: entry[key] for key in counts}


@pytest.mark.parametrize("preset", PRESETS)
def test_twin_rows_output_and_macs_match_torchvision(preset: str) -> None:
    twin = TWINS[preset]
    entry = recorded(preset)
    ours = summary(twin.build("meta"), twin)
    assert ours["output"] == entry["output"]
    assert (ours["macs"], ours["torchinfo_macs"]) == (entry["macs"], entry["torchinfo_macs"])
    assert len(ours["rows"]) == len(entry["rows"])
    for ours_row, row in zip(ours["rows"], entry["rows"], strict=True):
        assert ours_row == row


@pytest.mark.parametrize("preset", PRESETS)
def test_twin_computes_torchvisions_logits(preset: str) -> None:
    ours = fingerprint(TWINS[preset].build("meta"))
    assert fingerprints_agree(recorded(preset)["fingerprint"], ours), ours


@pytest.mark.parametrize("preset", PRESETS)
def test_narrowest_probe_input_is_the_recorded_one(preset: str) -> None:
    twin = TWINS[preset]
    assert narrowest_input(twin.build("meta"), twin) == recorded(preset)["receptive_fields"]["narrow"]


# -- the measurement, on networks small enough to work out by hand ---------------------------------


class _Chain(nn.Module):
    """conv 3×3 p1 · ReLU6 · maxpool 3/2 p1 · BN · conv 3×3/2 (no padding)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.act = nn.ReLU6()
        self.pool = nn.MaxPool2d(3, 2, 1)
        self.bn = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 2, 3, 2)

    def forward(self, x):
        return self.conv2(self.bn(self.pool(self.act(self.conv1(x)))))


def _chain_twin() -> Twin:
    return Twin("chain", "none", {}, (3, 32, 32), _Chain, ("conv1", "pool", "conv2"))


def test_fields_of_a_chain_are_the_textbook_ones() -> None:
    # rf: 3, then 3 + (3 − 1)·1 = 5 at jump 2, then 5 + (3 − 1)·2 = 9 at jump 4;
    # first: −1 (padding 1), then −1 − 1·1 = −2, then −2 + 0·2 = −2
    twin = _chain_twin()
    fields = receptive_fields(twin.build("meta"), twin, narrow=8)
    assert fields["points"] == [
        {"path": "conv1", "rf": [3, 3], "jump": [1, 1], "first": [-1, -1]},
        {"path": "pool", "rf": [5, 5], "jump": [2, 2], "first": [-2, -2]},
        {"path": "conv2", "rf": [9, 9], "jump": [4, 4], "first": [-2, -2]},
    ]


def test_a_short_input_is_refused_rather_than_measured_clipped() -> None:
    twin = _chain_twin()
    model = gradient_probe(twin.build("meta"))
    assert measure_fields(model, twin.probes, (16, 16)) is None  # within a jump of the border
    assert measure_fields(model, twin.probes, (64, 64)) is not None


# -- the twins, slow ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("preset", PRESETS)
def test_twin_receptive_fields_match_torchvision(preset: str) -> None:
    twin = TWINS[preset]
    fields = recorded(preset)["receptive_fields"]
    ours = receptive_fields(twin.build("meta"), twin, fields["narrow"], fields["long"])
    assert ours["points"] == fields["points"]

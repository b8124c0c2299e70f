"""The trainer's pictures: `train --plot` (curves and the confusion matrix) and `show --out`
(filters and feature maps as images) — parsed as SVG and checked against the run's own numbers."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnncalc.render.training_pictures import step_means

SMALL = "conv 4 k=3 | relu | maxpool k=2 | flatten | fc 10"
NS = "{http://www.w3.org/2000/svg}"


def _svg(path) -> ET.Element:
    root = ET.fromstring(path.read_text(encoding="utf-8"))
    assert root.tag == NS + "svg"
    document = path.read_text(encoding="utf-8")
    outside = re.findall(r"""(?:href|src)\s*=\s*["'](?!#)|url\(\s*["']?(?!#)""", document)
    assert outside == [], "the picture refers outside itself"
    return root


def _cells(group: ET.Element) -> list[float]:
    """The values a heatmap's cells hold (each cell's <title>)."""
    return [
        float(r.find(NS + "title").text) for r in group.iter(NS + "rect") if r.find(NS + "title") is not None
    ]


def test_plot_draws_every_step_every_epoch_and_the_whole_test_set(cli, tmp_path):
    out = tmp_path / "run.svg"
    result = cli("train", SMALL, "--epochs", "2", "--seed", "3", "--plot", out, "--json")
    assert result.exit_code == 0, result.output
    run = json.loads(result.stdout)  # the receipt goes to stderr: stdout stays one JSON object
    assert f"wrote {out}" in result.stderr
    root = _svg(out)
    series = {
        p.get("data-name"): p.get("points").split() for p in root.iter(NS + "polyline") if p.get("data-name")
    }
    assert len(series["loss per step"]) == run["steps"]
    assert len(series["train accuracy"]) == len(series["test accuracy"]) == run["epochs"] == 2
    confusion = next(g for g in root.iter(NS + "g") if g.get("class") == "confusion")
    counts = _cells(confusion)
    assert len(counts) == 10 * 10
    assert sum(counts) == 359  # every test image of the built-in digits, once
    diagonal = sum(counts[i * 10 + i] for i in range(10))
    assert diagonal / 359 == pytest.approx(run["test_accuracy"])


def test_plot_html_is_one_offline_page(cli, tmp_path):
    out = tmp_path / "run.html"
    result = cli("train", SMALL, "--steps", "3", "--plot", out)
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert (
        "Content-Security-Policy" in page
        and "<svg" in page
        and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    )


@pytest.mark.parametrize("name", ["run.png", "run"])
def test_plot_path_is_checked_before_training(cli, tmp_path, name):
    result = cli("train", SMALL, "--steps", "3", "--plot", tmp_path / name)
    assert result.exit_code == 2
    assert "--plot" in result.stderr and ".svg, .html" in result.stderr
    assert "Training" not in result.stdout


def test_plot_into_a_missing_folder_is_refused_before_training(cli, tmp_path):
    result = cli("train", SMALL, "--steps", "3", "--plot", tmp_path / "no" / "run.svg")
    assert result.exit_code == 2 and "does not exist" in result.stderr
    assert "Training" not in result.stdout


def test_show_filters_out_draws_the_json_kernels(cli, cli_json, model_file, tmp_path):
    out = tmp_path / "filters.svg"
    result = cli("show", "filters", "--model", model_file, "--out", out)
    assert result.exit_code == 0, result.output
    kernels = cli_json("show", "filters", "--model", model_file)["filters"][0]["kernels"]
    images = [g for g in _svg(out).iter(NS + "g") if g.get("class") == "image"]
    assert len(images) == len(kernels) == 4
    for image, kernel in zip(images, kernels, strict=True):
        assert _cells(image) == pytest.approx([v for row in kernel for v in row], rel=1e-3, abs=1e-6)


def test_show_maps_out_draws_the_input_and_each_map(cli, cli_json, model_file, tmp_path):
    out = tmp_path / "maps.svg"
    result = cli("show", "maps", "--model", model_file, "--index", "3", "--out", out)
    assert result.exit_code == 0, result.output
    shown = cli_json("show", "maps", "--model", model_file, "--index", "3")
    images = [g for g in _svg(out).iter(NS + "g") if g.get("class") == "image"]
    maps = shown["maps"][0]["maps"]
    assert len(images) == 1 + len(maps)  # the input image, then each map
    assert _cells(images[0]) == pytest.approx(
        [v for row in shown["input"][0] for v in row], rel=1e-3, abs=1e-6
    )
    assert _cells(images[1]) == pytest.approx([v for row in maps[0] for v in row], rel=1e-3, abs=1e-6)


def test_show_out_bad_suffix_is_a_usage_error(cli, model_file, tmp_path):
    result = cli("show", "filters", "--model", model_file, "--out", tmp_path / "f.gif")
    assert result.exit_code == 2 and "--out" in result.stderr


@given(st.lists(st.floats(0, 10), min_size=1, max_size=50), st.integers(1, 20))
def test_step_means_keep_the_mean_and_cover_every_step(losses, limit):
    xs, ys, k = step_means(losses, limit)
    assert len(ys) <= limit and xs[-1] == len(losses)
    assert sum(y * (min(k, len(losses) - i * k)) for i, y in enumerate(ys)) == pytest.approx(sum(losses))


def test_pictures_of_large_images_fit_the_terminal(runner, cli_json, make_idx, tmp_path):
    from rich.cells import cell_len

    from cnncalc.cli.app import app

    model = tmp_path / "big.npz"
    data = make_idx("idx100", size=100)
    cli_json(
        "train", "conv 4 k=3 s=4 | relu | flatten | fc 10", "--data", data, "--steps", "1", "--save", model
    )
    env = {"NO_COLOR": "1", "COLUMNS": "80", "CNNCALC_LANG": "en"}
    for args in (["predict", "--model", model], ["show", "maps", "--model", model]):
        result = runner.invoke(app, [str(a) for a in args], env=env)
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert max(cell_len(line) for line in lines) <= 80, args
        said = " ".join(result.stdout.split())
        assert (
            "drawn at 1/3 of its size to fit 80 columns: each point is the mean of a 3×3 block of pixels"
            in said
        )
        assert len(lines) < 160, args  # 34 rows for the image, not 100 rows wrapped into 300 lines

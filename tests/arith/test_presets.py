"""Presets: every one parses, walks, and is listed with a description."""

import pytest

from cnncalc.arith.errors import UsageError
from cnncalc.arith.network import walk
from cnncalc.arith.presets import find_preset, get_preset, list_presets, preset_names, preset_text
from cnncalc.arith.spec import parse_spec


@pytest.mark.parametrize("name", preset_names(), ids=str)
def test_every_preset_walks_to_a_flat_output(name):
    net = walk(get_preset(name))
    assert net.input_shape is not None
    assert len(net.output_shape) == 1
    assert net.total_params > 0


def test_seed_001_is_note_001s_network():
    net = walk(get_preset("seed-001"))
    assert [lr.output_shape for lr in net.layers] == [
        (8, 92, 92),
        (8, 23, 23),
        (24, 18, 18),
        (24, 4, 4),
        (384,),
        (100,),
    ]
    assert net.total_params == 45_844


def test_alexnet_keeps_torchvisions_adaptive_pool():
    spec = get_preset("alexnet")
    assert "adaptiveavgpool 6" in spec.to_text()
    # on a larger input the adaptive pool still hands 256×6×6 to the classifier
    net = walk(spec, (3, 320, 320))
    assert net.layers[[lr.layer.kind for lr in net.layers].index("flatten")].output_shape == (9216,)
    assert net.total_params == 61_100_840


def test_listing_has_descriptions_and_texts():
    presets = list_presets()
    assert [p.name for p in presets] == list(preset_names())
    assert all(p.description and p.text for p in presets)


@pytest.mark.parametrize(
    ("typed", "hint"), [("vgg16", "vgg-16"), ("alexnett", "alexnet")], ids=["vgg16", "alexnett"]
)
def test_unknown_preset_suggests_the_closest(typed, hint):
    with pytest.raises(UsageError, match=f"did you mean '{hint}'"):
        preset_text(typed)


def test_names_are_case_and_underscore_tolerant():
    assert preset_text("Keras_MNIST") == preset_text("keras-mnist")


def test_preset_names_are_found_in_any_case_and_with_underscores():
    assert find_preset(" Keras_MNIST ").name == "keras-mnist"
    with pytest.raises(UsageError, match="did you mean 'lenet-5'"):
        find_preset("lenet5")


def test_the_trainers_default_networks_are_presets():
    # the digits network: 32·9 + 32 + 32·32·9 + 32 + 32·4·4·64 + 64 + 64·10 + 10 = 43,050
    assert walk(get_preset("digits")).total_params == 43_050
    assert preset_text("digits").startswith("input 1x8x8\nconv 32 k=3 p=1")


@pytest.mark.parametrize("name", preset_names(), ids=str)
def test_every_preset_reads_back_from_its_own_text(name):
    """`to_text` (the JSON `spec`) keeps blocks as blocks and parses back to the same network."""
    spec = get_preset(name)
    for sep in ("\n", " | "):
        again = parse_spec(spec.to_text(sep))
        assert again.input_shape == spec.input_shape
        assert [(n.id, n.kind, n.inputs, n.describe()) for n in again.graph.nodes] == [
            (n.id, n.kind, n.inputs, n.describe()) for n in spec.graph.nodes
        ]

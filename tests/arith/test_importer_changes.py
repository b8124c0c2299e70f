"""Model code that changes a model after building it: followed as PyTorch and Keras follow it
where that is simple and certain (item assignment, del, pop, insert, append, extend, +=, in the
order written), refused with the line and the reason otherwise — never read as it was before.

The expected numbers are worked out in the comments; `tests/oracle/test_importer_oracle.py`
runs the same sources in PyTorch."""

from __future__ import annotations

import re

import pytest

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.importer import import_source
from cnncalc.arith.network import walk

# Conv2d(3, 8, 3): 3·8·9 + 8 = 224 parameters, 32×32 → 8×30×30 = 7,200 values
HEAD = (
    "import torch\nimport torch.nn as nn\nfrom collections import OrderedDict\n"
    "model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 30 * 30, 10))\n"
)

# name → (the lines after HEAD, the layers read, the parameters)
FOLLOWED = {
    "setitem": ("model[3] = nn.Linear(8 * 30 * 30, 2)\n", "conv 8 k=3 | relu | flatten | fc 2", 224 + 14_402),
    "setitem-negative": (
        "model[-1] = nn.Linear(7200, 3)\n",
        "conv 8 k=3 | relu | flatten | fc 3",
        224 + 21_603,
    ),
    "pop": ("model.pop(1)\n", "conv 8 k=3 | flatten | fc 10", 224 + 72_010),
    "del": ("del model[1]\n", "conv 8 k=3 | flatten | fc 10", 224 + 72_010),
    "del-slice": (
        "del model[2:]\nmodel.append(nn.AdaptiveAvgPool2d(1))\nmodel.append(nn.Flatten())\n",
        "conv 8 k=3 | relu | gap | flatten",
        224,
    ),
    # insert renumbers: the ReLU at 1 moves to 2, after the batch norm's 2·8 parameters
    "insert": (
        "model.insert(1, nn.BatchNorm2d(8))\n",
        "conv 8 k=3 | bn | relu | flatten | fc 10",
        224 + 16 + 72_010,
    ),
    "insert-negative": (
        "model.insert(-1, nn.Dropout(0.25))\n",
        "conv 8 k=3 | relu | flatten | dropout 0.25 | fc 10",
        224 + 72_010,
    ),
    "append": ("model.append(nn.Softmax(dim=1))\n", "conv 8 k=3 | relu | flatten | fc 10 | softmax", 72_234),
    "extend": (
        "model.extend([nn.ReLU(), nn.Linear(10, 2)])\n",
        "conv 8 k=3 | relu | flatten | fc 10 | relu | fc 2",
        72_234 + 22,
    ),
    "iadd": (
        "model += nn.Sequential(nn.ReLU(), nn.Linear(10, 2))\n",
        "conv 8 k=3 | relu | flatten | fc 10 | relu | fc 2",
        72_256,
    ),
    "add": (
        "model = model[:3] + nn.Sequential(nn.Linear(7200, 4))\n",
        "conv 8 k=3 | relu | flatten | fc 4",
        224 + 28_804,
    ),
    "in-order": (
        "model.pop(3)\nmodel[0] = nn.Conv2d(3, 4, 3)\nmodel.append(nn.Linear(4 * 30 * 30, 5))\n",
        "conv 4 k=3 | relu | flatten | fc 5",
        112 + 18_005,
    ),
    # a named Sequential: setting a taken name keeps its place; a new one goes last
    "named": (
        "model = nn.Sequential(OrderedDict([('conv', nn.Conv2d(3, 8, 3)), ('flat', nn.Flatten()), "
        "('fc', nn.Linear(7200, 10))]))\nmodel.conv = nn.Conv2d(3, 8, 5, padding=1)\nmodel.out = nn.Sigmoid()\n",
        "conv 8 k=5 p=1 | flatten | fc 10 | sigmoid",
        3 * 8 * 25 + 8 + 72_010,
    ),
}

CLASS = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.seq = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Dropout(), nn.Flatten(), nn.Linear(7200, 10))
        self.blocks = nn.ModuleList([nn.Conv2d(3, 3, 1), nn.ReLU(), nn.Conv2d(3, 3, 1)])
        self.heads = nn.ModuleDict({"a": nn.Identity(), "b": nn.ReLU(), "c": nn.Tanh()})
{changes}
    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        for head in self.heads.values():
            x = head(x)
        return self.seq(x)
"""
# the changes __init__ makes, the layers read, the parameters: blocks of 1×1 convs of 3·3 + 3 = 12
IN_INIT = {
    "del-and-setitem": (
        "        del self.seq[2]\n        self.seq[-1] = nn.Linear(7200, 4)\n",
        "conv 3 k=1 | relu | conv 3 k=1 | relu | tanh | conv 8 k=3 | relu | flatten | fc 4",
        12 + 12 + 224 + 28_804,
    ),
    "module-list": (
        "        self.blocks.insert(1, nn.BatchNorm2d(3))\n        del self.blocks[2]\n"
        "        self.blocks[-1] = nn.Conv2d(3, 3, 3, padding=1)\n        self.blocks.pop(0)\n"
        "        self.blocks += [nn.ReLU()]\n        self.blocks.extend([nn.Conv2d(3, 3, 1)])\n"
        "        del self.heads['b']\n        self.heads.pop('c')\n",
        "bn | conv 3 k=3 p=1 | relu | conv 3 k=1 | conv 8 k=3 | relu | dropout 0.5 | flatten | fc 10",
        6 + 84 + 12 + 224 + 72_010,
    ),
}


def read(source: str, shape: tuple[int, ...] = (3, 32, 32)):
    imported = import_source(source, "m.py", shape)
    net = walk(imported.spec)
    imported.verify(net)
    return imported, net


@pytest.mark.parametrize("name", list(FOLLOWED))
def test_a_change_to_a_module_level_sequential_is_followed(name):
    changes, layers, params = FOLLOWED[name]
    imported, net = read(HEAD + changes)
    assert imported.spec.to_text(" | ") == f"input 3x32x32 | {layers}"
    assert net.total_params == params


@pytest.mark.parametrize("name", list(IN_INIT))
def test_a_change_in_init_is_followed(name):
    changes, layers, params = IN_INIT[name]
    imported, net = read("import torch.nn as nn\n" + CLASS.replace("{changes}\n", changes))
    assert imported.spec.to_text(" | ") == f"input 3x32x32 | {layers}"
    assert net.total_params == params


def test_a_change_to_an_instance_of_a_class_is_followed():
    source = (
        "import torch.nn as nn\n"
        + CLASS.replace("{changes}\n", "")
        + "net = Net()\nnet.seq[4] = nn.Linear(7200, 3)\n"
    )
    _imported, net = read(source)
    assert net.total_params == 12 + 12 + 224 + 21_603


@pytest.mark.parametrize(
    ("changes", "line", "words"),
    [
        (
            "model[0].stride = (2, 2)\n",
            5,
            "setting model[0].stride changes nn.Conv2d(3, 8, 3) (line 4) after it is built",
        ),
        ("model[0].padding = 1\n", 5, "setting model[0].padding changes nn.Conv2d(3, 8, 3) (line 4)"),
        ("model[0].weight = nn.Parameter(torch.randn(8, 3, 5, 5))\n", 5, "setting model[0].weight changes"),
        ("model[3].bias = None\n", 5, "setting model[3].bias changes nn.Linear(8 * 30 * 30, 10) (line 4)"),
        (
            "model[9] = nn.ReLU()\n",
            5,
            "model[9]: index 9 of an nn.Sequential of 4 modules; PyTorch stops here",
        ),
        (
            "model.insert(7, nn.ReLU())\n",
            5,
            "insert at 7 into an nn.Sequential of 4 modules; PyTorch stops here",
        ),
        ("model[1] = 3\n", 5, "nn.Sequential is given a int, not a layer"),
        ("model = model * 2\n", 5, "this operation on an nn.Sequential is not something cnncalc follows"),
        (
            "def f(m):\n    m.stride = 2\nmodel.apply(f)\n",
            7,
            "model.apply(f): f() changes the modules it is given (line 6: m.stride = 2)",
        ),
        (
            "model.apply(lambda m: setattr(m, 'padding', (1, 1)))\n",
            5,
            "<lambda>() changes the modules it is given (line 5: setattr(m, 'padding', (1, 1)))",
        ),
        (
            "def g(m):\n    m.requires_grad_(False)\ndef f(m):\n    g(m)\nmodel.apply(f)\n",
            9,
            "model.apply(f): f() changes the modules it is given (line 6: m.requires_grad_(False))",
        ),
        ("model._modules['0'] = nn.ReLU()\n", 5, "_modules is nn.Sequential's own bookkeeping"),
    ],
    ids=[
        "stride",
        "padding",
        "weight",
        "bias",
        "index",
        "insert",
        "not-a-layer",
        "mul",
        "apply",
        "apply-lambda",
        "apply-helper",
        "private-state",
    ],
)
def test_a_change_cnncalc_cannot_follow_is_refused_with_its_line(changes, line, words):
    with pytest.raises(CnnCalcError) as e:
        read(HEAD + changes)
    assert str(e.value).startswith(f"m.py, line {line}: ")
    assert words in str(e.value)


@pytest.mark.parametrize(
    ("changes", "line", "code"),
    [
        ("for p in model[0].parameters():\n    p.requires_grad = False\n", 6, "p.requires_grad = False"),
        (
            "for name, p in model.named_parameters():\n    p.requires_grad = False\n",
            6,
            "p.requires_grad = False",
        ),
        ("model[0].requires_grad_(False)\n", 5, "model[0].requires_grad_(False)"),
        ("model.requires_grad_(requires_grad=False)\n", 5, "model.requires_grad_(requires_grad=False)"),
        (
            "def freeze(m):\n    for p in m.parameters():\n        p.requires_grad_(False)\nfreeze(model)\n",
            7,
            "p.requires_grad_(False)",
        ),
        ("model[0].bias.requires_grad_(False)\n", 5, "model[0].bias.requires_grad_(False)"),
        ("model[3].weight.requires_grad = False\n", 5, "model[3].weight.requires_grad = False"),
        # the parameters reached through a variable, list(), a slice, iter/next or setattr
        (
            "params = model.parameters()\nfor p in params:\n    p.requires_grad = False\n",
            7,
            "p.requires_grad = False",
        ),
        ("w = model[0].weight\nw.requires_grad = False\n", 6, "w.requires_grad = False"),
        ("w = model[0].weight\nw.requires_grad_(False)\n", 6, "w.requires_grad_(False)"),
        (
            "for p in list(model.parameters())[:2]:\n    p.requires_grad = False\n",
            6,
            "p.requires_grad = False",
        ),
        (
            "next(iter(model.parameters())).requires_grad = False\n",
            5,
            "next(iter(model.parameters())).requires_grad = False",
        ),
        (
            'for p in model.parameters():\n    setattr(p, "requires_grad", False)\n',
            6,
            'setattr(p, "requires_grad", False)',
        ),
        ("m = model\nm[0].requires_grad_(False)\n", 6, "m[0].requires_grad_(False)"),
    ],
    ids=[
        *("loop", "named-loop", "layer-method", "model-method", "helper", "bias-method", "weight-attribute"),
        *(
            "variable-loop",
            "variable-tensor",
            "variable-method",
            "list-slice",
            "next-iter",
            "setattr",
            "alias",
        ),
    ],
)
def test_frozen_parameters_are_refused_never_counted_as_trainable(changes, line, code):
    with pytest.raises(CnnCalcError) as e:
        read(HEAD + changes)
    assert str(e.value) == (
        f"m.py, line {line}: {code} freezes parameters; cnncalc's table counts every parameter of the "
        "model as trainable and cannot show which are frozen"
    )


def test_a_file_that_reads_its_parameters_without_freezing_them_still_reads():
    source = HEAD + (
        "params = list(model.parameters())\nw = model[0].weight\nfirst = next(iter(model.parameters()))\n"
        "for p in params[:2]:\n    p.requires_grad = True\nw.requires_grad_(True)\n"
        'setattr(first, "requires_grad", True)\nm = model\nm[1] = nn.Tanh()\n'
    )
    imported, net = read(source)
    assert imported.spec.to_text(" | ") == "input 3x32x32 | conv 8 k=3 | tanh | flatten | fc 10"
    assert net.total_params == 224 + 72_010


def test_a_model_changed_through_another_name_is_read_once_with_the_change():
    imported, _net = read(HEAD + "m = model\nm[0] = nn.Conv2d(3, 8, 3, padding=1)\ndel m[1]\n", (3, 30, 30))
    assert imported.spec.to_text(" | ") == "input 3x30x30 | conv 8 k=3 p=1 | flatten | fc 10"


@pytest.mark.parametrize(
    ("container", "layers"),
    [("nn.Sequential", "{}"), ("nn.ModuleList", "[{}]")],
)
def test_a_slice_assigned_to_a_container_is_refused_as_pytorch_refuses_it(container, layers):
    # PyTorch's __setitem__ takes the index with operator.index: a slice is a TypeError
    modules = layers.format("nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 30 * 30, 10)")
    source = f"import torch.nn as nn\nmodel = {container}({modules})\nmodel[1:3] = []\n"
    source += "def forward(x):\n    for m in model:\n        x = m(x)\n    return x\n"
    with pytest.raises(CnnCalcError) as e:
        read(source)
    assert str(e.value).startswith(
        f"m.py, line 3: model[1:3]: an {container} takes one module at a number, not a slice: PyTorch "
        "stops here with a TypeError"
    )


def test_requires_grad_set_on_a_module_freezes_nothing_and_a_note_says_so():
    # nn.Module has no requires_grad: PyTorch sets a plain attribute, every parameter still trains
    imported, net = read(HEAD + "model[0].requires_grad = False\n")
    assert net.total_params == 72_234
    assert any(
        n.startswith(
            "line 5: model[0].requires_grad sets a plain attribute of the module: PyTorch freezes nothing"
        )
        for n in imported.notes
    )


def test_an_attribute_the_layer_never_reads_is_the_files_own():
    # torchvision's Inception3 sets fc.stddev for its own initialiser
    _imported, net = read(HEAD + "model[3].stddev = 0.001\n")
    assert net.total_params == 72_234


def test_parameters_left_trainable_and_initialised_in_place_are_read():
    changes = (
        "for p in model.parameters():\n    p.requires_grad = True\n    p.data.normal_(0, 0.02)\n"
        "model.apply(lambda m: None)\nmodel[0].momentum = 0.1\nn = len(list(model.parameters()))\n"
        "def init(m):\n    if isinstance(m, nn.Conv2d):\n        nn.init.kaiming_normal_(m.weight)\n"
        "        m.weight.data = m.weight.data * 0.5\n        if m.bias is not None:\n            m.bias.data.zero_()\n"
        "model.apply(init)\n"
    )
    imported, net = read(HEAD + changes)
    assert net.total_params == 72_234


def test_a_frozen_instance_of_a_class_is_refused_not_read_from_the_class():
    # the class alone would read: the change to the object built from it must not be passed over
    source = (
        "import torch.nn as nn\n"
        + CLASS.replace("{changes}\n", "")
        + ("net = Net()\nfor p in net.seq.parameters():\n    p.requires_grad = False\n")
    )
    with pytest.raises(CnnCalcError, match=re.escape("m.py, line 17: p.requires_grad = False freezes")):
        read(source)


def test_a_change_to_a_layer_held_by_a_model_is_refused():
    source = (
        "import torch.nn as nn\nconv = nn.Conv2d(3, 8, 3)\n"
        "model = nn.Sequential(conv, nn.Flatten(), nn.LazyLinear(2))\nconv.stride = 2\n"
    )
    with pytest.raises(CnnCalcError, match=re.escape("m.py, line 4: setting conv.stride changes")):
        read(source)


def test_net_from_follows_the_briefs_example(cli, tmp_path):
    path = tmp_path / "m1.py"
    path.write_text(HEAD + FOLLOWED["setitem"][0], encoding="utf-8")
    result = cli("net", "--from", path, "--input", "3x32x32")
    assert result.exit_code == 0, result.output
    assert "4  fc 2              2  14,402" in result.stdout
    assert "Parameters (trainable)    14,626" in result.stdout


# -- Keras ------------------------------------------------------------------------------------------

KERAS = (
    "import keras\nfrom keras import layers\n"
    "model = keras.Sequential([keras.Input(shape=(32, 32, 3)), layers.Conv2D(8, 3), layers.Flatten(), "
    "layers.Dense(5)])\n"
)
KERAS_FUNCTIONAL = (
    "import keras\nfrom keras import layers\ninputs = keras.Input(shape=(32, 32, 3))\n"
    "outputs = layers.Dense(5)(layers.Flatten()(layers.Conv2D(8, 3)(inputs)))\n"
    "model = keras.Model(inputs, outputs)\n"
)


def test_keras_sequential_pop_and_add_are_followed():
    imported, net = read(KERAS + "model.pop()\nmodel.add(layers.Dense(2))\n", None)
    assert imported.spec.to_text(" | ") == "input 3x32x32 | conv 8 k=3 | flatten | fc 2"
    assert net.total_params == 224 + 14_402


@pytest.mark.parametrize(
    ("source", "line", "code"),
    [
        (KERAS + "model.layers[0].trainable = False\n", 4, "model.layers[0].trainable = False"),
        (KERAS + "for layer in model.layers:\n    layer.trainable = False\n", 5, "layer.trainable = False"),
        (KERAS + "model.trainable = False\n", 4, "model.trainable = False"),
        (KERAS_FUNCTIONAL + "model.trainable = False\n", 6, "model.trainable = False"),
        (
            KERAS_FUNCTIONAL + "for layer in model.layers:\n    layer.trainable = False\n",
            7,
            "layer.trainable = False",
        ),
        (
            KERAS.replace("layers.Dense(5)", "layers.Dense(5, trainable=False)"),
            3,
            "layers.Dense(5, trainable=False)",
        ),
        (
            KERAS + "model.get_layer(index=0).trainable = False\n",
            4,
            "model.get_layer(index=0).trainable = False",
        ),
        (
            KERAS.replace("Conv2D(8, 3)", 'Conv2D(8, 3, name="c")')
            + 'model.get_layer("c").trainable = False\n',
            4,
            'model.get_layer("c").trainable = False',
        ),
        (
            KERAS_FUNCTIONAL.replace("Dense(5)", 'Dense(5, name="d")')
            + 'layer = model.get_layer(name="d")\nlayer.trainable = False\n',
            7,
            "layer.trainable = False",
        ),
        (
            KERAS + 'setattr(model.layers[0], "trainable", False)\n',
            4,
            'setattr(model.layers[0], "trainable", False)',
        ),
    ],
    ids=[
        *("layer", "loop", "model", "functional-model", "functional-layers", "constructor"),
        *("get-layer-index", "get-layer-name", "functional-get-layer", "setattr"),
    ],
)
def test_keras_trainable_false_is_refused(source, line, code):
    with pytest.raises(CnnCalcError) as e:
        read(source, None)
    assert str(e.value).startswith(f"m.py, line {line}: {code} freezes parameters")


def test_keras_get_layer_names_a_layer_the_model_has():
    with pytest.raises(CnnCalcError, match=re.escape("line 4: model.get_layer('x'): no layer of the model")):
        read(KERAS + "model.get_layer('x').trainable = False\n", None)
    _imported, net = read(KERAS + "model.get_layer(index=1).trainable = False\n", None)  # the Flatten
    assert net.total_params == 224 + 36_005


def test_keras_freezing_a_layer_without_weights_changes_nothing():
    _imported, net = read(KERAS + "model.layers[1].trainable = False\n", None)  # the Flatten
    assert net.total_params == 224 + 36_005


def test_keras_functional_layers_are_not_picked_by_position():
    # Keras lists a functional model's InputLayer first and orders branches by depth
    with pytest.raises(
        CnnCalcError, match=re.escape("line 6: model.layers[:1]: a functional model's layers")
    ):
        read(KERAS_FUNCTIONAL + "for layer in model.layers[:1]:\n    layer.trainable = False\n", None)


def test_keras_arguments_keras_has_not_or_that_change_the_weights_are_refused():
    with pytest.raises(
        CnnCalcError, match=re.escape("line 3: layers.Dense(5, lora_rank=2): argument 'lora_rank'")
    ):
        read(KERAS.replace("layers.Dense(5)", "layers.Dense(5, lora_rank=2)"), None)


def test_a_failing_statement_that_only_uses_a_model_leaves_it_as_built():
    # a training helper cnncalc cannot follow (it loops over data) changes no layer of the model
    source = (
        "import torch.nn as nn\n" + CLASS.replace("{changes}\n", "") + "def train(model, loader):\n"
        "    for x, y in loader:\n        model(x)\nnet = Net()\ntrain(net, trainloader)\nprint(net(images))\n"
    )
    _imported, net = read(source)
    assert net.total_params == 12 + 12 + 224 + 72_010


def test_keras_freezing_a_model_without_weights_changes_nothing():
    source = (
        "import keras\nfrom keras import layers\n"
        "augment = keras.Sequential([layers.RandomFlip('horizontal'), layers.RandomRotation(0.1)])\n"
        "augment.trainable = False\ninputs = keras.Input(shape=(32, 32, 3))\n"
        "outputs = layers.Dense(5)(layers.Flatten()(layers.Conv2D(8, 3)(augment(inputs))))\n"
        "model = keras.Model(inputs, outputs)\n"
    )
    _imported, net = read(source, None)
    assert net.total_params == 224 + 36_005

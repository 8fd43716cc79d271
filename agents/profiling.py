"""Turn a torch chain model into a split-inference profile (``leo_envs.models.split_profiles``).

``profile_module(model, example_input)`` runs one sample through ``model`` with forward hooks
on every leaf module, then counts each split unit (by default the model's top-level children,
in execution order) with the analytic formulas of ``leo_envs.models.split_profiles`` applied
to the observed shapes and to the *non-zero* parameters, so pruned models are counted by what
they really fetch and compute. The result is a plain :class:`ModelProfile` that the env reads
as JSON without torch.

Supported leaves: ``Conv2d`` (groups 1), ``Linear``, one-layer unidirectional ``LSTM``,
``MaxPool2d``; free leaves: ReLU, Flatten, Dropout, Identity, Softmax/LogSoftmax. Any other
leaf with parameters, or an unsupported configuration, raises ``TypeError``/``ValueError``
instead of being counted as zero (the silent-zero failure of generic FLOP counters).

Compressed models: a conv channel or fc neuron is *dead* (its output is never sent) when all
its outgoing weights in the next conv/linear are zero, or when its incoming weights are all
zero, its bias is <= 0 and a ReLU follows (its output is then identically 0). ``out_elems``
counts alive outputs only; ``out_elems_dense`` the full shape (spec section 4).

:func:`flop_counter_macs` is the independent cross-check: torch's ``FlopCounterMode`` on the
meta device (exact there, LSTMs included) gives 2 FLOPs per dense MAC per module.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from leo_envs.models.split_profiles import (
    ModelProfile,
    UnitProfile,
    conv2d_unit,
    linear_unit,
    lstm_unit,
    maxpool_unit,
)

FREE_LEAVES = (nn.ReLU, nn.Flatten, nn.Dropout, nn.Identity, nn.Softmax, nn.LogSoftmax)
_PARAM_LEAVES = (nn.Conv2d, nn.Linear, nn.LSTM)


def _nnz(t: torch.Tensor | None) -> int:
    return 0 if t is None else int(torch.count_nonzero(t.detach()).item())


def _leaves(module: nn.Module) -> list[nn.Module]:
    return [m for m in module.modules() if not list(m.children())]


def _dead_outputs(leaves: list[nn.Module]) -> dict[int, torch.Tensor]:
    """For every Conv2d/Linear leaf (by id), a bool mask of its dead output channels."""
    dead: dict[int, torch.Tensor] = {}
    param_idx = [i for i, m in enumerate(leaves) if isinstance(m, _PARAM_LEAVES)]
    for pos, i in enumerate(param_idx):
        m = leaves[i]
        if not isinstance(m, (nn.Conv2d, nn.Linear)):
            continue
        w = m.weight.detach()
        n_out = w.shape[0]
        mask = torch.zeros(n_out, dtype=torch.bool)
        relu_next = i + 1 < len(leaves) and isinstance(leaves[i + 1], nn.ReLU)
        if relu_next:
            no_in = (w.reshape(n_out, -1) != 0).sum(dim=1) == 0
            bias = m.bias.detach() if m.bias is not None else torch.zeros(n_out)
            mask |= no_in & (bias <= 0)
        if pos + 1 < len(param_idx):
            nxt = leaves[param_idx[pos + 1]]
            if isinstance(nxt, (nn.Conv2d, nn.Linear)):
                wn = nxt.weight.detach()
                # columns of the consumer grouped by producer channel (flatten is channel-major)
                in_feats = wn.shape[1]
                if in_feats % n_out == 0:
                    per = in_feats // n_out
                    used = (wn.reshape(wn.shape[0], n_out, per, -1) != 0).any(dim=(0, 2, 3))
                    mask |= ~used
        dead[id(m)] = mask
    return dead


def profile_module(
    model: nn.Module,
    example_input: torch.Tensor,
    *,
    units: Sequence[tuple[str, nn.Module]] | None = None,
    name: str = "model",
    metrics: dict[str, float] | None = None,
    provenance: dict[str, Any] | None = None,
) -> ModelProfile:
    """Profile ``model`` on one sample ``example_input`` (batch dimension first, size 1).

    ``units`` are the split units in execution order (default: the top-level children).
    Returns a :class:`ModelProfile` with dense and non-zero counts per unit.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(example_input, torch.Tensor) or example_input.ndim < 2:
        raise ValueError("example_input must be a tensor with a leading batch dimension")
    if example_input.shape[0] != 1:
        raise ValueError(f"example_input must hold one sample, got batch {example_input.shape[0]}")
    unit_list = list(units) if units is not None else list(model.named_children())
    if not unit_list:
        raise ValueError("model has no children to split at; pass units=[(name, module), ...]")
    all_leaves = _leaves(model)
    dead = _dead_outputs(all_leaves)
    shapes: dict[int, tuple[tuple[int, ...], tuple[int, ...]]] = {}
    unit_out: dict[str, int] = {}
    hooks = []

    def leaf_hook(mod, inp, out):
        y = out[0] if isinstance(out, tuple) else out
        shapes[id(mod)] = (tuple(inp[0].shape), tuple(y.shape))

    def unit_hook(unit_name):
        def hook(mod, inp, out):
            y = out[0] if isinstance(out, tuple) else out
            unit_out[unit_name] = int(y.numel())

        return hook

    for m in all_leaves:
        hooks.append(m.register_forward_hook(leaf_hook))
    for unit_name, mod in unit_list:
        hooks.append(mod.register_forward_hook(unit_hook(unit_name)))
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(example_input)
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)

    profiles = []
    last_alive_frac = 1.0
    for unit_name, mod in unit_list:
        if unit_name not in unit_out:
            raise ValueError(f"unit {unit_name!r} did not run in the forward pass")
        parts: list[UnitProfile] = []
        for leaf in _leaves(mod):
            if id(leaf) not in shapes:
                continue
            in_shape, out_shape = shapes[id(leaf)]
            part, frac = _leaf_profile(leaf, in_shape, out_shape, dead, last_alive_frac)
            if part is not None:
                parts.append(part)
            last_alive_frac = frac
        out_dense = unit_out[unit_name]
        out_alive = round(out_dense * last_alive_frac)
        kind = parts[0].kind if len(parts) == 1 else "+".join(p.kind for p in parts) or "free"
        sums = {
            f: sum(getattr(p, f) for p in parts)
            for f in ("mults", "adds", "mults_dense", "adds_dense", "params_total", "params_nnz")
        }
        profiles.append(
            UnitProfile(unit_name, kind, **sums, out_elems=out_alive, out_elems_dense=out_dense)
        )
    return ModelProfile(
        name,
        tuple(profiles),
        input_elems=int(example_input[0].numel()),
        metrics=dict(metrics or {}),
        provenance={"torch_version": torch.__version__, **(provenance or {})},
    )


def _leaf_profile(leaf, in_shape, out_shape, dead, alive_frac):
    """(UnitProfile or None, fraction of alive output channels after this leaf)."""
    if isinstance(leaf, nn.Conv2d):
        if leaf.groups != 1:
            raise ValueError(f"Conv2d with groups={leaf.groups} is not supported (groups=1 only)")
        mask = dead[id(leaf)]
        alive = int((~mask).sum())
        p = conv2d_unit(
            "c", leaf.in_channels, leaf.out_channels, leaf.kernel_size, out_shape[-2:],
            bias=leaf.bias is not None, weight_nnz=_nnz(leaf.weight), bias_nnz=_nnz(leaf.bias),
            out_ch_alive=alive,
        )  # fmt: skip
        return p, alive / leaf.out_channels
    if isinstance(leaf, nn.Linear):
        mask = dead[id(leaf)]
        alive = int((~mask).sum())
        tokens = math.prod(out_shape[1:-1]) if len(out_shape) > 2 else 1
        p = linear_unit(
            "l", leaf.in_features, leaf.out_features, bias=leaf.bias is not None,
            weight_nnz=_nnz(leaf.weight), bias_nnz=_nnz(leaf.bias), out_alive=alive,
            tokens=tokens,
        )  # fmt: skip
        return p, alive / leaf.out_features
    if isinstance(leaf, nn.LSTM):
        if leaf.num_layers != 1 or leaf.bidirectional or leaf.proj_size:
            raise ValueError(
                "only one-layer unidirectional nn.LSTM without projection is supported; "
                "stack one nn.LSTM per split unit instead"
            )
        if not leaf.batch_first:
            raise ValueError("nn.LSTM must be batch_first=True")
        steps = in_shape[1] if len(in_shape) == 3 else 1
        w_nnz = _nnz(leaf.weight_ih_l0) + _nnz(leaf.weight_hh_l0)
        b_nnz = _nnz(getattr(leaf, "bias_ih_l0", None)) + _nnz(getattr(leaf, "bias_hh_l0", None))
        p = lstm_unit(
            "r", leaf.input_size, leaf.hidden_size, steps, n_bias_vectors=2 if leaf.bias else 0,
            weight_nnz=w_nnz, bias_nnz=b_nnz,
        )  # fmt: skip
        return p, 1.0
    if isinstance(leaf, nn.MaxPool2d):
        k = leaf.kernel_size if isinstance(leaf.kernel_size, int) else leaf.kernel_size[0]
        ch = out_shape[1]
        alive = round(ch * alive_frac)
        return maxpool_unit("p", ch, out_shape[-2:], k, channels_alive=alive), alive_frac
    if isinstance(leaf, FREE_LEAVES):
        return None, alive_frac
    if any(True for _ in leaf.parameters(recurse=False)):
        raise TypeError(
            f"cannot count {type(leaf).__name__}: supported are Conv2d, Linear, LSTM, MaxPool2d "
            "and parameter-free activations"
        )
    raise TypeError(f"cannot count {type(leaf).__name__} (unknown op; refusing to count it as 0)")


def flop_counter_macs(model_factory, input_shape: Sequence[int]) -> dict[str, int]:
    """Dense MACs per top-level child from torch's ``FlopCounterMode`` on the meta device.

    ``model_factory()`` builds the model (called under ``torch.device("meta")``, so no
    weights exist and nothing is computed). FlopCounterMode counts 2 FLOPs per MAC for
    mm/addmm/bmm/conv and nothing for bias, pooling or element-wise ops.
    """
    from torch.utils.flop_counter import FlopCounterMode

    with torch.device("meta"):
        model = model_factory()
        x = torch.zeros(*input_shape)
    counter = FlopCounterMode(display=False, depth=None)
    with counter:
        model(x)
    counts = counter.get_flop_counts()
    root = type(model).__name__  # ModuleTracker names modules "<RootClass>.<child>"
    return {
        child: int(sum(counts.get(f"{root}.{child}", {}).values())) // 2
        for child, _ in model.named_children()
    }

"""Renders docs/spec.md from the registries, so the documentation cannot drift from the
validator: ``python -m app.spec_doc > docs/spec.md`` (a test checks it is current)."""

from __future__ import annotations

from typing import Any

from app.catalog import build_catalog
from app.settings import Limits

INTRO = """\
# The experiment spec (version {version})

One JSON document describes an experiment: the websocket `start` message, the shareable URL
state, the CLI's input file and the source of code export. Unknown keys are refused, every
number has bounds, and NaN or Infinity are rejected everywhere (`1e309` too: it overflows
to infinity). Errors name the field (`model.layers.2.units`) and the limit in words.

This file is generated from the registries by `python -m app.spec_doc > docs/spec.md`.

```json
{example}
```

## Top level

| field | type | default | description |
|---|---|---|---|
| `version` | 1 | 1 | Spec format version. |
| `description` | string, ≤ 2000 chars | "" | What this experiment shows (shown in the page). |
| `seed` | int, 0 … 2³¹−1 | 0 | Seeds the data, the initial weights and the batch order. |
| `data` | object | | Below. |
| `model` | `{{"layers": [...]}}` | | At most {max_layers} hidden layers (below). |
| `train` | object | | Below. |

The output layer: {outputs}. A `loss` other than `auto` must fit the task.
Same spec and seed on the CPU give the same loss sequence, step for step.
"""


def _bounds(entry: dict[str, Any]) -> str:
    parts = []
    for key, sign in (
        ("min", "≥"),
        ("exclusive_min", ">"),
        ("max", "≤"),
        ("exclusive_max", "<"),
        ("min_items", "items ≥"),
        ("max_items", "items ≤"),
    ):
        if key in entry:
            parts.append(f"{sign} {entry[key]}")
    if "choices" in entry:
        parts.append(" / ".join(f"`{c}`" for c in entry["choices"]))
    return ", ".join(parts)


def _param_table(params: dict[str, Any]) -> list[str]:
    rows = ["| field | type | default | bounds / choices | description |", "|---|---|---|---|---|"]
    for name, e in params.items():
        default = "required" if e.get("required") else f"`{_json(e.get('default'))}`"
        kind = e["type"] + (" or null" if e.get("nullable") else "")
        rows.append(f"| `{name}` | {kind} | {default} | {_bounds(e)} | {e['description']} |")
    return rows


def _json(value: Any) -> str:
    import json

    return json.dumps(value)


def render(limits: Limits | None = None) -> str:
    import json

    cat = build_catalog(limits or Limits())
    example = json.dumps(cat["spec_defaults"], indent=2)
    outputs = "; ".join(f"{task}: {text}" for task, text in cat["outputs"].items())
    lines = [
        INTRO.format(
            version=cat["version"],
            example=example,
            outputs=outputs,
            max_layers=cat["limits"]["max_layers"],
        )
    ]
    lines += [
        "## `data`",
        "",
        *_param_table(cat["data_params"]),
        "",
        "### Datasets",
        "",
        "| name | input | task | defaults | reads | description |",
        "|---|---|---|---|---|---|",
    ]
    for name, d in cat["datasets"].items():
        defaults = ", ".join(
            f"{k.removeprefix('default_')} {v}"
            for k, v in d.items()
            if k.startswith("default_") and v is not None
        )
        classes = f", up to {d['max_classes']} classes" if d["max_classes"] > 2 else ""
        lines.append(
            f"| `{name}` | {d['input_kind']} | {d['task']}{classes} | {defaults} | "
            f"{', '.join(d['uses'])} | {d['description']} |"
        )
    lines += [
        "",
        "Input features for 2-D point data: "
        + ", ".join(f"`{k}` ({v})" for k, v in cat["features"].items())
        + ".",
        "",
    ]
    lines += [
        "## `model.layers`",
        "",
        "Each layer is an object with a `type`. Dense layers "
        "flatten their input; conv and pool layers need an image, recurrent and attention "
        "layers a sequence, and text needs an embedding first. Validation reports each "
        "layer's output shape and parameter count, and refuses a model over "
        f"{cat['limits']['max_params']:,} parameters or whose activations for one batch "
        f"exceed {cat['limits']['max_activation_bytes'] // 2**20} MB.",
        "",
    ]
    for name, layer in cat["layers"].items():
        lines += [f"### `{name}`", "", layer["description"], ""]
        lines += (_param_table(layer["params"]) if layer["params"] else ["No parameters."]) + [""]
    lines += [
        "Activations: " + "; ".join(f"`{k}`: {v}" for k, v in cat["activations"].items()),
        "",
        "Initializers: " + "; ".join(f"`{k}`: {v}" for k, v in cat["initializers"].items()),
        "",
    ]
    lines += ["## `train`", "", *_param_table(cat["train_params"]), ""]
    lines += [
        "Optimizers: "
        + "; ".join(
            f"`{k}` ({', '.join(v['params'])}): {v['description']}"
            for k, v in cat["optimizers"].items()
        ),
        "",
    ]
    lines += [
        "Schedules (per epoch): "
        + "; ".join(f"`{k}`: {v['description']}" for k, v in cat["schedules"].items()),
        "",
    ]
    lines += [
        "Losses: "
        + "; ".join(
            f"`{k}` ({', '.join(v['tasks'])}): {v['description']}" for k, v in cat["losses"].items()
        ),
        "",
    ]
    lines += [
        "Live changes (between steps, weights kept): every `train` field but `loss`, plus "
        "`dropout` (the p of every dropout layer). Changing the optimizer's kind starts "
        "its state afresh; other changes keep it.",
        "",
    ]
    gan = cat["gan"]
    lines += [
        '## GANs: `kind: "gan"`',
        "",
        "A generative adversarial network: a generator turns latent vectors into samples, a "
        "discriminator tells them from real ones (docs/gan.md). The spec names `kind: "
        '"gan"`, the real data in `data`, and the two networks in `gan` (leave out '
        "`model` and `train`). Both layer lists use the layer catalog above; the generator's "
        "output layer is implied by the data (2 linear values, or sigmoid pixels through a "
        "3x3 convolution when its last layer is an image of the data's size, else a dense "
        "layer), the discriminator's is one logit.",
        "",
        "```json",
        json.dumps(gan["spec_defaults"], indent=2),
        "```",
        "",
        "### `gan`",
        "",
        *_param_table(gan["params"]),
        "",
        "### `gan.generator` and `gan.discriminator`",
        "",
        "`layers` (hidden layers, as in `model.layers`) and:",
        "",
        *_param_table(gan["net_params"]),
        "",
        "Losses: " + "; ".join(f"`{k}`: {v['description']}" for k, v in gan["losses"].items()),
        "",
        "Live changes: `g_lr`, `d_lr`, `d_steps`, `gan_loss`, `train_only`, `batch_size`, "
        "`max_steps`.",
        "",
        "### GAN datasets",
        "",
        "2-D sets live in the square [-2, 2]²; `noise` widens them, `n_samples` (default "
        "2,000) sets their size. Images: all of the set, or `n_samples` of it.",
        "",
        "| name | samples | description |",
        "|---|---|---|",
        *[
            f"| `{k}` | {v['input_kind']} | {v['description']} |"
            for k, v in gan["datasets"].items()
        ],
        "",
    ]
    lines += [
        "## Limits",
        "",
        "Server-wide, from `app/settings.py`; a deployment may tighten the "
        "runtime ones through `NNP_LIMITS__<NAME>` environment variables.",
        "",
        "| limit | value |",
        "|---|---|",
    ]
    lines += [f"| `{k}` | {v:,} |" for k, v in cat["limits"].items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")

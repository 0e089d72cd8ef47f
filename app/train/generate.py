"""Text from a character model (the `names` dataset): sample one character at a time.

The model reads the last T token ids and scores the next one; `generate_text` samples from
softmax(scores / temperature) with its own `torch.Generator`, seeded by the request, so the
same request gives the same text and training's random streams are never drawn from.
"""

from __future__ import annotations

import torch

from app.train.modes import evaluating
from app.train.run import Run

START = 0  # token id 0 marks the start and the end of a name ('.' in `names`)


class GenerateError(ValueError):
    """This run cannot generate text; the message says why."""


@torch.no_grad()
def generate_text(run: Run, prefix: str, length: int, temperature: float, seed: int) -> str:
    """`length` characters sampled after `prefix` (characters outside the vocabulary are
    dropped from it). Sampling goes on past the end mark, so the text may hold several
    names: after one, the context starts afresh, as every name in training did."""
    data = run.data
    if data.input_kind != "tokens":
        raise GenerateError("text generation needs text data (the names dataset)")
    vocab, steps = data.vocab, data.input_shape[0]
    ids = {c: i for i, c in enumerate(vocab)}
    # "Ma" means "ma" to a model that only knows lowercase (the names data).
    known = [c if c in ids else c.lower() for c in prefix]
    context = [START] * steps + [ids[c] for c in known if c in ids]
    sampler = torch.Generator().manual_seed(seed)
    out: list[str] = []
    with evaluating(run.model):
        for _ in range(length):
            window = torch.tensor([context[-steps:]], device=run.device)  # (1, T)
            scores = run.model(window)[0].float().cpu()  # (vocab,)
            if not torch.isfinite(scores).all():
                raise GenerateError("the model's outputs are not finite (it diverged)")
            probs = torch.softmax(scores / temperature, dim=0)
            token = int(torch.multinomial(probs, 1, generator=sampler))
            out.append(vocab[token])
            context = [START] * steps if token == START else [*context[1 - steps :], token]
    return "".join(out)

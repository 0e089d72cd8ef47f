"""A group: runs of one worker trained together, one batched step for all of them.

While a run is in a group its parameters, gradients and optimizer state live in the
group's stacked tensors: the run's own tensors are views into them (`.data` points there),
so everything that reads or edits a run (the views, a weight edit, early stopping's
restore) works as before, and a run leaves the group (`dissolve`) by copying its views out.
Each run keeps its own hyperparameters, data, batch order, dropout stream, epoch
bookkeeping (app/train/run.py does it, from numbers the group measures for it) and pace:
a run that sits a step out keeps its weights and state. The result, run by run, is what
the run would have computed alone, to float rounding (tests/train/test_group.py)."""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from collections.abc import Sequence

import torch
from torch.nn import functional as F

from app.train.group.layout import DenseLayout
from app.train.group.stack import DenseStack
from app.train.group.updates import STATE, Hyper, StackedOptimizer
from app.train.run import Measured, Run

Tensor = torch.Tensor
MAX_TURN_STEPS = 1024  # steps one `train` call may take (its loss buffer)


@functools.lru_cache(maxsize=512)
def epoch_batches(n: int, batch: int, start: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The batches an epoch trains from example `start` of its order on: their starts and
    sizes, by Run._train's rule (no lone last example when batches are 2 or more)."""
    starts, sizes = [], []
    pos = start
    while pos < n:
        end = min(pos + batch, n)
        if 0 < n - end < 2 <= batch:
            end = n
        starts.append(pos)
        sizes.append(end - pos)
        pos = end
    return tuple(starts), tuple(sizes)


@functools.lru_cache(maxsize=512)
def _batch_table(
    n: int, batch: int, start: int, width: int, device: torch.device
) -> tuple[Tensor, Tensor]:
    """For each batch of `epoch_batches`: the positions in the epoch's order it takes,
    padded to `width` (S, width), and each example's weight in the batch's mean loss (1 /
    size; 0 for padding)."""
    starts, sizes = epoch_batches(n, batch, start)
    column = torch.arange(width)
    positions = (torch.tensor(starts)[:, None] + column).clamp(max=n - 1)
    real = column < torch.tensor(sizes)[:, None]
    weights = real / torch.tensor(sizes, dtype=torch.float32)[:, None]
    return positions.to(device), weights.to(device)


def _wants(name: str, momentum: float) -> bool:
    """Whether torch keeps this state for a run with this momentum."""
    return name != "momentum_buffer" or momentum > 0


class Member:
    """A run in a group: its row in the stacked tensors, its place in its epoch, and the
    tensors it lent the group."""

    def __init__(self, run: Run, layout: DenseLayout, row: int) -> None:
        self.run, self.layout, self.row = run, layout, row
        self.active = False
        self.generator = run._rng.generator() if any(layout.dropout) else None
        self.links: list[tuple[dict | None, object, str]] = []
        n, batch = len(run.x_train), run.spec.train.batch_size
        self.starts, self.sizes = epoch_batches(n, batch, run._pos)
        self.epoch_start = run._pos
        self.s = 0  # batch of the current epoch, as of `synced_at`
        self.synced_at = 0  # the group's step count when `s` and the run's count were set
        self.checked = 0  # this turn's steps whose losses the run has checked
        self.trained = 0  # steps this turn

    def new_epoch(self) -> tuple[int, ...]:
        """Starts the next epoch's batches (from example 0 of the run's new order)."""
        n, batch = len(self.run.x_train), self.run.spec.train.batch_size
        self.starts, self.sizes = epoch_batches(n, batch, 0)
        self.epoch_start, self.s = 0, 0
        return self.starts


class RunGroup:
    """Runs with the same GroupKey, stepped as one; membership is fixed (build another
    group to add or drop runs, after `dissolve`)."""

    def __init__(self, runs: Sequence[Run], layouts: Sequence[DenseLayout]) -> None:
        first = runs[0]
        self.device = first.device
        self.key = layouts[0].key
        if any(layout.key != self.key for layout in layouts):
            raise ValueError("runs with different group keys cannot train together")
        self.members = [
            Member(run, lay, i) for i, (run, lay) in enumerate(zip(runs, layouts, strict=True))
        ]
        self.stack = DenseStack(list(layouts), self.device)
        self.optimizer = StackedOptimizer(self.key.optimizer, self.stack.params)
        self.clock = 0  # steps taken by the group (by any of its runs)
        n = len(runs)
        self.rows = torch.arange(n, device=self.device)
        self._stack_data()
        self._read_hyper()
        with torch.no_grad():
            for member in self.members:
                self._lend(member)
        self.losses = torch.zeros(MAX_TURN_STEPS, n, device=self.device)
        self.view_inputs: dict[int, Tensor] = {}  # grid -> every run's plane raster (views.py)
        self.active = torch.zeros(n, 1, 1, dtype=torch.bool, device=self.device)

    # --- building ---

    def _stack_data(self) -> None:
        """Every run's data, padded to the largest; each epoch's batches as index rows."""
        runs, d, dev = [m.run for m in self.members], self.stack.width, self.device
        n = len(runs)
        regression = self.key.task == "regression"

        def stacked(xs: list[Tensor], ys: list[Tensor]) -> tuple[Tensor, Tensor, Tensor]:
            most = max(1, max(len(x) for x in xs))
            x = torch.zeros(n, most, d, device=dev)
            y_shape = (n, most, self.key.outputs) if regression else (n, most)
            y = torch.zeros(y_shape, device=dev, dtype=torch.float32 if regression else torch.long)
            weight = torch.zeros(n, most, device=dev)  # 1 / count for each real example
            for i, (xi, yi) in enumerate(zip(xs, ys, strict=True)):
                x[i, : len(xi), : xi.shape[1]] = xi
                y[i, : len(yi)] = yi
                weight[i, : len(xi)] = 1 / max(1, len(xi))
            return x, y, weight

        self.x_train, self.y_train, self.w_train = stacked(
            [r.x_train for r in runs], [r.y_train for r in runs]
        )
        self.x_val, self.y_val, self.w_val = stacked(
            [r.x_val for r in runs], [r.y_val for r in runs]
        )
        self.has_val = torch.tensor([len(r.x_val) > 0 for r in runs], device=dev)
        width = max(max(m.sizes) for m in self.members)
        for m in self.members:  # a batch-size change mid-epoch makes the next epoch's wider
            n_m, batch = len(m.run.x_train), m.run.spec.train.batch_size
            width = max(width, max(epoch_batches(n_m, batch, 0)[1]))
        self.batch_width = width
        most_steps = max(
            max(
                len(m.starts),
                len(epoch_batches(len(m.run.x_train), m.run.spec.train.batch_size, 0)[0]),
            )
            for m in self.members
        )
        self.order = torch.zeros(n, most_steps, width, dtype=torch.long, device=dev)
        self.weights = torch.zeros(n, most_steps, width, device=dev)
        self.batch_index = torch.zeros(n, dtype=torch.long, device=dev)
        self._fill_epochs(self.members)

    def _fill_epochs(self, members: list[Member]) -> None:
        """Writes each member's current epoch (from its start) into the index rows: one
        write for all members whose epochs have the same batches (the usual case)."""
        alike: dict[tuple[int, int, int], list[Member]] = defaultdict(list)
        for m in members:
            alike[(len(m.run.x_train), m.run.spec.train.batch_size, m.epoch_start)].append(m)
        for (n, batch, start), same in alike.items():
            positions, weights = _batch_table(n, batch, start, self.batch_width, self.device)
            steps = len(positions)
            rows = torch.tensor([m.row for m in same], device=self.device)
            orders = torch.stack([m.run._order for m in same])  # (M, n)
            self.order[rows, :steps] = orders[:, positions]
            self.weights[rows, :steps] = weights
            self.weights[rows, steps:] = 0
            self.batch_index[rows] = 0

    def _read_hyper(self) -> None:
        """The hyperparameters of every run, as the group applies them."""
        trains = [m.run.spec.train for m in self.members]
        dev = self.device

        def column(values: Sequence[float], dtype: torch.dtype = torch.float64) -> Tensor:
            return torch.tensor(values, dtype=dtype, device=dev).view(-1, 1, 1)

        nesterov = [t.nesterov for t in trains]
        self.hyper = Hyper(
            column([m.run.lr for m in self.members]),
            column([t.momentum for t in trains]),
            column([t.weight_decay for t in trains]),
            column([t.beta1 for t in trains]),
            column([t.beta2 for t in trains]),
            column(nesterov, torch.bool) if any(nesterov) else None,
        )
        l1 = [t.l1 for t in trains]
        self.l1 = column(l1, torch.float32) if any(l1) else None
        clips = [t.grad_clip for t in trains]
        self.clip = (
            column([c if c is not None else float("inf") for c in clips], torch.float32)
            if any(c is not None for c in clips)
            else None
        )

    def _lend(self, m: Member) -> None:
        """The run's parameters, gradients and optimizer state move into the group's
        tensors; the run keeps views of them."""
        run, i = m.run, m.row
        params = list(run.model.parameters())
        state_of = run.optimizer.state
        momentum = run.spec.train.momentum
        for j, (p, view, grad) in enumerate(
            zip(
                params,
                self.stack.member_views(i),
                self.stack.member_views(i, self.stack.grads),
                strict=True,
            )
        ):
            view.copy_(p.data)
            p.data = view
            if p.grad is not None:
                grad.copy_(p.grad)
            p.grad = grad
            m.links.append((None, p, "param"))
            state = state_of[p]
            fresh = not state
            for name in STATE[self.key.optimizer]:
                stacked = self.stack.member_views(i, self.optimizer.state[name])[j]
                if name in state:
                    stacked.copy_(state[name])
                elif not (fresh and _wants(name, momentum)):
                    continue  # torch keeps none: the group's row is scratch
                state[name] = stacked
                m.links.append((state, name, "state"))
            if self.optimizer.steps is not None:
                if "step" in state:
                    self.optimizer.steps[i] = float(state["step"])
                state["step"] = self.optimizer.steps[i]
                m.links.append((state, "step", "state"))

    def dissolve(self) -> None:
        """Every run takes its tensors back (copies of its views) and its place in the
        epoch; the group is not used again."""
        for m in self.members:
            run = m.run
            for owner, item, kind in m.links:
                if kind == "param":
                    assert isinstance(item, torch.nn.Parameter)
                    item.data = item.data.clone()
                    if item.grad is not None:
                        item.grad = item.grad.clone()
                else:
                    assert owner is not None
                    owner[item] = owner[item].clone()
            m.links.clear()
            if m.generator is not None:
                run._rng.take(m.generator)
            self._sync_position(m)

    def _sync_position(self, m: Member) -> None:
        run = m.run
        run._pos = m.starts[m.s] if m.s < len(m.starts) else len(run.x_train)

    # --- training ---

    def train(self, budgets: Sequence[int | None], seconds: float) -> list[int]:
        """Trains every run whose budget is not 0 (None: no limit) for about `seconds`, or
        until none may go on; returns the steps each run trained. Never raises for a run's
        numbers: a run that diverges ends diverged, alone."""
        members = self.members
        events: dict[int, list[tuple[int, Member]]] = defaultdict(list)  # step -> (order, who)
        start = self.clock
        for m, budget in zip(members, budgets, strict=True):
            m.active = budget != 0 and not m.run.done
            m.synced_at, m.checked, m.trained = start, 0, 0
            if m.active:
                events[start + len(m.starts) - m.s].append((0, m))
                if budget is not None:
                    events[start + budget].append((1, m))
        self.active.copy_(torch.tensor([m.active for m in members]).view(-1, 1, 1))
        live = sum(m.active for m in members)
        deadline = time.perf_counter() + seconds
        with torch.no_grad():
            while live and self.clock - start < MAX_TURN_STEPS:
                self._step(self.clock - start, all_active=live == len(members))
                self.clock += 1
                due = events.pop(self.clock, None)
                if due:
                    live -= self._events(sorted(due, key=lambda e: e[0]), events, start)
                if time.perf_counter() > deadline:
                    break
            self._finish_turn(start)
        return [m.trained for m in members]

    def _step(self, k: int, all_active: bool) -> None:
        """One training step of every active run (Run.train_step's, batched); its losses
        go to row k of `losses`."""
        stack, rows = self.stack, self.rows
        index = self.order[rows, self.batch_index]  # (N, B) example of each run's batch
        weight = self.weights[rows, self.batch_index]  # (N, B) 1 / batch size, or 0
        x = self.x_train[rows[:, None], index]
        y = self.y_train[rows[:, None], index]
        drop = self._dropout_masks()
        out, cache = stack.forward(x, drop)
        loss, d_out = self._loss_and_gradient(out, y, weight)
        active = None if all_active else self.active
        l1 = self.l1
        if active is not None:  # a run sitting this step out gets no gradient at all
            d_out = d_out * active
            l1 = None if l1 is None else l1 * active
        grads = stack.backward(d_out, cache, drop)
        if l1 is not None:  # the L1 penalty's gradient, on weights only
            for i in range(0, len(grads), 2):
                grads[i] = grads[i] + l1 * stack.params[i].sign()
        if self.clip is not None:  # each run's gradients rescaled by their joint norm
            total = torch.stack([(g * g).sum((1, 2)) for g in grads]).sum(0).sqrt()
            scale = (self.clip.view(-1) / (total + 1e-6)).clamp(max=1.0).view(-1, 1, 1)
            grads = [g * scale for g in grads]
        if active is None:
            torch._foreach_copy_(stack.grads, grads)
        else:  # a run sitting this step out keeps its last gradients
            for target, g in zip(stack.grads, grads, strict=True):
                target.copy_(torch.where(active, g, target))
        self.optimizer.update(stack.params, stack.grads, stack.is_weight, self.hyper, active)
        self.losses[k] = loss
        self.batch_index += 1 if active is None else active.view(-1).long()

    def _dropout_masks(self) -> list[Tensor | None]:
        """Each slot's dropout multipliers, drawn run by run from each run's own stream in
        the order and shapes the run alone would draw them (torch's F.dropout on CPU:
        bernoulli(1 - p) / (1 - p) over its (batch, units) output)."""
        stack = self.stack
        masks: list[Tensor | None] = [None] * stack.depth
        for m in self.members:
            if m.generator is None or not m.active:
                continue
            size = m.sizes[m.s + self.clock - m.synced_at]
            for slot, (p, units) in enumerate(zip(m.layout.dropout, m.layout.units, strict=True)):
                if p == 0:
                    continue
                if masks[slot] is None:
                    masks[slot] = torch.ones(
                        len(self.members), self.batch_width, stack.width, device=self.device
                    )
                draw = torch.empty(size, units).bernoulli_(1 - p, generator=m.generator).div_(1 - p)
                masks[slot][m.row, :size, :units] = draw  # type: ignore[index]
        return masks

    def _loss_and_gradient(self, out: Tensor, y: Tensor, weight: Tensor) -> tuple[Tensor, Tensor]:
        """Each run's mean loss over its batch (N,), and its gradient with respect to the
        outputs (N, B, O): written out for the usual losses, from autograd otherwise."""
        task, loss = self.key.task, self.key.loss
        closed = (task, loss) in (("binary", "bce"), ("multiclass", "cross_entropy"))
        if closed or (task, loss) == ("regression", "mse"):
            mean = (self._per_example(out, y) * weight).sum(1)
            w = weight[..., None]
            if task == "binary":  # d/dz of BCE-with-logits: sigmoid(z) - y
                return mean, (torch.sigmoid(out) - y[..., None]) * w
            if task == "multiclass":  # of cross-entropy: softmax(z) - one-hot(y)
                target = F.one_hot(y, out.shape[-1]).to(out.dtype)
                return mean, (torch.softmax(out, -1) - target) * w
            return mean, (out - y) * (w * (2 / out.shape[-1]))  # of the mean squared error
        with torch.enable_grad():
            leaf = out.detach().requires_grad_()
            mean = (self._per_example(leaf, y) * weight).sum(1)
            (d_out,) = torch.autograd.grad(mean.sum(), leaf)
        return mean.detach(), d_out

    def _per_example(self, out: Tensor, y: Tensor) -> Tensor:
        """Each example's loss (N, B): objective.make_loss's, before its mean."""
        task, loss = self.key.task, self.key.loss
        if task == "binary":
            logit, target = out[..., 0], y.float()
            if loss == "bce":
                return F.binary_cross_entropy_with_logits(logit, target, reduction="none")
            regress = F.mse_loss if loss == "mse" else F.huber_loss
            return regress(torch.sigmoid(logit), target, reduction="none")
        if task == "multiclass":
            if loss == "cross_entropy":
                return F.cross_entropy(out.transpose(1, 2), y, reduction="none")
            target = F.one_hot(y, out.shape[-1]).to(out.dtype)
            return F.mse_loss(torch.softmax(out, -1), target, reduction="none").mean(-1)
        regress = F.mse_loss if loss == "mse" else F.huber_loss
        return regress(out, y, reduction="none").mean(-1)

    # --- bookkeeping between steps ---

    def _sync(self, m: Member) -> None:
        """Brings the run's step count and place in its epoch up to the group's clock."""
        steps = self.clock - m.synced_at
        m.run.step_count += steps
        m.s += steps
        m.trained += steps
        m.synced_at = self.clock

    def _check(
        self, members: list[Member], start: int, finite: list[bool] | None = None
    ) -> list[bool]:
        """Each run checks the losses of its steps since its last check (divergence), read
        in one go; returns whether each is done. `finite`: whether each row's weights are."""
        if not members:
            return []
        end = self.clock - start
        first = min(m.checked for m in members)
        rows = torch.tensor([m.row for m in members], device=self.device)
        window = self.losses[first:end, rows].T.tolist()
        done = []
        for m, values in zip(members, window, strict=True):
            weights_ok = True if finite is None else finite[m.row]
            done.append(m.run.check_losses(values[m.checked - first :], weights_ok))
            m.checked = end
        return done

    def _stop(self, m: Member) -> int:
        """The run sits out the rest of this turn; returns 1 if it was still stepping."""
        if not m.active:
            return 0
        m.active = False
        self.active[m.row] = False
        self.batch_index[m.row] = 0  # past its epoch's last batch, maybe: keep it in range
        return 1

    def _events(
        self,
        due: list[tuple[int, Member]],
        events: dict[int, list[tuple[int, Member]]],
        start: int,
    ) -> int:
        """Epoch ends (checked and measured together), then spent budgets; returns how
        many runs stopped."""
        members = [m for _, m in due if m.active]
        for m in members:
            self._sync(m)
        checked = dict(zip(map(id, members), self._check(members, start), strict=True))
        stopped, ended = 0, []
        for kind, m in due:
            if not m.active:
                continue
            if kind == 1 or checked[id(m)]:  # its budget is spent, or it diverged
                stopped += self._stop(m)
            else:
                ended.append(m)
        if not ended:
            return stopped
        lrs = self.hyper.lr.view(-1)
        changed, going_on = False, []
        for m, measured in zip(ended, self.measure([m.row for m in ended]), strict=True):
            m.run._end_epoch(measured)
            starts = m.new_epoch()
            if m.run.done:  # (its budget may have ended at the same step: stopped already)
                stopped += self._stop(m)
                continue
            going_on.append(m)
            events[self.clock + len(starts)].append((0, m))
            if m.run.lr != float(lrs[m.row]):  # a schedule moved it
                lrs[m.row], changed = m.run.lr, True
        self._fill_epochs(going_on)
        if changed:
            self.hyper.derive()
        return stopped

    def _finish_turn(self, start: int) -> None:
        """Brings every run up to date, and checks its last losses and its weights."""
        finite = (
            torch.stack([p.isfinite().flatten(1).all(1) for p in self.stack.params]).all(0).tolist()
        )
        active = [m for m in self.members if m.active]
        for m in active:
            self._sync(m)
        for m, done in zip(active, self._check(active, start, finite), strict=True):
            if done:
                self._stop(m)
        for m in self.members:
            self._sync_position(m)

    @torch.no_grad()
    def measure(self, rows: list[int]) -> list[Measured]:
        """Run.measure for some runs at once: losses and scores on all their examples (no
        dropout), and each layer's gradient norm from their last step."""
        at = torch.tensor(rows, device=self.device)
        train = self._quality(at, self.x_train, self.y_train, self.w_train)
        val = self._quality(at, self.x_val, self.y_val, self.w_val)
        stack = self.stack
        norms = torch.stack(
            [
                (
                    (stack.grads[2 * k][at] ** 2).sum((1, 2))
                    + (stack.grads[2 * k + 1][at] ** 2).sum((1, 2))
                ).sqrt()
                for k in range(stack.depth + 1)
            ],
            1,
        )
        has_val = self.has_val[at]
        nan = torch.tensor(float("nan"), device=self.device)
        numbers = torch.stack(
            [
                train[0],
                train[1],
                torch.where(has_val, val[0], nan),
                torch.where(has_val, val[1], nan),
            ],
            1,
        )
        out = []
        for row, line, layer_norms in zip(rows, numbers.tolist(), norms.tolist(), strict=True):
            layout = self.members[row].layout
            slots = [*range(len(layout.units)), stack.depth]
            grad_norms = {
                name: layer_norms[k] for name, k in zip(layout.modules, slots, strict=True)
            }
            out.append(Measured(line[0], line[1], line[2], line[3], grad_norms))
        return out

    def _quality(self, at: Tensor, x: Tensor, y: Tensor, weight: Tensor) -> tuple[Tensor, Tensor]:
        """Mean loss and accuracy (or R²) of runs `at` over their examples of one split."""
        out, _ = self.stack.forward(x[at], rows=at)
        y, weight = y[at], weight[at]
        loss = (self._per_example(out, y) * weight).sum(1)
        task = self.key.task
        if task == "regression":
            real = (weight > 0).to(out.dtype)[..., None]
            mean = (y * weight[..., None]).sum(1, keepdim=True)
            residual = (((y - out) ** 2) * real).sum((1, 2))
            total = (((y - mean) ** 2) * real).sum((1, 2))
            score = torch.where(total > 0, 1 - residual / total, torch.nan)
        else:
            guess = (out[..., 0] > 0).long() if task == "binary" else out.argmax(-1)
            score = ((guess == y).to(out.dtype) * weight).sum(1)
        return loss, score

"""Lesson mode in a real headless Chromium against a real server: a student opens a lesson,
answers its question, plays its runs side by side on shared axes and reads the verdict the
server measured; the menu lists the lessons; "how deep is deep" trains nothing."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from app.lessons import LESSONS
from tests.page.browser import shoot
from tests.page.test_playground import TIMEOUT

# ms: the server retrains the lesson's runs headless for the verdict (10-20 s, more on a
# shared 2-core machine) after the page has trained them (about 10 s at the lesson's pace)
VERDICT_TIMEOUT = 150_000
COMPARISON = "activations"  # four arms, 200 steps: the fastest comparison to check
ARMS = "article.arm"


def open_lesson(page: Page, query: str) -> None:
    page.goto(f"/{query}")
    expect(page.locator(".lesson-title")).to_be_visible(timeout=TIMEOUT)


def answer_and_play(page: Page, lesson_id: str, query: str = "") -> None:
    """Opens the lesson, answers its question and, once every arm is ready at step 0,
    presses Play, each with a real click."""
    lesson = LESSONS[lesson_id]
    open_lesson(page, f"?lesson={lesson_id}{query}")
    answer = lesson.question.choices[lesson.question.answer]
    page.get_by_role("radio", name=answer, exact=True).check()  # a real click, then checked
    wait_for_every_arm(page, "a.dataset.step === '0'")
    page.get_by_role("button", name="Play").click()


def wait_for_every_arm(page: Page, condition: str) -> None:
    """Waits until `condition` (JavaScript over an arm's card `a`) holds for every arm."""
    script = f"[...document.querySelectorAll('{ARMS}')].every((a) => {condition})"
    page.wait_for_function(script, timeout=TIMEOUT)


def arm_steps(page: Page) -> list[int]:
    steps = page.locator(ARMS).evaluate_all("(arms) => arms.map((a) => a.dataset.step)")
    return [int(s) for s in steps]


def test_a_comparison_lesson_plays_its_arms_together_and_gives_its_verdict(page: Page) -> None:
    lesson = LESSONS[COMPARISON]
    runs = list(lesson.runs)
    open_lesson(page, f"?lesson={COMPARISON}")
    expect(page.locator(".lesson-title")).to_have_text(lesson.title)
    expect(page.locator(f"{ARMS} h3")).to_have_text(runs)
    # the question first: Play waits for an answer
    play = page.get_by_role("button", name="Play")
    expect(play).to_be_disabled()
    answer = lesson.question.choices[lesson.question.answer]
    page.get_by_role("radio", name=answer, exact=True).check()
    expect(play).to_be_enabled()
    # the arms' runs are ready: each has said it is at step 0
    wait_for_every_arm(page, "a.dataset.step === '0'")

    play.click()
    expect(page.get_by_role("radio", name=answer, exact=True)).to_be_disabled()  # locked
    # Pause stops every arm: their counters hold still
    wait_for_every_arm(page, "Number(a.dataset.step) > 0")
    page.get_by_role("button", name="Pause").click()
    wait_for_every_arm(page, "a.querySelector('.arm-state').textContent === 'paused'")
    held = arm_steps(page)
    assert all(0 < s < lesson.steps for s in held), held
    page.wait_for_timeout(700)
    assert arm_steps(page) == held

    # Play again: each arm trains exactly the steps it has left, and stops at the budget
    page.get_by_role("button", name="Play").click()
    wait_for_every_arm(page, "a.dataset.finished === 'true'")
    assert arm_steps(page) == [lesson.steps] * len(runs)
    for arm in page.locator(ARMS).all():
        expect(arm.locator(".arm-step")).to_have_text(f"{lesson.steps} / {lesson.steps}")
        expect(arm.locator(".arm-loss")).to_have_text(re.compile(r"^\d+\.\d{3}$"))
    # one pair of shared axes, a series per arm, every series drawn
    charts = page.locator(".shared-charts figure.compare-chart")
    expect(charts).to_have_count(2)
    for chart in charts.all():
        expect(chart).to_have_attribute("data-series", str(len(runs)))
        expect(chart).to_have_attribute("data-points", re.compile(r"^[1-9]"))
        expect(chart.locator(".u-legend .u-series .u-label")).to_have_text(runs)
    # the lesson's highlight is marked
    expect(page.locator(f".look-here[data-view={lesson.highlight}]")).to_contain_text("look here")

    verdict = page.locator(".verdict")
    expect(verdict).to_contain_text("measuring…")
    expect(verdict).to_have_attribute(
        "data-state", re.compile("holds|fails"), timeout=VERDICT_TIMEOUT
    )
    expect(verdict.locator(".verdict-lines li")).to_have_count(len(lesson.verdict))
    expect(verdict.locator(".verdict-lines")).to_contain_text(re.compile(r"\d\.\d"))  # figures
    expect(verdict.locator(".verdict-answer")).to_have_text(f"Your answer, “{answer}”, was right.")
    shoot(page, "lesson-verdict")


def test_start_over_trains_every_arm_again_from_step_0(page: Page) -> None:
    """Start over replaces every arm's run (lessons/arm.js on the run controller): each
    counter goes back to 0, ready, and Play trains the new runs."""
    lesson = LESSONS[COMPARISON]
    answer = lesson.question.choices[lesson.question.answer]
    answer_and_play(page, COMPARISON)
    wait_for_every_arm(page, "Number(a.dataset.step) > 0")

    page.get_by_role("button", name="Start over").click()
    wait_for_every_arm(
        page, "a.dataset.step === '0' && a.querySelector('.arm-state').textContent === 'ready'"
    )
    expect(page.get_by_role("radio", name=answer, exact=True)).to_be_enabled()  # unlocked
    play = page.get_by_role("button", name="Play")
    expect(play).to_be_enabled()
    play.click()
    wait_for_every_arm(page, "Number(a.dataset.step) > 0")
    page.get_by_role("button", name="Pause").click()
    wait_for_every_arm(page, "a.querySelector('.arm-state').textContent === 'paused'")
    assert all(0 < s < lesson.steps for s in arm_steps(page)), arm_steps(page)


def test_the_menu_lists_every_lesson_in_order_and_opens_one(page: Page) -> None:
    page.goto("/?seed=3")
    page.wait_for_function("window.nnp && window.nnp.framesPainted > 0", timeout=TIMEOUT)
    menu = page.locator(".lessons-menu summary")
    menu.focus()
    page.keyboard.press("Enter")
    links = page.get_by_role("list", name="lessons").get_by_role("link")
    titles = [lesson.title for lesson in sorted(LESSONS.values(), key=lambda lesson: lesson.order)]
    expect(links.locator(".menu-title")).to_have_text(titles)
    page.keyboard.press("Escape")
    expect(links.first).to_be_hidden()

    menu.click()
    page.get_by_role("link", name=re.compile(re.escape(LESSONS["perceptron"].title))).click()
    expect(page).to_have_url(re.compile(r"/\?lesson=perceptron&seed=3$"))
    expect(page.locator(".lesson-title")).to_have_text(LESSONS["perceptron"].title)
    expect(page.locator(ARMS)).to_have_count(len(LESSONS["perceptron"].runs))
    # the playground's panels give way to the lesson's; the way back keeps the settings
    expect(page.locator("main.playground")).to_be_hidden()
    page.get_by_role("link", name="Back to the playground").click()
    expect(page).to_have_url(re.compile(r"/\?seed=3$"))
    expect(page.locator("main.playground")).to_be_visible()


def test_how_deep_shows_the_model_beside_famous_ones_without_play(page: Page) -> None:
    lesson = LESSONS["how-deep"]
    assert not lesson.runs
    open_lesson(page, "?lesson=how-deep&layers=dense:8:relu,dense:8:relu")
    scale = page.get_by_role("img", name=re.compile("How deep is deep"))
    expect(scale).to_be_visible()
    # the address's model: 2 → 8 → 8 → 1 is 3 layers with weights, 24 + 72 + 9 parameters
    expect(scale).to_have_attribute(
        "aria-label", re.compile(r"your model: 3 layers, 105 parameters")
    )
    expect(page.get_by_role("button", name="Play")).to_have_count(0)
    expect(page.locator(ARMS)).to_have_count(0)
    # answering gives the verdict at once: nothing to train
    answer = lesson.question.choices[lesson.question.answer]
    page.get_by_role("radio", name=answer, exact=True).check()
    expect(page.locator(".verdict-answer")).to_have_text(
        f"Your answer, “{answer}”, was right.", timeout=TIMEOUT
    )


def test_a_lesson_on_a_phone_stacks_and_a_classroom_link_hides_the_way_out(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    open_lesson(page, f"?lesson={COMPARISON}&hide=lessons,back&present=1")
    expect(page.locator(ARMS)).to_have_count(len(LESSONS[COMPARISON].runs))
    page.wait_for_function(
        "[...document.querySelectorAll('.compare-chart')].every((c) => c.dataset.series)",
        timeout=TIMEOUT,
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    boxes = [arm.bounding_box() for arm in page.locator(ARMS).all()]
    assert all(b is not None for b in boxes)
    xs = {round(b["x"]) for b in boxes if b}
    assert len(xs) == 1, f"the arms are not stacked: {boxes}"
    expect(page.locator(".lessons-menu")).to_be_hidden()
    expect(page.get_by_role("link", name="Back to the playground")).to_be_hidden()
    expect(page.locator("html")).to_have_class(re.compile("present"))
    shoot(page, "lesson-phone")


def test_the_gan_lesson_trains_in_the_page_with_charts_for_gans(page: Page) -> None:
    lesson = LESSONS["gan"]
    runs = list(lesson.runs)
    open_lesson(page, "?lesson=gan")
    expect(page.locator(f"{ARMS} h3")).to_have_text(runs)
    answer = lesson.question.choices[lesson.question.answer]
    page.get_by_role("radio", name=answer, exact=True).check()
    wait_for_every_arm(page, "a.dataset.step === '0'")
    page.get_by_role("button", name="Play").click()
    wait_for_every_arm(page, "Number(a.dataset.step) > 0")
    # the GAN's own charts: each network's loss, over steps, no "validation data" in sight
    charts = page.locator(".shared-charts figure.compare-chart")
    expect(charts).to_have_count(2)
    expect(page.locator(".shared-charts")).to_contain_text("Discriminator loss")
    expect(page.locator(".shared-charts")).to_contain_text("Generator loss")
    expect(page.locator(".shared-charts")).not_to_contain_text("validation")
    for chart in charts.all():
        expect(chart).to_have_attribute("data-points", re.compile(r"^[1-9]"), timeout=TIMEOUT)
    # each arm draws its plane and reads out both losses
    for arm in page.locator(ARMS).all():
        expect(arm.locator("[data-view=gan_plane] canvas.plane-overlay")).to_be_visible()
        expect(arm.locator(".arm-loss")).to_have_text(re.compile(r"^\d+\.\d{3}$"), timeout=TIMEOUT)
    expect(page.locator(".look-here[data-view=gan_plane]")).to_have_count(len(runs))
    shoot(page, "lesson-gan")
    page.get_by_role("button", name="Pause").click()


def test_each_lesson_draws_its_loss_chart_on_the_axis_it_asks_for(page: Page) -> None:
    """learning-rate: a log axis, so the diverging arm does not flatten the other two;
    mse-vs-cross-entropy: an axis per loss on each side; overfitting: the validation loss
    first. Nothing trains: the charts are laid out when the lesson opens."""
    loss = page.locator(".shared-charts section[data-view=loss] figure.compare-chart")

    open_lesson(page, "?lesson=learning-rate")
    expect(loss).to_have_attribute("data-y-axis", "log", timeout=TIMEOUT)
    expect(loss.locator("figcaption")).to_have_text("Loss on the training data (log scale)")
    expect(loss.locator(".u-axis")).to_have_count(2)  # steps, and one y axis

    open_lesson(page, "?lesson=mse-vs-cross-entropy")
    expect(loss).to_have_attribute("data-y-axis", "per-loss", timeout=TIMEOUT)
    expect(loss.locator(".u-axis")).to_have_count(3)  # steps, cross-entropy's, squared error's
    expect(loss.locator(".u-legend .u-series .u-label")).to_have_text(
        list(LESSONS["mse-vs-cross-entropy"].runs)
    )

    open_lesson(page, "?lesson=overfitting")
    expect(loss).to_have_attribute("data-y-axis", "linear", timeout=TIMEOUT)
    expect(loss.locator("figcaption")).to_have_text("Loss on the validation data")
    expect(page.get_by_label("Loss: which data")).to_have_value("val")


def test_the_residual_lesson_trains_its_skip_connections_in_the_page(page: Page) -> None:
    """A lesson whose arm has 20 layers and 9 skips: the worker builds and trains it and
    streams its frames like any other (the verdict's figures: docs/lessons.md)."""
    lesson = LESSONS["residual"]
    open_lesson(page, "?lesson=residual")
    expect(page.locator(f"{ARMS} h3")).to_have_text(list(lesson.runs))
    answer = lesson.question.choices[lesson.question.answer]
    page.get_by_role("radio", name=answer, exact=True).check()
    wait_for_every_arm(page, "a.dataset.step === '0'")
    page.get_by_role("button", name="Play").click()
    wait_for_every_arm(page, "Number(a.dataset.step) >= 20")
    # every one of the residual arm's 20 dense layers has its gradient bar; the last of them
    # is child 28, after 9 skips (which have no weights, so no bar)
    view = page.get_by_role("article", name="run residual").locator("[data-view=grad_norms]")
    expect(view).to_contain_text("look here")
    expect(view).to_contain_text("dense28")
    expect(view).not_to_contain_text("skip")


# JavaScript: how many distinct colours a canvas holds (1 for a blank one)
CANVAS_COLOURS = """(c) => {
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  const seen = new Set();
  for (let i = 0; i < d.length; i += 4) seen.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
  return seen.size;
}"""


def test_the_adversarial_lesson_draws_the_attacked_digit(page: Page) -> None:
    """The highlighted view draws a real digit, the change the fast gradient sign method
    makes to it and the changed digit, with the network's answers, as the arm trains."""
    answer_and_play(page, "adversarial")

    view = page.locator(".look-here[data-view=adversarial]")
    expect(view).to_contain_text("look here")
    before = view.locator(".adv-before")
    expect(before).to_have_text(re.compile(r"^network: \d \(\d+%\)$"), timeout=TIMEOUT)
    expect(view.locator(".adv-after")).to_have_text(re.compile(r"^network: \d \(\d+%\)$"))
    expect(view.locator(".adv-eps")).to_have_text("each pixel ±0.15 (amplified)")
    first = before.text_content()
    # the figures follow training: the answer's probability moves as the network learns
    page.wait_for_function(
        "(t) => document.querySelector('.look-here[data-view=adversarial] .adv-before')"
        ".textContent !== t",
        arg=first,
        timeout=TIMEOUT,
    )
    for name in ("the digit", "the change to each pixel, amplified", "the changed digit"):
        canvas = view.get_by_role("img", name=name, exact=True)
        expect(canvas).to_have_attribute("width", "8")
        assert canvas.evaluate(CANVAS_COLOURS) > 2, name  # a digit, not a blank canvas
    view.scroll_into_view_if_needed()
    shoot(page, "lesson-adversarial")
    page.get_by_role("button", name="Pause").click()

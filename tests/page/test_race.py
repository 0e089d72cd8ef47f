"""The playground's "Race a variant" in a real headless Chromium against a real server: the
network beside a copy with one change, trained together on shared axes by one Play, paused
together; the race's address reloads it, a hostile one is a link problem, a third run joins.
(In class mode: tests/page/test_page_class.py.)"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.page.test_lessons import ARMS, arm_steps, wait_for_every_arm
from tests.page.test_playground import TIMEOUT

pytestmark = pytest.mark.slow

RACE_STEPS = 2000  # static/js/race/race.js


def race_names(page: Page) -> list[str]:
    return page.locator(f"{ARMS} h3").all_inner_texts()


def retype(page: Page, text: str) -> None:
    """Types `text` over what the focused field holds."""
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def test_race_a_variant_trains_both_on_shared_charts_and_reloads(page: Page) -> None:
    page.goto("/?seed=3&dataset=xor")
    picker = page.locator("#race")
    expect(picker.get_by_role("combobox", name="Change")).to_have_value("optimizer")
    value = picker.get_by_role("combobox", name="to")
    expect(value).to_have_value("momentum")  # the first that differs from yours (sgd)
    value.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(value).to_have_value("adam")
    picker.get_by_role("button", name="Race", exact=True).click()
    expect(page).to_have_url(re.compile(r"/\?seed=3&dataset=xor&race=optimizer:adam$"))

    expect(page.locator("main.playground")).to_be_hidden()
    expect(page.locator(f"{ARMS} h3")).to_have_text(["yours", "the variant"])
    expect(page.get_by_role("list", name="what differs")).to_have_text(
        "the variant: optimizer adam instead of sgd"
    )
    wait_for_every_arm(page, "a.dataset.step === '0'")
    page.get_by_role("button", name="Play").click()
    wait_for_every_arm(page, "Number(a.dataset.step) > 0")
    page.get_by_role("button", name="Pause").click()
    wait_for_every_arm(page, "a.querySelector('.arm-state').textContent === 'paused'")
    held = arm_steps(page)
    assert all(0 < s < RACE_STEPS for s in held), held

    # the loss and the accuracy of both runs on one pair of axes, each run's output map
    charts = page.locator(".shared-charts figure.compare-chart")
    expect(charts).to_have_count(2)
    for chart in charts.all():
        expect(chart).to_have_attribute("data-series", "2")
        expect(chart).to_have_attribute("data-points", re.compile(r"^[1-9]"))
        expect(chart.locator(".u-legend .u-series .u-label")).to_have_text(["yours", "the variant"])
    for arm in page.locator(ARMS).all():
        expect(arm.locator("[data-view=boundary] canvas.boundary-map")).to_be_visible()
    assert arm_steps(page) == held  # paused: neither has trained since

    page.reload()
    expect(page.locator(f"{ARMS} h3")).to_have_text(["yours", "the variant"], timeout=TIMEOUT)
    expect(page.get_by_role("list", name="what differs")).to_have_text(
        "the variant: optimizer adam instead of sgd"
    )
    # the race's runs again, ready for Play (a reload starts them afresh)
    wait_for_every_arm(
        page, "a.dataset.step === '0' && a.querySelector('.arm-state').textContent === 'ready'"
    )
    page.get_by_role("link", name="Back to the playground").click()
    expect(page).to_have_url(re.compile(r"/\?seed=3&dataset=xor$"))
    expect(page.locator("main.playground")).to_be_visible()


def test_a_hostile_race_link_is_a_link_problem_and_opens_the_playground(page: Page) -> None:
    page.goto("/?seed=3&hide=race&race=lr:1e999,wings:%3Cb%3E,lr:0.03,x")
    problems = page.locator("#link-problems")
    expect(problems).to_contain_text("race: lr: '1e999' is not a number", timeout=TIMEOUT)
    expect(problems).to_contain_text("race: 'wings' is not a change a race makes")
    expect(problems).to_contain_text("race: lr: learning rate is 0.03 already")
    expect(problems).to_contain_text("race: 4 variants asked; at most 3")
    expect(page.locator("main.playground")).to_be_visible()
    expect(page.locator(ARMS)).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/\?seed=3&hide=race$"))  # the race is left out
    expect(page.locator("section.race")).to_be_hidden()  # hidden by a classroom link


def test_a_third_run_joins_and_a_bad_value_is_refused_in_words(page: Page) -> None:
    page.goto("/?race=optimizer:adam")
    expect(page.locator(f"{ARMS} h3")).to_have_text(["yours", "the variant"], timeout=TIMEOUT)
    more = page.get_by_role("region", name="Add a variant")
    more.get_by_role("combobox", name="Change").focus()
    page.keyboard.press("ArrowDown")  # optimizer -> learning rate
    field = more.get_by_role("textbox", name="to")
    expect(field).to_have_value("0.03")
    field.click()
    retype(page, "-1")
    page.keyboard.press("Enter")
    expect(more.locator("[data-error-for=race-value]")).to_have_text(
        "learning rate: -1 is not more than 0"
    )
    retype(page, "0.3")
    more.get_by_role("button", name="Add to the race").click()
    expect(page).to_have_url(re.compile(r"/\?race=optimizer:adam,lr:0\.3$"))
    expect(page.locator(f"{ARMS} h3")).to_have_text(["yours", "variant 1", "variant 2"])
    expect(page.get_by_role("list", name="what differs").get_by_role("listitem")).to_have_text(
        ["variant 1: optimizer adam instead of sgd", "variant 2: learning rate 0.3 instead of 0.03"]
    )

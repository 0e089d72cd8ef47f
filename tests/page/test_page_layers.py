"""The layer types the spec gained in issue 19 (a separate activation, a skip connection),
added with the real mouse and keyboard on the playground: each card's controls come from the
catalog, the server validates the shapes, and a skip that cannot add says why on its card."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.page.test_playground import TIMEOUT, open_page

pytestmark = pytest.mark.slow


def choose(page: Page, label: str, option: str) -> None:
    """Picks `option` of the select named `label` as a person does: a click on it, then the
    keyboard (type the option's first letters, Enter)."""
    page.get_by_role("combobox", name=label, exact=True).click()
    page.keyboard.type(option)
    page.keyboard.press("Enter")


def test_batch_norm_activation_and_a_skip_built_with_mouse_and_keyboard(page: Page) -> None:
    open_page(page, "?layers=dense:4:linear,dense:4:tanh")
    page.get_by_role("button", name="Add a hidden layer").click()
    expect(page.locator(".card")).to_have_count(3)
    choose(page, "Layer 2", "batchnorm")
    page.get_by_role("button", name="Add a hidden layer").click()
    choose(page, "Layer 4", "skip")
    expect(page).to_have_url(re.compile(r"layers=dense:4:linear,batchnorm,dense:4:tanh,skip:2"))
    card = page.locator(".card[aria-label='layer 4']")
    expect(card).to_contain_text("out (4) · 0 params", timeout=TIMEOUT)

    # now the activation layer after batch norm: Linear -> BatchNorm -> ReLU
    choose(page, "Layer 3", "activation")
    expect(page).to_have_url(re.compile(r"layers=dense:4:linear,batchnorm,activation:relu,skip"))
    activation = page.locator(".card[aria-label='layer 3']")
    expect(activation).to_contain_text("out (4) · 0 params", timeout=TIMEOUT)

    # a skip back to the 2 input features cannot add them to 4 values: the validator's words
    over = page.get_by_role("spinbutton", name="layers skipped")
    over.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    expect(card.get_by_role("alert")).to_have_text(
        "skip adds the input of layer 1 (a vector of 2 values) to the output of layer 3 "
        "(a vector of 4 values); the shapes must match",
        timeout=TIMEOUT,
    )
    over.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    expect(card.locator("[data-error-for='layers.3']")).to_have_text("", timeout=TIMEOUT)
    expect(card).to_contain_text("out (4) · 0 params")


def test_standardise_inputs_is_a_checkbox_in_the_data_panel(page: Page) -> None:
    """data.normalize from the page: off by default for points (the catalog's
    default_normalize), a click turns it on, the link keeps it, and the run trains on it."""
    open_page(page, "?features=x1,x2,x1%5E2")
    box = page.get_by_role("checkbox", name="Standardise inputs")
    expect(box).not_to_be_checked()
    # the page asks the real validator about the spec with the box ticked, and it is valid
    with page.expect_response(
        lambda r: "/api/validate" in r.url and '"normalize":true' in (r.request.post_data or ""),
        timeout=TIMEOUT,
    ) as answer:
        box.click()
    assert answer.value.ok
    expect(box).to_be_checked()
    expect(page).to_have_url(re.compile(r"normalize=1"))
    page.reload()
    expect(page.get_by_role("checkbox", name="Standardise inputs")).to_be_checked()

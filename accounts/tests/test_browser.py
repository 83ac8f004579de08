import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_newcomer_signs_up_logs_out_and_back_in(live_url, page):
    page.goto(live_url)
    page.get_by_role("link", name="Register as a patient").click()
    page.get_by_label("Full name").fill("Nina Patel")
    page.get_by_label("Email").fill("nina@example.com")
    page.get_by_placeholder("Password", exact=True).fill("Correct-Horse-42")
    page.get_by_placeholder("Password (again)").fill("Correct-Horse-42")
    page.get_by_role("button", name="Sign Up").click()

    expect(page.get_by_role("heading", name="Hello, Nina")).to_be_visible()
    page.get_by_role("button", name=re.compile("Nina")).click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("navigation").get_by_role("link", name="Log in")).to_be_visible()

    page.get_by_role("navigation").get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill("nina@example.com")
    page.get_by_label("Password").fill("Correct-Horse-42")
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/patients/dashboard/$"))
    expect(page.get_by_text("Patient no.")).to_be_visible()


def test_super_admin_sees_platform_counts(live_url, page, browser_login, super_admin, hospital, doctor, patient):
    browser_login(page, super_admin.email)

    expect(page.get_by_role("heading", name="Platform overview")).to_be_visible()
    expect(page.locator("[data-stat=hospitals]")).to_have_text("1")
    expect(page.locator("[data-stat=doctors]")).to_have_text("1")
    expect(page.locator("[data-stat=patients]")).to_have_text("1")

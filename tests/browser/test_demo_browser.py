"""The demo city in a real browser: Debian's Chromium driven by Playwright, screenshots saved.

Builds a small demo city with the real command (`xingcheng demo --no-serve`), serves it with
`xingcheng serve` in a subprocess, then logs in as a department's data administrator the way a person
would. Screenshots go to test-results/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support import IN_CI

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).parents[2] / "test-results" / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


DEMO: dict[str, Path] = {}


def _need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail("Debian's chromium is missing (CI=true: browser tests must run)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium fonts-noto-cjk)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _need_chromium()
    data = tmp_path_factory.mktemp("demo")
    DEMO["data"] = data
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINGCHENG_")}
    env.update(
        {
            "XINGCHENG_DATA_DIR": str(data),
            "XINGCHENG_PASSWORD_TIME_COST": "1",
            "XINGCHENG_PASSWORD_MEMORY_KIB": "1024",
            "XINGCHENG_LOG_FORMAT": "json",
        }
    )
    exe = str(Path(sys.executable).with_name("xingcheng"))
    build = subprocess.run(
        [exe, "demo", "--no-serve", "--persons", "800"], env=env, capture_output=True, text=True, timeout=600
    )
    assert build.returncode == 0, build.stderr[-2000:]
    assert "gaj.admin" in build.stdout  # the accounts are printed
    port = _free_port()
    proc = subprocess.Popen(
        [exe, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(base + "/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            pytest.fail("the demo server did not become ready")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_data_admin_logs_in_and_reaches_the_department(demo_server: str, browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(demo_server + "/")
    assert page.locator("[data-pillar]").count() == 5
    for name in ("基础一底座", "数据一本帐", "运行一中台", "支撑一平台", "服务一入口"):
        assert page.get_by_role("heading", name=name).is_visible()
    _shot(page, "01-home")

    page.get_by_role("link", name="登录").click()
    page.get_by_label("用户名").fill("gaj.admin")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_role("alert").inner_text() == "用户名或密码错误"
    _shot(page, "02-login-failed")

    page.get_by_label("密码").fill("Xingcheng@2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/departments/*")
    assert page.get_by_test_id("department-name").inner_text() == "长沙市公安局"
    assert page.get_by_text("huji-app").is_visible()
    _shot(page, "03-department")

    page.get_by_role("button", name="生成新密钥").first.click()
    key = page.get_by_test_id("issued-key").inner_text()
    assert key.startswith("xck_")
    _shot(page, "04-key-issued")

    # The key works once, for the API; the page never shows it again.
    assert httpx.get(demo_server + "/api/identity/me", headers={"X-API-Key": key}).json()["kind"] == "api_client"
    page.goto(demo_server + f"/departments/{page.get_by_test_id('department-name').get_attribute('data-id')}")
    assert key not in page.content()

    page.get_by_role("link", name="English").click()
    assert page.get_by_test_id("department-name").inner_text() == "长沙市公安局"
    assert page.get_by_role("heading", name="Client systems and API keys").is_visible()
    _shot(page, "05-department-en")
    context.close()


def _login(browser, base: str, username: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("Xingcheng@2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    return context, page


def test_person_page_shows_what_the_departments_grant_allows(demo_server: str, browser) -> None:
    import sqlite3

    with sqlite3.connect(DEMO["data"] / "xingcheng.db") as con:
        person_no, id_number, name = con.execute(
            "SELECT person_no, id_number, name FROM registry_person WHERE state = 'active' AND phone IS NOT NULL "
            "ORDER BY id LIMIT 1"
        ).fetchone()

    # 公安: a grant on 人口基础库 with names and phones in clear, everything else masked.
    context, page = _login(browser, demo_server, "gaj.admin")
    page.get_by_role("link", name="基础库").click()
    page.get_by_role("link", name="人口查询").click()
    page.locator("input[name=q]").fill(person_no)
    page.locator("input[name=q]").press("Enter")
    page.wait_for_url(f"**/registries/persons/{person_no}")
    assert page.get_by_text(name, exact=True).first.is_visible()  # the name is unmasked by the grant
    assert id_number not in page.content()  # the ID number is not
    assert page.get_by_text(id_number[:6] + "********" + id_number[-4:]).first.is_visible()
    assert page.get_by_text("已授权明文").first.is_visible()
    _shot(page, "07-person-granted")
    context.close()

    # 卫健委 holds no grant on the registry: refused, audited, with the way to ask for one.
    context, page = _login(browser, demo_server, "wjw.admin")
    response = page.goto(demo_server + f"/registries/persons/{person_no}")
    assert response is not None and response.status == 403
    assert page.get_by_role("heading", name="无权读取基础库记录").is_visible()
    assert name not in page.content() and id_number[:6] + "********" not in page.content()
    _shot(page, "08-person-refused")
    page.get_by_role("link", name="在共享交换平台申请该资源").click()
    page.wait_for_url("**/exchange/requests/new?resource_id=*")
    _shot(page, "09-person-request-form")
    context.close()


def test_home_works_on_a_phone(demo_server: str, browser) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    page.goto(demo_server + "/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    _shot(page, "06-home-phone")
    context.close()


def test_screenshots_have_chinese_glyphs() -> None:
    # Without fonts-noto-cjk Chinese renders as empty boxes; check the font is installed when we can.
    if shutil.which("fc-list") is None:
        pytest.skip("fontconfig tools not installed")
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    if not fonts.strip():
        if IN_CI:
            pytest.fail("no Chinese font: apt-get install fonts-noto-cjk")
        pytest.skip("no Chinese font installed")

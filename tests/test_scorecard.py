"""The scorecard site and the row pictures, on the two-year warehouse (the Milano fixture
and its generated 2021 variant, tests/nextyear.py) built by the real `ingest` command."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import duckdb
import pytest
from babel.numbers import format_percent
from conftest import FIXTURE_PDF, fold
from nextyear import build_next_year_report
from PIL import Image
from test_multiyear import cli, new_setup

from perf_pipeline.report import crops

pytestmark = pytest.mark.slow

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Page(HTMLParser):
    """The KPI rows (tr id → text), the links and the image sources of a page."""

    def __init__(self, path: Path):
        super().__init__()
        self.rows: dict[str, str] = {}
        self.years: list[str] = []
        self.links: list[str] = []
        self._row: str | None = None
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and attrs.get("id"):
            self._row = attrs["id"]
            self.rows[self._row] = ""
        if tag == "tr" and attrs.get("data-year"):
            self.years.append(attrs["data-year"])
        for name in ("href", "src"):
            if attrs.get(name):
                self.links.append(attrs[name])

    def handle_endtag(self, tag):
        if tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._row:
            self.rows[self._row] += data


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("scorecard")
    raw, db, env = new_setup(root)
    shutil.copy(FIXTURE_PDF, raw)
    build_next_year_report(raw)
    cli(env, "ingest")
    return root, db, env


@pytest.fixture(scope="module")
def site(warehouse):
    root, db, env = warehouse
    out = root / "site"
    printed = cli(env, "scorecard", "-o", str(out))
    index = out / "index.html"
    assert printed.strip() == str(index.resolve())
    return out


def pages_of(site: Path) -> dict[Path, Page]:
    return {path: Page(path) for path in [site / "index.html",
                                          *sorted((site / "reports").glob("*.html"))]}


def test_scorecard_holds_every_counted_kpi_and_both_years(warehouse, site):
    _, db, _ = warehouse
    index = Page(site / "index.html")
    assert sorted(index.years) == ["2020", "2021"]
    reports = query(db, "SELECT report, entity, year, met, kpis FROM summary_by_report")
    assert len(reports) == 2
    for report, entity, year, met, kpis in reports:
        page_links = [link for link in index.links if link.startswith("reports/")
                      and link.endswith(".html")]
        pages = {link: Page(site / link) for link in page_links}
        (link, page), = [(link, p) for link, p in pages.items()
                         if f"{entity} · {year}" in (site / link).read_text()]
        counted = query(db, f"""SELECT page, row_index, kpi, status FROM kpis
                                WHERE report = '{report}' AND NOT is_duplicate""")
        assert len(counted) == kpis
        # Exactly the counted KPIs, each with its printed text and its status.
        assert set(page.rows) == {f"p{p}-r{r}" for p, r, _, _ in counted}
        labels = {"met": "raggiunto", "partial": "parziale", "not met": "non raggiunto",
                  "unscorable": "non valutabile"}
        for p, r, kpi, status in counted:
            text = fold(page.rows[f"p{p}-r{r}"])
            assert fold(kpi) in text
            assert labels[status] in text
        # The share met, in Italian number format, next to the year on the index.
        share = format_percent(met / kpis, format="#,##0.#%", locale="it_IT")
        assert share in (site / "index.html").read_text()
    text = (site / "index.html").read_text()
    assert "Andamento anno su anno" in text and "p.p." in text  # the 2021 changes by area


def test_every_link_and_image_of_the_site_is_there(site):
    checked = 0
    for path, page in pages_of(site).items():
        for link in page.links:
            target = urlsplit(link)
            assert not target.scheme and not target.netloc, link  # nothing from a network
            assert (path.parent / unquote(target.path)).is_file(), (path, link)
            checked += 1
    assert checked > 2 * 67  # the row pictures and the PDF pages of both reports


def test_every_row_has_a_png_of_its_table_with_the_row_framed(warehouse):
    _, db, _ = warehouse
    rows = query(db, "SELECT report, source_image, x0, x1 FROM kpis")
    assert {r for r, *_ in rows} == {FIXTURE_PDF.name, "milano_performance_2021.pdf"}
    for _report, source_image, x0, x1 in rows:
        path = db.parent / source_image
        assert path.read_bytes()[:8] == PNG_SIGNATURE, path
        with Image.open(path) as image:
            assert image.width >= (x1 - x0) * crops.SCALE
            colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
        assert crops.HIGHLIGHT_EDGE[:3] in {c for _, c in colours}, path


def test_pictures_are_rendered_once_per_content(warehouse, site):
    root, db, env = warehouse
    pictures = sorted((db.parent / "sources").rglob("*.png"))
    before = {p: p.stat().st_mtime_ns for p in pictures}
    cli(env, "ingest", "--force")
    assert {p: p.stat().st_mtime_ns for p in pictures} == before
    assert sorted((db.parent / "sources").rglob("*.png")) == pictures
    # The ingest wrote its own scorecard too (the Dagster asset).
    assert Page(db.parent / "scorecard" / "index.html").years == ["2020", "2021"]


def test_english_labels_and_number_format(warehouse, tmp_path):
    _, db, env = warehouse
    cli(env, "scorecard", "-o", str(tmp_path / "en"), "--lang", "en")
    text = (tmp_path / "en" / "index.html").read_text()
    ((met, kpis),) = query(db, "SELECT met, kpis FROM summary_by_report WHERE year = 2021")
    assert format_percent(met / kpis, format="#,##0.#%", locale="en_GB") in text
    assert "Year over year" in text and "raggiunto" not in text
    out = cli(env, "scorecard", "-o", str(tmp_path / "x"), "--lang", "fr", code=1)
    assert "unknown language 'fr'" in out and "Traceback" not in out


def chromium_console(url: str, profile: Path) -> list[str]:
    """What the page wrote to the console (messages, uncaught errors) in headless
    Chromium, from its log on stderr."""
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
         "--dump-dom", url],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "</html>" in proc.stdout
    return [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian: apt-get "
                    "install chromium)")
def test_pages_open_in_headless_chromium_without_console_errors(site, tmp_path):
    # The detector sees what it must: an uncaught error of a broken page.
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><html><body><script>notDefined();</script></body></html>")
    assert any("notDefined" in line for line in
               chromium_console(broken.as_uri(), tmp_path / "profile"))
    for path in pages_of(site):
        assert chromium_console(path.as_uri(), tmp_path / "profile") == [], path


def test_pictures_on_worker_processes_are_the_same_as_in_process(warehouse, tmp_path):
    _, db, _ = warehouse
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT page, table_index, row_index, x0, top, x1, bottom, "
                           "source_image FROM kpis WHERE report = $r",
                           {"r": FIXTURE_PDF.name}).df()
    jobs = [crops.CropJob(f"copy{i}", FIXTURE_PDF, rows, tmp_path / str(i))
            for i in range(crops.MIN_REPORTS_PER_POOL)]
    done = list(crops.write_all(jobs, workers=2))
    assert done == [(job.report, len(rows), None) for job in jobs]
    for name in rows["source_image"]:
        assert {(tmp_path / str(i) / name).read_bytes() for i in range(len(jobs))} == {
            (db.parent / name).read_bytes()}


def test_pictures_drawn_at_extraction_are_the_warehouse_ones(warehouse, tmp_path):
    """The extraction workers draw a report's pictures from its parsed rows; the scoring
    step, from the warehouse's: the same files under the same names."""
    from perf_pipeline.extract import extract_report
    from perf_pipeline.raw_folder import file_sha256
    from perf_pipeline.warehouse import store

    _, db, _ = warehouse
    extraction = extract_report(FIXTURE_PDF)
    drawn = crops.write_extraction_crops(FIXTURE_PDF, extraction.records,
                                         file_sha256(FIXTURE_PDF), tmp_path / "parsed")
    with duckdb.connect(str(db), read_only=True) as con:
        rows = store.source_rows(con, FIXTURE_PDF.name)
    assert drawn == crops.write_crops(FIXTURE_PDF, rows, tmp_path / "loaded") == len(rows)
    parsed = sorted(p.relative_to(tmp_path / "parsed")
                    for p in (tmp_path / "parsed").rglob("*.png"))
    assert parsed == sorted(Path(name) for name in rows["source_image"])
    for name in parsed:
        assert (tmp_path / "parsed" / name).read_bytes() == (
            tmp_path / "loaded" / name).read_bytes() == (db.parent / name).read_bytes()

"""A report's table as CSV, Excel and PDF, read back with csv, openpyxl and pypdf."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from pypdf import PdfReader

from smarttask.reports.charts import bar_chart, burnup_chart
from smarttask.reports.formats import pdf_file
from smarttask.reports.formats.csv_file import csv_chunks
from smarttask.reports.formats.pdf_file import pdf_bytes
from smarttask.reports.formats.xlsx_file import sheet_name, xlsx_bytes

COLUMNS = ["day", "created", "completed", "rate", "note"]
ROWS: list[list[str | int | float | None]] = [
    ["2026-11-30", 3, 2, 0.5, "plain"],
    ["2026-12-01", 0, 0, None, 'commas, "quotes"\nand a newline'],
    ["2026-12-02", -4, 1, 1.25, "Zoë, Łódź, 東京, emoji \U0001f600"],
    ["2026-12-03", 1, 1, 0.0, '=HYPERLINK("http://evil.example","click")'],
]


def read_csv(columns: list[str], rows: list[list[str | int | float | None]]) -> list[list[str]]:
    data = b"".join(csv_chunks(columns, rows))
    assert not data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


# --- CSV ----------------------------------------------------------------------------------


def test_csv_round_trips_through_a_csv_reader() -> None:
    header, *rows = read_csv(COLUMNS, ROWS)
    assert header == COLUMNS
    assert rows[0] == ["2026-11-30", "3", "2", "0.5", "plain"]
    assert rows[1] == ["2026-12-01", "0", "0", "", 'commas, "quotes"\nand a newline']
    assert rows[2][4] == "Zoë, Łódź, 東京, emoji \U0001f600"
    assert rows[2][1] == "-4"  # a number is left alone, even negative


def test_csv_defuses_cells_a_spreadsheet_would_run_as_formulas() -> None:
    cells = ['=HYPERLINK("http://x")', "+1", "-1+2", "@SUM(A1)", "\tTAB", "\rCR", "a=b", ""]
    _, row = read_csv(["cell"] * len(cells), [list(cells)])
    assert row == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-1+2",
        "'@SUM(A1)",
        "'\tTAB",
        "'\rCR",
        "a=b",
        "",
    ]


def test_csv_uses_rfc_4180_line_ends_and_streams_in_chunks() -> None:
    rows: list[list[str | int | float | None]] = [[n, f"row {n}"] for n in range(1201)]
    chunks = list(csv_chunks(["n", "text"], rows))
    assert chunks[0] == b"n,text\r\n"  # the header goes out before any row is read
    assert len(chunks) == 1 + 3  # then 500, 500 and the last 201 rows
    assert b"".join(chunks).endswith(b"1200,row 1200\r\n")


def test_csv_of_no_rows_is_its_header() -> None:
    assert b"".join(csv_chunks(["a", "b"], [])) == b"a,b\r\n"


# --- Excel --------------------------------------------------------------------------------


def test_xlsx_gives_back_header_dates_numbers_and_text() -> None:
    data = xlsx_bytes("Daily flow", COLUMNS, ROWS)
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    assert sheet is not None
    assert sheet.title == "Daily flow"
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == COLUMNS
    assert all(sheet.cell(1, n).font.b for n in range(1, len(COLUMNS) + 1))
    assert values[1] == [datetime(2026, 11, 30), 3, 2, 0.5, "plain"]
    assert values[2] == [datetime(2026, 12, 1), 0, 0, None, 'commas, "quotes"\nand a newline']
    assert values[3][1:4] == [-4, 1, 1.25]
    assert values[3][4] == "Zoë, Łódź, 東京, emoji \U0001f600"
    assert sheet.cell(2, 1).is_date
    assert sheet.cell(2, 1).number_format == "yyyy-mm-dd"
    assert isinstance(sheet.cell(2, 2).value, int)
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["E"].width > sheet.column_dimensions["B"].width


def test_xlsx_text_is_never_a_formula() -> None:
    data = xlsx_bytes("t", ["a", "b"], [["=1+1", '=HYPERLINK("http://x","y")']])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert sheet["A2"].value == "=1+1"
    assert sheet["A2"].data_type == "s"
    assert sheet["B2"].data_type == "s"


def test_xlsx_writes_iso_dates_of_any_column_and_leaves_other_text() -> None:
    rows: list[list[str | int | float | None]] = [["2026-02-30", "2026-11-30", "2026-W48"]]
    data = xlsx_bytes("t", ["day", "due", "week"], rows)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert [c.value for c in sheet[2]] == ["2026-02-30", datetime(2026, 11, 30), "2026-W48"]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Workload", "Workload"),
        ("Q4 [draft]: a/b\\c*?", "Q4 draft a b c"),
        (
            "A title far longer than Excel's thirty-one characters",
            "A title far longer than Excel's",
        ),
        ("'quoted'", "quoted"),
        ("", "Report"),
        ("///", "Report"),
        ("History", "History report"),
    ],
)
def test_sheet_names_follow_excel_rules(title: str, expected: str) -> None:
    assert sheet_name(title) == expected
    assert len(sheet_name(title)) <= 31
    xlsx_bytes(title, ["a"], [[1]])  # xlsxwriter accepts it


def test_xlsx_of_100_000_rows_is_written_row_by_row() -> None:
    start = date(2026, 1, 1)
    rows: list[list[str | int | float | None]] = [
        [(start + timedelta(days=n % 365)).isoformat(), n, n / 7, f"task {n}"]
        for n in range(100_000)
    ]
    data = xlsx_bytes("Big", ["day", "n", "rate", "title"], rows)
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    assert sheet is not None
    (last,) = sheet.iter_rows(min_row=100_001, max_row=100_001, values_only=True)
    assert last == (
        datetime(2026, 1, 1) + timedelta(days=99_999 % 365),
        99_999,
        99_999 / 7,
        "task 99999",
    )


# --- PDF ----------------------------------------------------------------------------------


def pdf_text(data: bytes) -> tuple[int, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), [page.extract_text() for page in reader.pages]


def test_pdf_has_title_subtitle_summary_and_the_table() -> None:
    data = pdf_bytes("Daily flow", "2026-11-30 to 2026-12-03", COLUMNS, ROWS, None, "Busy week.")
    assert data.startswith(b"%PDF-")
    pages, texts = pdf_text(data)
    assert pages == 1
    text = texts[0]
    for expected in ("Daily flow", "2026-11-30 to 2026-12-03", "Busy week.", "completed"):
        assert expected in text
    for cell in ("2026-12-02", "1.25", "0.5", "Łódź", "=HYPERLINK"):
        assert cell in text
    assert "Page 1 of 1" in text


def test_pdf_of_200_rows_runs_over_pages_repeating_the_header() -> None:
    rows: list[list[str | int | float | None]] = [
        [f"2026-11-{n % 28 + 1:02d}", n, n % 5, n / 3, f"note {n}"] for n in range(200)
    ]
    pages, texts = pdf_text(pdf_bytes("Long", "November", COLUMNS, rows, None, None))
    assert pages > 1
    assert all("completed" in text for text in texts)  # the header, on every page
    assert f"Page {pages} of {pages}" in texts[-1]
    assert "note 199" in texts[-1]


def test_pdf_cuts_the_table_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_file, "MAX_ROWS", 30)
    rows: list[list[str | int | float | None]] = [[n, f"row {n}"] for n in range(75)]
    _, texts = pdf_text(pdf_bytes("Cut", "", ["n", "text"], rows, None, None))
    text = "\n".join(texts)
    assert "row 29" in text
    assert "row 30" not in text
    assert "45 more rows in the CSV or Excel file" in text


def test_pdf_draws_the_burnup_chart_with_its_text() -> None:
    start = date(2026, 11, 1)
    dates = [(start + timedelta(days=n)).isoformat() for n in range(20)]
    svg = burnup_chart(
        "Burn-up of Łódź",
        dates,
        [40 + n // 3 for n in range(20)],
        [n * 2 for n in range(20)],
        ("2026-11-26", "2026-12-03"),
    )
    data = pdf_bytes("Sprint", "November", ["day", "done"], [[dates[0], 0]], svg, None)
    reader = PdfReader(io.BytesIO(data))
    page = reader.pages[0]
    text = page.extract_text()
    for label in ("Burn-up of Łódź", "Scope", "Done", "50 %", "85 %", "2026-11-01"):
        assert label in text
    content = page.get_contents()
    assert content is not None
    assert b" re" in content.get_data()  # the band and the fills are drawn
    bars = bar_chart("Workload", ["Ann", "Bob"], [("Open", [3.0, 5.0])])
    pdf_text(pdf_bytes("Workload", "", ["member", "open"], [["Ann", 3]], bars, None))


def test_pdf_without_a_chart_it_cannot_read_still_has_its_table() -> None:
    data = pdf_bytes("Broken", "", ["a"], [["cell value"]], "<svg not xml", None)
    _, texts = pdf_text(data)
    assert "cell value" in texts[0]


def test_pdf_of_no_rows_says_so() -> None:
    _, texts = pdf_text(pdf_bytes("Empty", "", ["a", "b"], [], None, None))
    assert "No data for this period." in texts[0]


def test_pdf_without_a_unicode_font_replaces_what_helvetica_cannot_draw(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pdf_file, "FONT_CANDIDATES", ())
    svg = bar_chart("Łódź 東京", ["Żółć"], [("Open", [2.0])])
    data = pdf_bytes("Łódź — 東京", "Zoë", ["name"], [["Łukasz \U0001f600"]], svg, "…")
    _, texts = pdf_text(data)
    assert "?ód? - ??" in texts[0]
    assert "Zoë" in texts[0]
    assert "?ukasz ?" in texts[0]


def test_pdf_cuts_a_cell_too_long_for_a_page() -> None:
    rows: list[list[str | int | float | None]] = [
        ["word " * 20_000, "\n".join(["line"] * 500)],
        ["x" * 100_000, "short"],
    ]
    pages, texts = pdf_text(pdf_bytes("Long cells", "", ["a", "b"], rows, None, None))
    assert pages == 1
    assert "short" in texts[0]
    assert "…" in texts[0]

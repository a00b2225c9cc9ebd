"""The shared PDF set-up: the Chinese font (WenQuanYi when installed, else the built-in CID
font), the base styles, tables, the A4 document and the download name."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics

from yiwang.kernel import pdf


def text_of(content: bytes) -> tuple[PdfReader, str]:
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    text = "".join("".join(page.extract_text() or "" for page in reader.pages).split())
    return reader, text


def fonts_of(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for font in fonts.values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


@pytest.fixture
def cid_font_only(monkeypatch: Any, tmp_path: Path) -> None:
    """A machine without fonts-wqy-microhei."""
    monkeypatch.setattr(pdf, "TTF_PATH", tmp_path / "missing.ttc")
    monkeypatch.setattr(pdf, "_font", None)


def test_a_document_carries_its_chinese_text_title_and_subject() -> None:
    style = pdf.styles()
    story = [
        pdf.paragraph("受理通知书", style.centred_title),
        pdf.facts([("办件编号", "42010620260000001"), ("申请事项", "个体工商户设立登记")], style),
    ]

    content = pdf.build_a4(story, title="受理通知书 42010620260000001", subject="受理通知书")

    reader, text = text_of(content)
    assert len(reader.pages) == 1
    assert "受理通知书" in text
    assert "42010620260000001" in text
    assert "个体工商户设立登记" in text
    assert "第1页" in text
    assert reader.metadata is not None
    assert reader.metadata.title == "受理通知书 42010620260000001"
    assert reader.metadata.subject == "受理通知书"
    assert reader.metadata.author == "一网通办 · 政务服务平台"
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (round(A4[0]), round(A4[1]))


def test_a_long_table_flows_onto_more_pages_with_its_header_repeated() -> None:
    style = pdf.styles()
    rows = [["序号", "材料名称"]] + [[str(n), f"第{n}份材料"] for n in range(1, 121)]

    content = pdf.build_a4(
        [pdf.table(rows, [20.0, pdf.CONTENT_WIDTH - 20.0], style)],
        title="长表",
        subject="测试",
        footer="页脚文字",
    )

    reader, text = text_of(content)
    assert len(reader.pages) > 1
    assert "第120份材料" in text
    assert all("材料名称" in (page.extract_text() or "") for page in reader.pages)
    assert all("页脚文字" in (page.extract_text() or "") for page in reader.pages)
    assert f"第{len(reader.pages)}页" in text


def test_what_users_typed_is_text_not_markup() -> None:
    style = pdf.styles()

    content = pdf.build_a4(
        [pdf.paragraph('<b>张三</b> & <font size="40">李四</font>\n第二行', style.body)],
        title="t",
        subject="s",
    )

    _reader, text = text_of(content)
    assert "<b>张三</b>&" in text
    assert '<fontsize="40">李四</font>' in text
    assert "第二行" in text


@pytest.mark.skipif(not pdf.TTF_PATH.is_file(), reason="fonts-wqy-microhei is not installed")
def test_wenquanyi_is_embedded_when_installed() -> None:
    content = pdf.build_a4([pdf.paragraph("中文", pdf.styles().body)], title="t", subject="s")

    reader, _text = text_of(content)
    assert pdf.font_name() == pdf.TTF_NAME
    assert any(pdf.TTF_NAME in name for name in fonts_of(reader))


def test_without_wenquanyi_the_builtin_cid_font_is_used(cid_font_only: None) -> None:
    content = pdf.build_a4([pdf.paragraph("中文内容", pdf.styles().body)], title="t", subject="s")

    reader, text = text_of(content)
    assert pdf.font_name() == pdf.CID_NAME
    assert "/STSong-Light" in fonts_of(reader)
    assert not any("WenQuanYi" in name for name in fonts_of(reader))
    assert "中文内容" in text


def test_a_damaged_font_file_falls_back_to_the_cid_font(tmp_path: Path, monkeypatch: Any) -> None:
    broken = tmp_path / "broken.ttc"
    broken.write_bytes(b"not a font")
    registered = set(pdfmetrics.getRegisteredFontNames())
    if pdf.TTF_NAME in registered:  # registered earlier in this process: hide it
        monkeypatch.setattr(
            pdfmetrics, "getRegisteredFontNames", lambda: sorted(registered - {pdf.TTF_NAME})
        )

    assert pdf.font_name(broken) == pdf.CID_NAME


def test_the_styles_all_use_the_font_and_break_chinese_lines() -> None:
    style = pdf.styles("STSong-Light")

    for name in ("title", "subtitle", "h2", "body", "cell", "head", "small", "right"):
        paragraph_style = getattr(style, name)
        assert paragraph_style.fontName == "STSong-Light"
        assert paragraph_style.wordWrap == "CJK"


def test_download_name_is_utf8_with_a_safe_ascii_fallback() -> None:
    value = pdf.attachment("受理通知书-42010620260000001.pdf", 'notice "x"/../1.pdf')

    assert value.isascii()
    assert value.startswith("attachment;")
    assert 'filename="notice__x__.._1.pdf"' in value
    assert "filename*=UTF-8''" + quote("受理通知书-42010620260000001.pdf", safe="") in value

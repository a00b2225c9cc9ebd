"""The guide as a PDF: a real PDF (read back with pypdf) carrying the guide's content, named
in UTF-8 for the download, for published implementations and life events only."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tests.catalog.fixtures import make_life_event
from yiwang.catalog import guide_pdf, services
from yiwang.catalog.guide import GuideStep
from yiwang.kernel import pdf

pytestmark = pytest.mark.django_db


def read_pdf(response: Any) -> tuple[PdfReader, str]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
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
    """A machine without fonts-wqy-microhei: the PDF falls back to the built-in CID font."""
    monkeypatch.setattr(pdf, "TTF_PATH", tmp_path / "missing.ttc")
    monkeypatch.setattr(pdf, "_font", None)


def test_guide_pdf_is_a_pdf_with_the_item_name_and_promised_limit(
    client: Any, published: Any
) -> None:
    response = client.get(reverse("catalog:guide-pdf", args=[published.code]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader, text = read_pdf(response)
    assert "个体工商户设立登记办事指南" in text
    assert "承诺办结时限5个工作日" in text
    assert "法定办结时限15个工作日" in text
    assert reader.metadata is not None
    assert reader.metadata.title == "个体工商户设立登记 办事指南"


def test_guide_pdf_carries_materials_process_fees_and_contacts(client: Any, published: Any) -> None:
    _reader, text = read_pdf(client.get(reverse("catalog:guide-pdf", args=[published.code])))

    for expected in (
        "申请材料",
        "经营者身份证明",
        "免提交：可调用电子证照（resident_id_card）",
        "经营场所使用证明",
        "办理流程",
        "受理",
        "窗口人员",
        "审查",
        "审批人员",
        "不收费",
        "营业执照",
        "最多跑1次",
        "武汉市武昌区中北路1号政务服务中心2楼",
        "027-12345678",
        "《促进个体工商户发展条例》第八条",
    ):
        assert expected in text, expected


def test_guide_pdf_download_name_is_utf8_with_an_ascii_fallback(
    client: Any, published: Any
) -> None:
    response = client.get(reverse("catalog:guide-pdf", args=[published.code]))

    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="guide-{published.code}.pdf"' in disposition
    assert "filename*=UTF-8''" + quote("个体工商户设立登记办事指南.pdf") in disposition
    assert disposition.isascii()
    assert int(response["Content-Length"]) == len(response.content)


@pytest.mark.skipif(not pdf.TTF_PATH.is_file(), reason="fonts-wqy-microhei is not installed here")
def test_guide_pdf_embeds_wenquanyi_when_installed(client: Any, published: Any) -> None:
    reader, _text = read_pdf(client.get(reverse("catalog:guide-pdf", args=[published.code])))

    assert any("WenQuanYiMicroHei" in name for name in fonts_of(reader))


def test_guide_pdf_falls_back_to_the_builtin_cid_font(
    client: Any, published: Any, cid_font_only: None
) -> None:
    response = client.get(reverse("catalog:guide-pdf", args=[published.code]))

    assert response.status_code == 200
    reader, text = read_pdf(response)
    assert "/STSong-Light" in fonts_of(reader)
    assert not any("WenQuanYi" in name for name in fonts_of(reader))
    assert "个体工商户设立登记办事指南" in text
    assert "承诺办结时限5个工作日" in text


def test_pdf_of_a_draft_or_withdrawn_guide_is_not_found(
    client: Any, implementation: Any, published: Any, reviewer: Any
) -> None:
    services.withdraw(actor=reviewer, implementation=published, reason="停止办理")

    response = client.get(reverse("catalog:guide-pdf", args=[published.code]))

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_life_event_pdf_lists_items_merged_materials_and_form(client: Any, restaurant: Any) -> None:
    response = client.get(reverse("catalog:life-event-pdf", args=["restaurant"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        "filename*=UTF-8''" + quote("开办餐饮店一件事办事指南.pdf")
        in (response["Content-Disposition"])
    )
    assert 'filename="life-event-restaurant.pdf"' in response["Content-Disposition"]
    _reader, text = read_pdf(response)
    for expected in (
        "开办餐饮店一件事办事指南",
        "个体工商户设立登记",
        "食品经营许可",
        "承诺办结时限8个工作日",
        "从业人员健康证明",
        "可免提交",
        "申请人姓名",
        "经营项目",
    ):
        assert expected in text, expected
    assert text.count("经营者身份证明") == 1  # asked for once


def test_life_event_pdf_of_a_draft_is_not_found(
    client: Any, published: Any, catalog_editor: Any, reviewer: Any
) -> None:
    make_life_event(
        actor=catalog_editor, reviewer=reviewer, members=[published.code], publish=False
    )

    assert client.get(reverse("catalog:life-event-pdf", args=["restaurant"])).status_code == 404


def test_process_diagram_wraps_long_processes_into_rows() -> None:
    font = guide_pdf.font_name()
    steps = [
        GuideStep(number=i, name=f"第{i}步审查核实现场勘验", role="审批人员", kind="task")
        for i in range(1, 13)
    ]
    diagram = guide_pdf.ProcessDiagram(steps, font)

    width, height = diagram.wrap(400, 1000)

    assert width == 400
    assert len(diagram._rows) > 1
    assert sum(len(row) for row in diagram._rows) == 12
    assert all(sum(w for _step, w in row) <= 400 for row in diagram._rows)
    assert height == len(diagram._rows) * diagram.BOX_HEIGHT + (len(diagram._rows) - 1) * (
        diagram.ROW_GAP
    )


def test_process_diagram_squeezes_a_name_wider_than_the_page() -> None:
    font = guide_pdf.font_name()
    step = GuideStep(number=1, name="很长" * 80, role="窗口人员", kind="task")
    diagram = guide_pdf.ProcessDiagram([step], font)

    diagram.wrap(200, 1000)

    assert diagram._rows[0][0][1] == 200
    fitted = diagram._fit(step.name, 10, 188)
    assert fitted.endswith("…")
    assert len(fitted) < len(step.name)


def test_a_process_with_gateways_renders(
    client: Any, item: Any, owning_department: Any, catalog_editor: Any, reviewer: Any
) -> None:
    from yiwang.catalog.schemas import VersionIn

    implementation = services.create_implementation(
        actor=catalog_editor,
        item=item,
        department=owning_department,
        data=VersionIn(promised_limit_days=5, process_bpmn=PARALLEL_BPMN),
    )
    draft = implementation.versions.get()
    services.submit(actor=catalog_editor, version=draft)
    services.publish(actor=reviewer, version=draft)

    page = client.get(reverse("catalog:guide", args=[implementation.code]))
    pdf = client.get(reverse("catalog:guide-pdf", args=[implementation.code]))

    assert page.status_code == 200
    assert "cat-flow__step--gateway" in page.content.decode()
    _reader, text = read_pdf(pdf)
    assert "消防审查" in text
    assert "卫生审查" in text


PARALLEL_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
    targetNamespace="https://yiwang.example/bpmn">
  <bpmn:process id="parallel" isExecutable="true">
    <bpmn:laneSet>
      <bpmn:lane id="lane_clerk" name="window_clerk">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>accept</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="lane_approver" name="approver">
        <bpmn:flowNodeRef>split</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>fire</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>health</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>join</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="申请" />
    <bpmn:userTask id="accept" name="受理" />
    <bpmn:parallelGateway id="split" name="并联审批" />
    <bpmn:userTask id="fire" name="消防审查" />
    <bpmn:userTask id="health" name="卫生审查" />
    <bpmn:parallelGateway id="join" name="汇总" />
    <bpmn:endEvent id="end" name="办结" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="accept" />
    <bpmn:sequenceFlow id="f2" sourceRef="accept" targetRef="split" />
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="fire" />
    <bpmn:sequenceFlow id="f4" sourceRef="split" targetRef="health" />
    <bpmn:sequenceFlow id="f5" sourceRef="fire" targetRef="join" />
    <bpmn:sequenceFlow id="f6" sourceRef="health" targetRef="join" />
    <bpmn:sequenceFlow id="f7" sourceRef="join" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""

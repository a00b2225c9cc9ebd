"""The applicant's pages (issue 5): from a guide to a submitted case, "my cases", the case page
and the supplement-and-resubmit loop, through Django's test client.

The form page is judged by the API's own check, so its errors are compared with the API's
answer for the same data: same pointers, same messages. Every refusal also shows that nothing
changed behind it."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests.cases.support import FORM, PDF, signed_in
from tests.catalog.fixtures import publish_item
from tests.factories import AccountFactory
from yiwang.cases import services
from yiwang.cases.models import Case, CaseEvent, CaseStatus, MaterialStatus
from yiwang.identity.services import bind_entity, delegate_agent, verify_real_name
from yiwang.identity.services.enterprise import represented_entities
from yiwang.kernel.demo import ENTITIES, PERSONS, demo_credit_code, load_base_data
from yiwang.kernel.demo import person_id_number as pid
from yiwang.kernel.models import AuditEntry, StoredFile

pytestmark = pytest.mark.django_db

API = "/api/v1/cases"
CREDIT_CODE = demo_credit_code(ENTITIES[0][0])  # 张伟 represents it

#: A form with every kind of question the page draws.
RICH_FORM = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "title": "经营者姓名"},
        "staff": {"type": "integer", "title": "从业人数", "minimum": 1},
        "area": {"type": "number", "title": "经营面积(平方米)"},
        "opened_on": {"type": "string", "format": "date", "title": "开业日期"},
        "kind": {"type": "string", "title": "经营类别", "enum": ["餐饮", "零售", "服务"]},
        "outdoor": {"type": "boolean", "title": "是否外摆经营"},
        "services": {
            "type": "array",
            "title": "服务方式",
            "items": {"type": "string", "enum": ["堂食", "外卖", "自提"]},
        },
        "note": {"type": "string", "title": "补充说明", "maxLength": 10},
    },
    "required": ["name", "staff", "kind", "outdoor"],
}
RICH_UI = {
    "order": ["name", "kind", "staff", "area", "opened_on", "outdoor", "services", "note"],
    "widgets": {"note": "textarea"},
    "help": {"staff": "含经营者本人。"},
}


# --- helpers --------------------------------------------------------------------------------


def page_url(case: Case, name: str = "") -> str:
    return f"/my-cases/{case.pk}/{name + '/' if name else ''}"


def answers(**values: Any) -> dict[str, Any]:
    """A posted form: each answer under its prefixed name."""
    data: dict[str, Any] = {"action": values.pop("action", "continue")}
    for name, value in values.items():
        data[f"answer-{name}"] = value
    return data


def summary_links(html: str) -> list[tuple[str, str]]:
    """The error summary's (href, message) pairs."""
    match = re.search(r'<div class="error-summary".*?</ul>', html, re.S)
    if match is None:
        return []
    return [
        (href.replace("&amp;", "&"), unescape(text))
        for href, text in re.findall(r'<li><a href="([^"]+)">(.*?)</a></li>', match.group(0), re.S)
    ]


def unescape(text: str) -> str:
    import html

    return html.unescape(text)


def pdf_file(name: str = "申请书.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def draft(citizen: Any, code: str, form: dict[str, Any] | None = None, upload: bool = True) -> Case:
    case = services.start(actor=citizen, implementation_code=code)
    services.save_form(actor=citizen, case=case, form_data=dict(FORM if form is None else form))
    if upload:
        services.attach(actor=citizen, case=case, code="M01", stream=io.BytesIO(PDF), name="a.pdf")
    return case


def submitted_case(citizen: Any, code: str) -> Case:
    return services.submit(actor=citizen, case=draft(citizen, code), idempotency_key="k-1")


def check_key(html: str) -> str:
    match = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert match is not None, "the check page carries an idempotency key"
    return match.group(1)


def verified(username: str, person: int, mobile: str) -> Any:
    account = AccountFactory(username=username, mobile=mobile)
    name, birth, seq = PERSONS[person]
    return verify_real_name(actor="test", account=account, name=name, id_number=pid(birth, seq))


@pytest.fixture
def rich(item_owner: Any, catalog_editor: Any, reviewer: Any, owning_department: Any) -> Any:
    """A published implementation whose form asks every kind of question."""
    return publish_item(
        item_owner=item_owner,
        editor=catalog_editor,
        reviewer=reviewer,
        department=owning_department,
        code="000105009000",
        name="户外经营备案",
        materials=[
            {"code": "R01", "name": "备案申请书", "form": "original", "copies": 1, "required": True}
        ],
        version={"form_schema": RICH_FORM, "form_ui": RICH_UI, "promised_limit_days": 3},
    )


@pytest.fixture
def zhang(db: None) -> Any:
    """张伟, real-name verified, the representative of an entity of the base data."""
    cache.clear()
    load_base_data(lambda *_: None)
    account = verified("zhang", 0, "13700000001")
    bind_entity(actor=account, account=account, credit_code=CREDIT_CODE)
    return account


# --- start ----------------------------------------------------------------------------------


def test_guide_offers_online_application_and_start_asks_to_sign_in(
    client: Client, published: Any
) -> None:
    guide = client.get(f"/guide/{published.code}/")
    assert f'href="/apply/{published.code}/"' in guide.content.decode()
    assert "在线申请" in guide.content.decode()

    response = client.get(f"/apply/{published.code}/")

    assert response.status_code == 302
    assert response["Location"] == f"/account/login/?next=/apply/{published.code}/"


def test_start_makes_one_draft_even_when_posted_twice(published: Any, citizen: Any) -> None:
    client = signed_in(citizen)
    page = client.get(f"/apply/{published.code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "个体工商户设立登记" in html and "开始申请" in html
    token = re.search(r'name="token" value="([^"]+)"', html)
    assert token is not None

    first = client.post(f"/apply/{published.code}/", {"applicant": "self", "token": token[1]})
    second = client.post(f"/apply/{published.code}/", {"applicant": "self", "token": token[1]})

    case = Case.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/my-cases/{case.pk}/form/"
    assert case.status == CaseStatus.DRAFT and case.applicant == citizen
    assert case.entity_credit_code == ""


def test_start_lists_unsubmitted_drafts_to_continue(published: Any, citizen: Any) -> None:
    case = services.start(actor=citizen, implementation_code=published.code)

    html = signed_in(citizen).get(f"/apply/{published.code}/").content.decode()

    assert "您有尚未提交的申请" in html
    assert f'href="/my-cases/{case.pk}/form/"' in html


def test_unpublished_implementation_has_no_start_page(implementation: Any, citizen: Any) -> None:
    client = signed_in(citizen)

    assert client.get(f"/apply/{implementation.code}/").status_code == 404
    assert client.post(f"/apply/{implementation.code}/", {"applicant": "self"}).status_code == 404
    assert not Case.objects.exists()


def test_representative_applies_for_the_enterprise(published: Any, zhang: Any) -> None:
    client = signed_in(zhang)
    html = client.get(f"/apply/{published.code}/").content.decode()
    assert "以个人身份申请" in html
    assert "以企业身份申请" in html and f'value="{CREDIT_CODE}"' in html

    response = client.post(f"/apply/{published.code}/", {"applicant": CREDIT_CODE})

    case = Case.objects.get()
    assert response["Location"] == f"/my-cases/{case.pk}/form/"
    assert case.entity_credit_code == CREDIT_CODE and case.applicant == zhang


def test_an_entity_one_may_not_act_for_is_refused(published: Any, citizen: Any) -> None:
    client = signed_in(citizen)

    response = client.post(f"/apply/{published.code}/", {"applicant": CREDIT_CODE})

    assert response.status_code == 200
    html = response.content.decode()
    assert summary_links(html) == [("#id_applicant_0", "请选择以谁的名义申请。")]
    assert not Case.objects.exists()


# --- the form -------------------------------------------------------------------------------


def test_form_draws_every_question_in_the_ui_order(rich: Any, citizen: Any) -> None:
    case = services.start(actor=citizen, implementation_code=rich.code)

    html = signed_in(citizen).get(page_url(case, "form")).content.decode()

    ids = re.findall(r'id="field-([a-z_]+)"', html)
    assert ids == ["name", "kind", "staff", "area", "opened_on", "outdoor", "services", "note"]
    assert html.count("（必填）") == 4
    assert 'type="radio" id="field-kind" name="answer-kind" value="餐饮"' in html
    assert 'type="date"' in html and 'inputmode="numeric"' in html
    assert 'type="checkbox" id="field-services"' in html
    assert "<textarea" in html and "含经营者本人。" in html
    assert "第 1 步，共 3 步" in html


def test_answers_are_saved_as_the_schemas_types(rich: Any, citizen: Any) -> None:
    case = services.start(actor=citizen, implementation_code=rich.code)
    data = answers(
        name=" 李四 ",
        staff="3",
        area="12.5",
        opened_on="2024-03-18",
        kind="零售",
        outdoor="false",
        services=["堂食", "自提"],
        note="",
    )

    response = signed_in(citizen).post(page_url(case, "form"), data)

    assert response.status_code == 302
    assert response["Location"] == page_url(case, "materials")
    case.refresh_from_db()
    assert case.form_data == {
        "name": "李四",
        "staff": 3,
        "area": 12.5,
        "opened_on": "2024-03-18",
        "kind": "零售",
        "outdoor": False,
        "services": ["堂食", "自提"],
    }


def test_form_errors_are_the_apis_errors(rich: Any, citizen: Any) -> None:
    case = services.start(actor=citizen, implementation_code=rich.code)
    client = signed_in(citizen)

    response = client.post(
        page_url(case, "form"),
        answers(staff="three", kind="零售", note="这段说明超过了十个字的上限"),
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>错误：" in html
    page_errors = summary_links(html)
    # The API, given the same data, answers the same pointers and messages.
    case.refresh_from_db()
    api = client.post(f"{API}/{case.pk}/submit", HTTP_IDEMPOTENCY_KEY="k-api")
    assert api.status_code == 422
    api_errors = [e for e in api.json()["details"]["errors"] if e["field"].startswith("form/")]
    assert [(f"#field-{e['field'][5:]}", e["message"]) for e in api_errors] == page_errors
    assert {href for href, _ in page_errors} == {
        "#field-name",
        "#field-staff",
        "#field-outdoor",
        "#field-note",
    }
    # each message also stands beside its field, and the typed text is kept
    assert html.count('class="error-message"') == len(page_errors)
    assert 'value="three"' in html
    assert 'aria-invalid="true"' in html
    # the draft keeps what was typed, and nothing was submitted
    assert case.form_data["staff"] == "three" and case.status == CaseStatus.DRAFT
    assert case.case_no is None


def test_required_fields_of_the_default_form_point_at_their_inputs(
    published: Any, citizen: Any
) -> None:
    case = services.start(actor=citizen, implementation_code=published.code)

    response = signed_in(citizen).post(page_url(case, "form"), answers(shop_name="小店"))

    links = summary_links(response.content.decode())
    assert [href for href, _ in links] == ["#field-applicant_name", "#field-id_number"]
    expected = services.validate_form(case.version.form_schema, {"shop_name": "小店"})
    assert [message for _, message in links] == [e["message"] for e in expected]


def test_saving_a_draft_keeps_partial_answers_without_judging_them(
    published: Any, citizen: Any
) -> None:
    case = services.start(actor=citizen, implementation_code=published.code)
    client = signed_in(citizen)

    response = client.post(page_url(case, "form"), answers(action="save", shop_name="小店"))

    assert response["Location"] == "/my-cases/"
    case.refresh_from_db()
    assert case.form_data == {"shop_name": "小店"}
    listing = client.get("/my-cases/").content.decode()
    assert "已保存草稿" in listing
    assert f'href="/my-cases/{case.pk}/form/"' in listing and "继续填写" in listing
    again = client.get(page_url(case, "form")).content.decode()
    assert 'value="小店"' in again


# --- materials ------------------------------------------------------------------------------


def test_materials_page_shows_what_need_not_be_uploaded(published: Any, citizen: Any) -> None:
    case = draft(citizen, published.code, upload=False)

    html = signed_in(citizen).get(page_url(case, "materials")).content.decode()

    assert "个体工商户登记(备案)申请书" in html and "经营场所使用证明" in html
    assert 'id="file-M01"' in html and 'id="file-M03"' in html
    # M02 names a licence type the applicant does not hold: an ordinary (optional) upload.
    assert 'id="file-M02"' in html
    assert "您持有有效的电子证照" not in html and "无需上传" not in html
    assert "第 2 步，共 3 步" in html


def test_uploading_a_material_stores_it(published: Any, citizen: Any) -> None:
    case = draft(citizen, published.code, upload=False)
    client = signed_in(citizen)

    response = client.post(f"/my-cases/{case.pk}/materials/M01/", {"file": pdf_file()})

    assert response.status_code == 302
    assert response["Location"] == f"/my-cases/{case.pk}/materials/#material-M01"
    material = case.materials.get(code="M01")
    assert material.status == MaterialStatus.UPLOADED and material.file.name == "申请书.pdf"
    html = client.get(page_url(case, "materials")).content.decode()
    assert "已上传“个体工商户登记(备案)申请书”" in html and "申请书.pdf" in html


def test_an_oversized_file_is_refused_beside_its_material(
    published: Any, citizen: Any, settings: Any
) -> None:
    settings.YIWANG_UPLOAD_MAX_BYTES = 20
    case = draft(citizen, published.code, upload=False)

    response = signed_in(citizen).post(
        f"/my-cases/{case.pk}/materials/M01/", {"file": pdf_file(content=PDF * 2)}
    )

    assert response.status_code == 413
    html = response.content.decode()
    assert summary_links(html) == [("#file-M01", "文件超过大小上限 20 字节。")]
    assert 'id="file-M01-error"' in html
    assert case.materials.get(code="M01").status == MaterialStatus.MISSING
    assert not StoredFile.objects.exists()


def test_a_forbidden_file_type_is_refused(published: Any, citizen: Any) -> None:
    case = draft(citizen, published.code, upload=False)
    exe = SimpleUploadedFile("setup.exe", b"MZ\x90\x00 not a document", "application/octet-stream")

    response = signed_in(citizen).post(f"/my-cases/{case.pk}/materials/M01/", {"file": exe})

    assert response.status_code == 400
    [(href, message)] = summary_links(response.content.decode())
    assert href == "#file-M01" and message.startswith("不支持此文件类型")
    assert case.materials.get(code="M01").status == MaterialStatus.MISSING
    assert not StoredFile.objects.exists()


def test_uploading_nothing_asks_for_a_file(published: Any, citizen: Any) -> None:
    case = draft(citizen, published.code, upload=False)

    response = signed_in(citizen).post(f"/my-cases/{case.pk}/materials/M01/", {})

    assert summary_links(response.content.decode()) == [("#file-M01", "请选择要上传的文件。")]
    assert not StoredFile.objects.exists()


def test_an_unknown_material_is_refused(published: Any, citizen: Any) -> None:
    case = draft(citizen, published.code, upload=False)

    response = signed_in(citizen).post(f"/my-cases/{case.pk}/materials/M99/", {"file": pdf_file()})

    assert response.status_code == 422
    assert summary_links(response.content.decode()) == [
        ("#file-M99", "该事项没有编码为 M99 的材料。")
    ]
    assert not StoredFile.objects.exists()


# --- check and submit -----------------------------------------------------------------------


def test_check_page_shows_the_answers_and_submits_once(published: Any, citizen: Any) -> None:
    case = draft(citizen, published.code)
    client = signed_in(citizen)
    check = client.get(page_url(case, "check"))
    html = check.content.decode()
    assert "张三" in html and "420106199001011234" in html
    assert "已上传：a.pdf" in html and "未上传（非必要）" in html
    assert "第 3 步，共 3 步" in html
    key = check_key(html)

    first = client.post(page_url(case, "check"), {"idempotency_key": key})
    second = client.post(page_url(case, "check"), {"idempotency_key": key})  # a double click

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == page_url(case, "submitted")
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and case.idempotency_key == key
    assert Case.objects.exclude(status=CaseStatus.DRAFT).count() == 1
    assert AuditEntry.objects.filter(action="cases.submitted").count() == 1
    ack = client.get(page_url(case, "submitted")).content.decode()
    assert "申请已提交" in ack and str(case.case_no) in ack
    assert "承诺 5 个工作日内办结" in ack


def test_each_check_page_carries_a_new_key(published: Any, citizen: Any) -> None:
    case = draft(citizen, published.code)
    client = signed_in(citizen)

    first = check_key(client.get(page_url(case, "check")).content.decode())
    second = check_key(client.get(page_url(case, "check")).content.decode())

    assert first != second


def test_submitting_with_something_missing_lists_every_error_where_it_is_fixed(
    published: Any, citizen: Any
) -> None:
    case = draft(citizen, published.code, form={"shop_name": "小店"}, upload=False)
    client = signed_in(citizen)
    key = check_key(client.get(page_url(case, "check")).content.decode())

    response = client.post(page_url(case, "check"), {"idempotency_key": key})

    assert response.status_code == 422
    form_errors = services.validate_form(case.version.form_schema, {"shop_name": "小店"})
    assert summary_links(response.content.decode()) == [
        (f"/my-cases/{case.pk}/form/#field-applicant_name", form_errors[0]["message"]),
        (f"/my-cases/{case.pk}/form/#field-id_number", form_errors[1]["message"]),
        (f"/my-cases/{case.pk}/materials/#file-M01", "请上传“个体工商户登记(备案)申请书”。"),
    ]
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT and case.case_no is None
    assert case.materials.get(code="M02").status == MaterialStatus.MISSING


def test_submitting_without_a_key_is_refused(published: Any, citizen: Any) -> None:
    case = draft(citizen, published.code)

    response = signed_in(citizen).post(page_url(case, "check"), {"idempotency_key": " "})

    assert response.status_code == 400
    html = response.content.decode()
    assert [m for _, m in summary_links(html)] == ["缺少提交标识。"]
    assert check_key(html).strip()  # a fresh key to try again with
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT


def test_a_submitted_case_is_not_submitted_again_with_another_key(
    published: Any, citizen: Any
) -> None:
    case = submitted_case(citizen, published.code)
    client = signed_in(citizen)

    assert client.get(page_url(case, "check"))["Location"] == page_url(case)
    assert client.get(page_url(case, "form"))["Location"] == page_url(case)
    assert client.get(page_url(case, "materials"))["Location"] == page_url(case)
    response = client.post(page_url(case, "check"), {"idempotency_key": "another"})

    assert response["Location"] == page_url(case)
    assert AuditEntry.objects.filter(action="cases.submitted").count() == 1


# --- someone else's case --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["stranger", "clerk"])
def test_someone_elses_case_is_404_on_every_page(
    published: Any, citizen: Any, clerk: Any, who: str
) -> None:
    case = draft(citizen, published.code, upload=False)
    other = clerk if who == "clerk" else AccountFactory(username="stranger")
    client = signed_in(other)

    for name in ("", "form", "materials", "check", "submitted"):
        assert client.get(page_url(case, name)).status_code == 404, name
    assert client.post(page_url(case, "form"), answers(applicant_name="X")).status_code == 404
    assert client.post(page_url(case, "check"), {"idempotency_key": "k"}).status_code == 404
    assert client.post(page_url(case, "resubmit")).status_code == 404
    upload = client.post(f"/my-cases/{case.pk}/materials/M01/", {"file": pdf_file()})
    assert upload.status_code == 404
    assert client.get("/my-cases/999999/").status_code == 404

    case.refresh_from_db()
    assert case.form_data == FORM and case.status == CaseStatus.DRAFT
    assert case.materials.get(code="M01").status == MaterialStatus.MISSING
    assert not StoredFile.objects.exists()


def test_pages_need_sign_in(published: Any, citizen: Any) -> None:
    case = draft(citizen, published.code)
    client = Client()

    for url in ("/my-cases/", page_url(case), page_url(case, "form")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/account/login/")


# --- my cases and the case page -------------------------------------------------------------


def test_my_cases_lists_own_cases_newest_first_not_others(published: Any, citizen: Any) -> None:
    older = submitted_case(citizen, published.code)
    newer = services.start(actor=citizen, implementation_code=published.code)
    stranger = AccountFactory(username="stranger")
    theirs = services.start(actor=stranger, implementation_code=published.code)

    response = signed_in(citizen).get("/my-cases/")

    html = response.content.decode()
    assert "共 2 件" in html
    assert html.index(f"/my-cases/{newer.pk}/") < html.index(f"/my-cases/{older.pk}/")
    assert f"/my-cases/{theirs.pk}/" not in html
    assert str(older.case_no) in html and "待受理" in html
    assert "未提交，暂无编号" in html and "草稿" in html


def test_header_links_a_citizen_to_my_cases(citizen: Any) -> None:
    html = signed_in(citizen).get("/my-cases/").content.decode()

    assert '<a class="site-header__link" href="/my-cases/">我的办件</a>' in html
    assert "您还没有办件。" in html


def test_an_agent_sees_the_entitys_cases_but_cannot_change_them(published: Any, zhang: Any) -> None:
    wang = verified("wang", 1, "13700000002")
    entity = represented_entities(zhang).get()
    delegate_agent(
        actor=zhang,
        entity=entity,
        agent_mobile="13700000002",
        scope=["*"],
        expires_on=timezone.localdate() + dt.timedelta(days=30),
    )
    case = services.start(
        actor=zhang, implementation_code=published.code, entity_credit_code=CREDIT_CODE
    )
    client = signed_in(wang)

    listing = client.get("/my-cases/").content.decode()
    page = client.get(page_url(case)).content.decode()

    assert f"/my-cases/{case.pk}/" in listing and entity.name in listing
    assert "草稿只能由创建它的人继续填写。" in page
    assert client.get(page_url(case, "form"))["Location"] == page_url(case)
    assert client.post(page_url(case, "check"), {"idempotency_key": "k"}).status_code == 404
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT


def test_case_page_shows_timeline_clock_documents_and_messages(
    published: Any, citizen: Any, clerk: Any
) -> None:
    case = submitted_case(citizen, published.code)
    services.accept(actor=clerk, case=case)
    case.refresh_from_db()

    response = signed_in(citizen).get(page_url(case))

    html = response.content.decode()
    assert response.status_code == 200
    assert str(case.case_no) in html and "已受理" in html
    for label in ("创建申请草稿", "提交申请", "已受理"):
        assert label in html
    assert case.promised_due is not None
    assert case.promised_due.isoformat() in html
    assert "已用 0 个工作日" in html and "剩余 5 个工作日" in html
    assert "已提交,等待窗口受理。" in html  # the site message
    assert "张三" in html and "a.pdf" in html  # what was applied with
    if case.acceptance_notice_id:
        assert f"/api/v1/cases/{case.pk}/documents/acceptance_notice" in html


def test_a_refused_case_shows_the_reason(published: Any, citizen: Any, clerk: Any) -> None:
    case = submitted_case(citizen, published.code)
    services.refuse(actor=clerk, case=case, reason="不属于本部门受理范围。")

    html = signed_in(citizen).get(page_url(case)).content.decode()

    assert "不予受理理由" in html and html.count("不属于本部门受理范围。") >= 2


# --- supplement and resubmit ----------------------------------------------------------------


@pytest.fixture
def supplement(published: Any, citizen: Any, clerk: Any) -> Case:
    case = submitted_case(citizen, published.code)
    return services.request_supplement(
        actor=clerk,
        case=case,
        items=[
            {"field": "form/shop_name", "reason": "请填写店铺名称。"},
            {"field": "materials.M03", "reason": "请补充经营场所使用证明。"},
        ],
    )


def test_case_page_says_what_is_awaited_and_where_to_fix_it(supplement: Case, citizen: Any) -> None:
    html = signed_in(citizen).get(page_url(supplement)).content.decode()

    assert "需要您补正" in html
    assert "店铺名称" in html and "请填写店铺名称。" in html
    assert f'href="/my-cases/{supplement.pk}/form/#field-shop_name"' in html
    assert f'href="/my-cases/{supplement.pk}/materials/#file-M03"' in html
    assert "补正完毕，重新提交" in html
    assert "需要补正材料(一次性告知)" in html  # in the timeline


def test_supplement_then_resubmit(supplement: Case, citizen: Any) -> None:
    client = signed_in(citizen)
    form = client.post(page_url(supplement, "form"), answers(**FORM, shop_name="张三小吃"))
    assert form["Location"] == f"{page_url(supplement)}#awaited"
    upload = client.post(
        f"/my-cases/{supplement.pk}/materials/M03/", {"file": pdf_file("场所.pdf")}
    )
    assert upload.status_code == 302

    response = client.post(page_url(supplement, "resubmit"))
    again = client.post(page_url(supplement, "resubmit"))  # a double click

    assert response["Location"] == again["Location"] == page_url(supplement)
    supplement.refresh_from_db()
    assert supplement.status == CaseStatus.SUBMITTED
    assert supplement.form_data["shop_name"] == "张三小吃"
    assert supplement.materials.get(code="M03").status == MaterialStatus.UPLOADED
    assert CaseEvent.objects.filter(case=supplement, kind="resubmitted").count() == 1
    html = client.get(page_url(supplement)).content.decode()
    assert "补正后重新提交" in html and "需要您补正" not in html


def test_resubmitting_an_invalid_form_shows_the_errors_and_changes_nothing(
    supplement: Case, citizen: Any
) -> None:
    client = signed_in(citizen)
    client.post(page_url(supplement, "form"), answers(action="save", shop_name="小店"))

    response = client.post(page_url(supplement, "resubmit"))

    assert response.status_code == 422
    links = summary_links(response.content.decode())
    assert [href for href, _ in links] == [
        f"/my-cases/{supplement.pk}/form/#field-applicant_name",
        f"/my-cases/{supplement.pk}/form/#field-id_number",
    ]
    supplement.refresh_from_db()
    assert supplement.status == CaseStatus.SUPPLEMENT
    assert not CaseEvent.objects.filter(case=supplement, kind="resubmitted").exists()


# --- life events ----------------------------------------------------------------------------


def test_a_life_event_is_listed_once_and_opens_on_its_own_page(
    restaurant: Any, citizen: Any
) -> None:
    from yiwang.cases import bundles

    parent = bundles.start_bundle(actor=citizen, life_event_code=restaurant.code)
    child = parent.children.order_by("id").first()
    assert child is not None
    client = signed_in(citizen)

    html = client.get("/my-cases/").content.decode()

    assert "共 1 件" in html
    assert f'href="/my-cases/life-events/{parent.pk}/"' in html and "继续填写" in html
    assert client.get(page_url(parent))["Location"] == f"/my-cases/life-events/{parent.pk}/"
    # a child's draft is filled through the life event, not on its own
    assert client.get(page_url(child, "form"))["Location"] == page_url(child)
    child_page = client.get(page_url(child)).content.decode()
    assert f'href="/my-cases/life-events/{parent.pk}/"' in child_page
    assert "开办餐饮店" in child_page


# --- the result's delivery ------------------------------------------------------------------


def test_applicant_chooses_mail_delivery_on_the_case_page(published: Any, citizen: Any) -> None:
    from yiwang.cases.models import Delivery

    case = submitted_case(citizen, published.code)
    client = signed_in(citizen)
    assert "办理结果怎样送给您？" in client.get(page_url(case)).content.decode()

    response = client.post(
        page_url(case, "delivery"),
        {"method": "mail", "recipient": "张三", "phone": "13800138000", "address": "武汉市某路1号"},
    )

    assert response["Location"] == f"{page_url(case)}#delivery"
    record = Delivery.objects.get(case=case)
    assert record.method == "mail" and record.address == "武汉市某路1号"
    html = client.get(page_url(case)).content.decode()
    assert "已保存结果送达方式。" in html and "邮寄送达" in html and "13800138000" in html


def test_mail_delivery_without_an_address_names_each_missing_field(
    published: Any, citizen: Any
) -> None:
    from yiwang.cases.models import Delivery

    case = submitted_case(citizen, published.code)

    response = signed_in(citizen).post(
        page_url(case, "delivery"), {"method": "mail", "phone": "123"}
    )

    assert response.status_code == 422
    hrefs = [href for href, _ in summary_links(response.content.decode())]
    assert hrefs == ["#delivery-recipient", "#delivery-phone", "#delivery-address"]
    assert not Delivery.objects.exists()


def test_an_unknown_delivery_method_is_refused_and_a_stranger_gets_404(
    published: Any, citizen: Any
) -> None:
    from yiwang.cases.models import Delivery

    case = submitted_case(citizen, published.code)

    response = signed_in(citizen).post(page_url(case, "delivery"), {"method": "drone"})
    stranger = signed_in(AccountFactory(username="stranger"))
    hidden = stranger.post(page_url(case, "delivery"), {"method": "pickup"})

    assert [href for href, _ in summary_links(response.content.decode())] == ["#delivery-method"]
    assert hidden.status_code == 404
    assert not Delivery.objects.exists()

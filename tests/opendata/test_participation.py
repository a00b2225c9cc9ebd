"""Public participation: access applications for conditional datasets, data requests,
ratings, comments and counters — through the services and through the Action API."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from tests.factories import AccountFactory
from tests.opendata.conftest import dataset_data
from yiwang.kernel import calendar
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import AuditEntry, OutboxEvent
from yiwang.opendata import participation, services
from yiwang.opendata.errors import ErrorCode
from yiwang.opendata.models import (
    AccessApplication,
    Comment,
    DataRequest,
    Dataset,
    Rating,
)

pytestmark = pytest.mark.django_db

API = "/opendata/api/3/action/"


@pytest.fixture
def conditional(od_clerk: Any) -> Dataset:
    return services.create_dataset(
        actor=od_clerk,
        data=dataset_data(
            name="wuhan-clinic-visits",
            title="武汉市门诊就诊统计",
            theme="health",
            open_type="conditional",
            open_conditions="仅限科研用途",
        ),
    )


@pytest.fixture
def citizen_token(od_citizen: Any) -> str:
    _token, secret = services.create_token(actor="test", user=od_citizen, name="我的令牌")
    return secret


def call(client: Any, name: str, params: dict[str, Any], token: str = "") -> Any:
    headers = {"HTTP_AUTHORIZATION": token} if token else {}
    return client.post(
        API + name, data=json.dumps(params), content_type="application/json", **headers
    )


def refused(code: ErrorCode, fn: Any, **kwargs: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        fn(**kwargs)
    assert caught.value.code == code, caught.value.as_dict()
    return caught.value


# --- access applications --------------------------------------------------------------------


def test_a_citizen_applies_for_a_conditional_dataset_due_in_ten_working_days(
    od_citizen: Any, conditional: Dataset
) -> None:
    application = participation.apply_for_access(
        actor=od_citizen, dataset=conditional, purpose="研究门诊流量的季节变化"
    )

    assert application.status == "pending"
    assert application.due_on == calendar.add_working_days(timezone.localdate(), 10)
    assert AuditEntry.objects.filter(
        action="opendata.access_applied", target_id=str(application.pk)
    ).exists()


def test_a_second_pending_application_is_refused(od_citizen: Any, conditional: Dataset) -> None:
    participation.apply_for_access(actor=od_citizen, dataset=conditional, purpose="科研")

    error = refused(
        ErrorCode.APPLICATION_INVALID,
        participation.apply_for_access,
        actor=od_citizen,
        dataset=conditional,
        purpose="再申请一次",
    )

    assert error.status == 409
    assert AccessApplication.objects.count() == 1


def test_an_unconditional_dataset_needs_no_application(od_citizen: Any, od_dataset: Any) -> None:
    error = refused(
        ErrorCode.APPLICATION_INVALID,
        participation.apply_for_access,
        actor=od_citizen,
        dataset=od_dataset,
        purpose="看看",
    )

    assert "无需申请" in str(error.message)
    assert not AccessApplication.objects.exists()
    assert AuditEntry.objects.filter(action="opendata.access_apply_refused").exists()


def test_an_application_needs_a_purpose_and_a_signed_in_user(
    od_citizen: Any, conditional: Dataset
) -> None:
    refused(
        ErrorCode.APPLICATION_INVALID,
        participation.apply_for_access,
        actor=od_citizen,
        dataset=conditional,
        purpose="   ",
    )
    with pytest.raises(DomainError) as anonymous:
        participation.apply_for_access(actor=None, dataset=conditional, purpose="科研")
    assert anonymous.value.status == 401
    assert not AccessApplication.objects.exists()


def test_the_publishers_clerk_approves_and_the_applicant_gets_access(
    od_citizen: Any, od_clerk: Any, conditional: Dataset
) -> None:
    application = participation.apply_for_access(
        actor=od_citizen, dataset=conditional, purpose="科研"
    )
    assert not services.may_access(od_citizen, conditional)

    participation.decide_access(
        actor=od_clerk, application=application, approve=True, reason="", valid_days=30
    )

    application.refresh_from_db()
    assert application.status == "approved"
    assert application.decided_by == od_clerk
    assert application.expires_at is not None
    assert application.expires_at - timezone.now() > dt.timedelta(days=29)
    assert services.may_access(od_citizen, conditional)
    event = OutboxEvent.objects.get(topic="opendata.application_decided")
    assert event.payload["applicant_id"] == od_citizen.pk
    assert event.payload["status"] == "approved"
    # approved: applying again is pointless
    refused(
        ErrorCode.APPLICATION_INVALID,
        participation.apply_for_access,
        actor=od_citizen,
        dataset=conditional,
        purpose="再来",
    )


def test_a_rejection_needs_a_reason(od_citizen: Any, od_clerk: Any, conditional: Dataset) -> None:
    application = participation.apply_for_access(
        actor=od_citizen, dataset=conditional, purpose="科研"
    )

    refused(
        ErrorCode.APPLICATION_INVALID,
        participation.decide_access,
        actor=od_clerk,
        application=application,
        approve=False,
        reason=" ",
        valid_days=None,
    )
    application.refresh_from_db()
    assert application.status == "pending"

    participation.decide_access(
        actor=od_clerk, application=application, approve=False, reason="用途不符合开放条件"
    )
    application.refresh_from_db()
    assert (application.status, application.reason) == ("rejected", "用途不符合开放条件")
    assert not services.may_access(od_citizen, conditional)
    refused(
        ErrorCode.STATUS_TRANSITION,
        participation.decide_access,
        actor=od_clerk,
        application=application,
        approve=True,
    )


def test_an_outsider_clerk_cannot_decide_and_nothing_changes(
    od_citizen: Any, od_outsider: Any, conditional: Dataset
) -> None:
    application = participation.apply_for_access(
        actor=od_citizen, dataset=conditional, purpose="科研"
    )

    error = refused(
        ErrorCode.NOT_FOUND,
        participation.decide_access,
        actor=od_outsider,
        application=application,
        approve=True,
    )

    assert error.status == 404
    application.refresh_from_db()
    assert application.status == "pending"
    assert application.decided_by is None
    assert AuditEntry.objects.filter(
        action="opendata.access_decide_refused", actor_id=od_outsider.pk
    ).exists()


def test_overdue_applications_show_in_the_clerks_queue(
    od_citizen: Any, od_clerk: Any, od_outsider: Any, conditional: Dataset
) -> None:
    application = participation.apply_for_access(
        actor=od_citizen, dataset=conditional, purpose="科研"
    )
    AccessApplication.objects.filter(pk=application.pk).update(
        due_on=timezone.localdate() - dt.timedelta(days=1)
    )

    assert list(participation.applications_for_clerk(od_clerk, status="overdue")) == [application]
    assert not participation.applications_for_clerk(od_outsider).exists()
    assert list(participation.applications_of(od_citizen)) == [application]


# --- data requests --------------------------------------------------------------------------


def test_a_citizen_requests_data_and_the_clerk_answers_with_a_dataset(
    od_citizen: Any, od_clerk: Any, od_publisher: Any, od_dataset: Any
) -> None:
    request = participation.submit_data_request(
        actor=od_citizen,
        publisher=od_publisher,
        title="公交站点实时到站数据",
        description="希望开放公交车实时到站时间。",
        purpose="开发出行小程序",
    )
    assert request.status == "open"
    assert request.due_on == calendar.add_working_days(timezone.localdate(), 10)

    participation.answer_data_request(
        actor=od_clerk, request=request, answer="已开放公交站点数据集。", dataset=od_dataset
    )

    request.refresh_from_db()
    assert request.status == "answered"
    assert request.dataset == od_dataset
    assert OutboxEvent.objects.filter(
        topic="opendata.data_request_decided", payload__requester_id=od_citizen.pk
    ).exists()
    assert AuditEntry.objects.filter(action="opendata.data_request_answered").exists()


@pytest.mark.parametrize(
    ("title", "description"),
    [("", "描述"), ("标" * 201, "描述"), ("标题", ""), ("标题", "述" * 5001)],
)
def test_a_data_request_needs_a_title_and_description_within_limits(
    od_citizen: Any, od_publisher: Any, title: str, description: str
) -> None:
    refused(
        ErrorCode.REQUEST_INVALID,
        participation.submit_data_request,
        actor=od_citizen,
        publisher=od_publisher,
        title=title,
        description=description,
    )
    assert not DataRequest.objects.exists()


def test_an_answer_cannot_point_at_another_publishers_dataset(
    od_citizen: Any, od_outsider: Any, od_other_publisher: Any, od_dataset: Any
) -> None:
    request = participation.submit_data_request(
        actor=od_citizen, publisher=od_other_publisher, title="需求", description="描述"
    )

    refused(
        ErrorCode.REQUEST_INVALID,
        participation.answer_data_request,
        actor=od_outsider,
        request=request,
        answer="见此数据集",
        dataset=od_dataset,
    )
    request.refresh_from_db()
    assert request.status == "open"


def test_decline_needs_a_reason_and_outsiders_find_nothing(
    od_citizen: Any, od_clerk: Any, od_outsider: Any, od_publisher: Any
) -> None:
    request = participation.submit_data_request(
        actor=od_citizen, publisher=od_publisher, title="需求", description="描述"
    )
    refused(
        ErrorCode.NOT_FOUND,
        participation.decline_data_request,
        actor=od_outsider,
        request=request,
        reason="不是我们的",
    )
    refused(
        ErrorCode.REQUEST_INVALID,
        participation.decline_data_request,
        actor=od_clerk,
        request=request,
        reason="",
    )
    request.refresh_from_db()
    assert request.status == "open"

    participation.decline_data_request(actor=od_clerk, request=request, reason="涉及个人隐私")
    request.refresh_from_db()
    assert (request.status, request.answer) == ("declined", "涉及个人隐私")


def test_overdue_requests_are_listed(
    od_citizen: Any, od_clerk: Any, od_outsider: Any, od_publisher: Any
) -> None:
    late = participation.submit_data_request(
        actor=od_citizen, publisher=od_publisher, title="逾期", description="描述"
    )
    participation.submit_data_request(
        actor=od_citizen, publisher=od_publisher, title="未逾期", description="描述"
    )
    DataRequest.objects.filter(pk=late.pk).update(
        due_on=timezone.localdate() - dt.timedelta(days=1)
    )

    assert list(participation.data_requests(status="overdue")) == [late]
    assert participation.is_overdue(DataRequest.objects.get(pk=late.pk))
    assert participation.data_request_queue(od_clerk).first() == late
    assert not participation.data_request_queue(od_outsider).exists()


# --- ratings, comments, counters ------------------------------------------------------------


@pytest.mark.parametrize("score", [0, 6, -1])
def test_a_rating_outside_one_to_five_is_refused(
    od_citizen: Any, od_dataset: Any, score: int
) -> None:
    error = refused(
        ErrorCode.RATING_INVALID,
        participation.rate_dataset,
        actor=od_citizen,
        dataset=od_dataset,
        score=score,
    )
    assert error.status == 409
    assert not Rating.objects.exists()


def test_ratings_once_per_user_keep_the_average(od_citizen: Any, od_dataset: Any) -> None:
    other = AccountFactory(username="another")
    participation.rate_dataset(actor=od_citizen, dataset=od_dataset, score=4)
    participation.rate_dataset(actor=other, dataset=od_dataset, score=5)

    error = refused(
        ErrorCode.ALREADY_RATED,
        participation.rate_dataset,
        actor=od_citizen,
        dataset=od_dataset,
        score=1,
    )

    assert error.status == 409
    od_dataset.refresh_from_db()
    assert (od_dataset.rating_count, od_dataset.rating_total) == (2, 9)
    assert participation.rating_summary(od_dataset) == {"average": 4.5, "count": 2}


def test_comments_between_one_and_two_thousand_characters(od_citizen: Any, od_dataset: Any) -> None:
    for body in ("", "   ", "评" * 2001):
        refused(
            ErrorCode.COMMENT_INVALID,
            participation.comment_on_dataset,
            actor=od_citizen,
            dataset=od_dataset,
            body=body,
        )
    assert not Comment.objects.exists()

    comment = participation.comment_on_dataset(
        actor=od_citizen, dataset=od_dataset, body="评" * 2000
    )
    assert list(participation.visible_comments(od_dataset)) == [comment]


def test_the_clerk_hides_a_comment_an_outsider_cannot(
    od_citizen: Any, od_clerk: Any, od_outsider: Any, od_dataset: Any
) -> None:
    comment = participation.comment_on_dataset(
        actor=od_citizen, dataset=od_dataset, body="广告内容"
    )
    refused(ErrorCode.NOT_FOUND, participation.hide_comment, actor=od_outsider, comment=comment)
    comment.refresh_from_db()
    assert not comment.hidden

    participation.hide_comment(actor=od_clerk, comment=comment, reason="广告")

    assert not participation.visible_comments(od_dataset).exists()
    assert AuditEntry.objects.filter(action="opendata.comment_hidden").exists()


def test_view_counter(od_dataset: Any) -> None:
    participation.count_view(od_dataset)
    participation.count_view(od_dataset)
    od_dataset.refresh_from_db()
    assert od_dataset.view_count == 2


# --- the Action API -------------------------------------------------------------------------


def test_datarequest_create_needs_a_token_and_post(
    client: Any, citizen_token: str, od_publisher: Any
) -> None:
    params = {"organization": "4201-sjj", "title": "停车场空位数据", "description": "实时空位"}

    anonymous = call(client, "datarequest_create", params)
    assert anonymous.status_code == 403
    assert anonymous.json()["error"]["__type"] == "Authorization Error"

    by_get = client.get(API + "datarequest_create", params, HTTP_AUTHORIZATION=citizen_token)
    assert by_get.status_code == 400
    assert not DataRequest.objects.exists()

    created = call(client, "datarequest_create", params, citizen_token)
    assert created.status_code == 200, created.json()
    result = created.json()["result"]
    assert result["status"] == "open"
    assert result["organization"] == "4201-sjj"
    assert result["user"] != "citizen"  # masked in public

    shown = client.get(API + "datarequest_show", {"id": result["id"]}).json()["result"]
    assert shown["title"] == "停车场空位数据"
    listed = client.get(
        API + "datarequest_list", {"organization": "4201-sjj", "status": "open"}
    ).json()["result"]
    assert listed["count"] == 1
    assert client.get(API + "datarequest_list", {"status": "nonsense"}).status_code == 409


def test_datarequest_answer_by_the_publishers_token(
    client: Any, citizen_token: str, od_token: str, od_outsider_token: str, od_dataset: Any
) -> None:
    created = call(
        client,
        "datarequest_create",
        {"organization": "4201-sjj", "title": "站点", "description": "站点数据"},
        citizen_token,
    ).json()["result"]

    outsider = call(
        client, "datarequest_answer", {"id": created["id"], "answer": "答复"}, od_outsider_token
    )
    assert outsider.status_code == 404
    assert DataRequest.objects.get(pk=created["id"]).status == "open"

    answered = call(
        client,
        "datarequest_answer",
        {"id": created["id"], "answer": "已开放", "accepted_dataset_id": "wuhan-bus-stops"},
        od_token,
    )
    assert answered.status_code == 200, answered.json()
    assert answered.json()["result"]["accepted_dataset"] == "wuhan-bus-stops"


def test_access_requests_through_the_api(
    client: Any,
    citizen_token: str,
    od_token: str,
    od_outsider_token: str,
    conditional: Dataset,
    od_dataset: Any,
) -> None:
    unconditional = call(
        client,
        "access_request_create",
        {"package_id": "wuhan-bus-stops", "purpose": "看看"},
        citizen_token,
    )
    assert unconditional.status_code == 409
    assert "无需申请" in unconditional.json()["error"]["message"]

    created = call(
        client,
        "access_request_create",
        {"package_id": str(conditional.pk), "purpose": "科研"},
        citizen_token,
    )
    assert created.status_code == 200, created.json()
    app_id = created.json()["result"]["id"]

    mine = client.get(API + "access_request_list", HTTP_AUTHORIZATION=citizen_token)
    assert mine.json()["result"]["count"] == 1
    queue = client.get(
        API + "access_request_list", {"scope": "publisher"}, HTTP_AUTHORIZATION=od_token
    )
    assert [a["id"] for a in queue.json()["result"]["results"]] == [app_id]
    assert client.get(API + "access_request_list").status_code == 403

    outsider = call(
        client, "access_request_decide", {"id": app_id, "approve": True}, od_outsider_token
    )
    assert outsider.status_code == 404
    assert AccessApplication.objects.get(pk=app_id).status == "pending"

    no_reason = call(client, "access_request_decide", {"id": app_id, "approve": False}, od_token)
    assert no_reason.status_code == 409
    assert "reason" in no_reason.json()["error"]

    decided = call(
        client,
        "access_request_decide",
        {"id": app_id, "approve": True, "valid_days": 90},
        od_token,
    )
    assert decided.status_code == 200, decided.json()
    assert decided.json()["result"]["status"] == "approved"


def test_ratings_and_comments_through_the_api(
    client: Any, citizen_token: str, od_dataset: Any
) -> None:
    for bad in (0, 6, "五"):
        response = call(
            client, "rating_create", {"package_id": "wuhan-bus-stops", "rating": bad}, citizen_token
        )
        assert response.status_code == 409
        assert response.json()["error"]["__type"] == "Validation Error"
    assert (
        call(client, "rating_create", {"package_id": "wuhan-bus-stops", "rating": 4}).status_code
        == 403
    )

    rated = call(
        client, "rating_create", {"package_id": "wuhan-bus-stops", "rating": "4"}, citizen_token
    )
    assert rated.json()["result"] == {"package_id": str(od_dataset.pk), "average": 4.0, "count": 1}
    twice = call(
        client, "rating_create", {"package_id": "wuhan-bus-stops", "rating": 5}, citizen_token
    )
    assert twice.status_code == 409
    assert "已评价" in twice.json()["error"]["message"]
    shown = client.get(API + "rating_show", {"package_id": "wuhan-bus-stops"}).json()["result"]
    assert (shown["average"], shown["count"]) == (4.0, 1)

    empty = call(
        client, "comment_create", {"package_id": "wuhan-bus-stops", "comment": ""}, citizen_token
    )
    assert empty.status_code == 409
    made = call(
        client,
        "comment_create",
        {"package_id": "wuhan-bus-stops", "comment": "数据很有用"},
        citizen_token,
    )
    assert made.status_code == 200, made.json()
    listed = client.get(API + "comment_list", {"package_id": "wuhan-bus-stops"}).json()["result"]
    assert [c["comment"] for c in listed["results"]] == ["数据很有用"]
    missing = client.get(API + "comment_list", {"package_id": "no-such-dataset"})
    assert missing.status_code == 404

"""The weekly summary: replayed content, and a post that arrives exactly once.

Posting runs against the local Slack stand-in: real `sts summary --post` processes racing, the
real SQLite ledger, the real APScheduler (printing, and a refusal to post, run `sts summary` in
this process: tests/cli_inprocess.py).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time

import pandas as pd
import pytest
from slack_sdk import WebClient

from sts_bot.gateway.seen import Seen
from sts_bot.weekly.ledger import Ledger
from sts_bot.weekly.post import METADATA_EVENT, Schedule, due_as_of, post_weekly
from sts_bot.weekly.scheduler import catch_up, start_scheduler
from sts_queries.answer import ask
from sts_queries.cohort.cohort import demo_path
from sts_queries.errors import UsageError
from tests.cli_inprocess import run_sts
from tests.slack_stub import SlackStub

STS = [sys.executable, "-m", "sts_bot.cli"]
CHANNEL = "C0SUMMARY1"
UTC = dt.UTC


def summary_env(stub: SlackStub, state) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STS_"))}
    env.update(
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_API_URL=stub.api_url,
        STS_SUMMARY_CHANNEL=CHANNEL,
        STS_STATE_DIR=str(state),
        MPLBACKEND="Agg",
    )
    return env


def posts(stub: SlackStub) -> list:
    """The posts to CHANNEL, each recorded (a call is recorded just after its answer: a client
    can be done with it a moment before; a run saw the week before's post as the last)."""
    stub.settled()
    return [c for c in stub.find("chat.postMessage") if c.data.get("channel") == CHANNEL]


# --- content -----------------------------------------------------------------------------


def test_replayed_week_matches_an_independent_count_from_the_csv_files(demo):
    """Week 2019-W42 (Mon 14 – Sun 20 Oct 2019), recomputed here with pandas alone."""
    a = ask("summary as_of=2019-10-14", demo).as_json()
    end = "2019-10-20"
    patients = pd.read_csv(demo_path() / "patients.csv", dtype={"patient_id": str})
    started = patients[patients["start_date"] <= end]
    seen = pd.read_csv(demo_path() / "assessments.csv", dtype={"patient_id": str})
    seen = seen[seen["date"] <= end]
    rank = {"CR": 0, "PR": 1, "SD": 2, "PD": 3}
    best = seen.assign(r=seen["response"].map(rank)).groupby("patient_id")["r"].min()
    controlled = int((best <= 2).sum())
    assert (a["period"], a["as_of"], a["size"]) == ("2019-W42", end, len(started))
    assert a["dcr"]["count"] == controlled and a["dcr"]["n"] == len(started)
    assert a["orr"]["breakdown"]["NE"] == len(started) - len(best)
    events = pd.read_csv(demo_path() / "adverse_events.csv")
    severe = events[(events["grade"] >= 3) & events["onset_date"].between("2019-10-14", end)]
    assert sum(e["events"] for e in a["new_grade3plus"]) == len(severe)


def test_a_week_with_news(demo):
    a = ask("summary as_of=2019-09-18", demo).as_json()
    assert a["joined"] == ["8", "12"]  # Table 3: both started on 2019-09-17
    assert a["size"] == a["size_before"] + 2


def test_summary_cli_prints_the_week(tmp_path):
    done = run_sts(
        "summary", "--as-of", "2019-10-14", env=os.environ | {"STS_STATE_DIR": str(tmp_path)}
    )
    assert done.returncode == 0, done.stderr
    assert "Week 2019-W42 (Mon 14 Oct – Sun 20 Oct 2019)" in done.stdout
    assert "ORR" in done.stdout and "DCR" in done.stdout and "Median PFS" in done.stdout


def test_summary_takes_no_filters(demo):
    with pytest.raises(UsageError, match="no filters"):
        ask("summary histology=LPS", demo)


# --- exactly once ------------------------------------------------------------------------


def test_two_processes_racing_for_one_week_post_once_and_a_restart_posts_nothing(tmp_path):
    with SlackStub() as stub:
        # A patient channel gets the full post, its KM plot too (a public one: no plot, <5s).
        env = summary_env(stub, tmp_path / "state") | {"STS_PATIENT_CHANNELS": CHANNEL}
        command = [*STS, "summary", "--post", "--as-of", "2019-10-14"]
        racers = [
            subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        outputs = [p.communicate(timeout=120)[0] for p in racers]
        assert [p.returncode for p in racers] == [0, 0]
        assert sorted(o.split(": ")[1].split()[0] for o in outputs) in (
            ["already-sent", "posted"],
            ["claimed-elsewhere", "posted"],
        )
        assert len(posts(stub)) == 1
        meta = posts(stub)[0].data["metadata"]
        assert meta == {"event_type": METADATA_EVENT, "event_payload": {"period": "2019-W42"}}
        # The restart reads what the racers left on the volume: run in this process (one
        # with no ledger open), it needs no interpreter of its own.
        again = run_sts(*command[len(STS) :], env=env, cwd=tmp_path)
        assert again.returncode == 0 and "already-sent" in again.stdout
        assert len(posts(stub)) == 1
        assert stub.find("files.completeUploadExternal")  # the KM plot follows in the thread


def test_post_refuses_without_a_channel(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STS_"))}
    done = run_sts("summary", "--post", env=env | {"SLACK_BOT_TOKEN": "xoxb-x"}, cwd=tmp_path)
    assert done.returncode == 2 and "STS_SUMMARY_CHANNEL: is not set" in done.stderr


@pytest.fixture
def slack():
    with SlackStub() as stub:
        yield stub, WebClient(token="xoxb-test", base_url=stub.api_url)


def test_a_refused_post_releases_the_claim_so_the_next_run_posts(slack, demo, tmp_path):
    stub, client = slack
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    stub.fail("chat.postMessage", "not_in_channel")  # Slack answered: nothing was posted
    first = post_weekly(
        client=client, channel=CHANNEL, cohort=demo, ledger=ledger, as_of=dt.date(2019, 10, 14)
    )
    assert first.status == "not-posted" and "not_in_channel" in first.detail
    assert ledger.status("2019-W42", CHANNEL) is None
    result = post_weekly(
        client=client, channel=CHANNEL, cohort=demo, ledger=ledger, as_of=dt.date(2019, 10, 14)
    )
    delivered = [m for m in stub.messages if m["channel"] == CHANNEL]
    assert result.status == "posted" and len(delivered) == 1


def test_a_500_keeps_the_claim_and_the_next_run_looks_before_posting(slack, demo, tmp_path):
    stub, client = slack
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    stub.fail("chat.postMessage", "internal_error", status=500)
    first = post_weekly(
        client=client, channel=CHANNEL, cohort=demo, ledger=ledger, as_of=dt.date(2019, 10, 14)
    )
    assert first.status == "unknown" and "HTTP 500" in first.detail
    assert ledger.status("2019-W42", CHANNEL)[0] == "unknown"  # never released
    result = post_weekly(
        client=client, channel=CHANNEL, cohort=demo, ledger=ledger, as_of=dt.date(2019, 10, 14)
    )
    delivered = [m for m in stub.messages if m["channel"] == CHANNEL]
    assert result.status == "posted" and len(delivered) == 1
    assert stub.find("conversations.history")  # it looked first


def test_a_stale_claim_is_taken_over_without_posting_twice(slack, demo, tmp_path):
    """The owner died after posting but before marking it sent: the post is found, not redone."""
    stub, client = slack
    ledger = Ledger(tmp_path / "ledger.sqlite3", stale_after=dt.timedelta(minutes=10))
    long_ago = dt.datetime.now(UTC) - dt.timedelta(hours=1)
    claim = ledger.claim("2019-W42", CHANNEL, now=long_ago)
    assert ledger.start_posting(claim, now=long_ago)
    client.chat_postMessage(
        channel=CHANNEL,
        text="the dead owner's post",
        metadata={"event_type": METADATA_EVENT, "event_payload": {"period": "2019-W42"}},
    )
    result = post_weekly(
        client=client, channel=CHANNEL, cohort=demo, ledger=ledger, as_of=dt.date(2019, 10, 16)
    )
    assert result.status == "recovered" and len(posts(stub)) == 1
    assert ledger.status("2019-W42", CHANNEL)[0] == "sent"


def test_a_fresh_claim_of_another_process_is_left_alone(slack, demo, tmp_path):
    stub, client = slack
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    assert ledger.claim("2019-W42", CHANNEL) is not None
    result = post_weekly(
        client=client, channel=CHANNEL, cohort=demo, ledger=ledger, as_of=dt.date(2019, 10, 14)
    )
    assert result.status == "claimed-elsewhere" and posts(stub) == []


# --- scheduling ----------------------------------------------------------------------------

MONDAY_8 = Schedule(day="mon", hour=8, minute=0, timezone="UTC", grace=dt.timedelta(hours=12))


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (dt.datetime(2019, 10, 21, 8, 0, tzinfo=UTC), dt.date(2019, 10, 20)),  # on time
        (dt.datetime(2019, 10, 21, 19, 59, tzinfo=UTC), dt.date(2019, 10, 20)),  # late, in grace
        (dt.datetime(2019, 10, 21, 20, 1, tzinfo=UTC), None),  # past the grace window
        (dt.datetime(2019, 10, 21, 7, 59, tzinfo=UTC), None),  # last week's is long past
        (dt.datetime(2019, 10, 24, 12, 0, tzinfo=UTC), None),
    ],
)
def test_due_as_of(now, due):
    assert due_as_of(MONDAY_8, now) == due


def test_time_zone_of_the_schedule():
    berlin = Schedule(day="mon", hour=8, timezone="Europe/Berlin", grace=dt.timedelta(hours=1))
    # 08:00 in Berlin on 21 Oct 2019 (summer time) is 06:00 UTC.
    assert due_as_of(berlin, dt.datetime(2019, 10, 21, 6, 30, tzinfo=UTC)) == dt.date(2019, 10, 20)
    assert due_as_of(berlin, dt.datetime(2019, 10, 21, 7, 30, tzinfo=UTC)) is None


def test_a_scheduler_down_at_the_scheduled_time_posts_once_on_return(slack, demo, tmp_path):
    stub, client = slack
    ledger = Ledger(tmp_path / "ledger.sqlite3")

    def post(as_of):
        return post_weekly(client=client, channel=CHANNEL, cohort=demo, ledger=ledger, as_of=as_of)

    back = dt.datetime(2019, 10, 21, 11, 0, tzinfo=UTC)  # 3 h after Monday 08:00
    assert catch_up(MONDAY_8, post, now=back).status == "posted"
    assert catch_up(MONDAY_8, post, now=back + dt.timedelta(hours=1)).status == "already-sent"
    assert len(posts(stub)) == 1
    assert "2019-W42" in str(posts(stub)[0].data["metadata"])  # the week that ended Sunday
    too_late = dt.datetime(2019, 10, 28, 23, 0, tzinfo=UTC)  # 15 h after the next Monday's
    assert catch_up(MONDAY_8, post, now=too_late) is None
    assert len(posts(stub)) == 1


def test_the_running_scheduler_catches_up_once_and_keeps_the_cron_job(slack, demo, tmp_path):
    stub, client = slack
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    now = dt.datetime.now(UTC)
    today = Schedule(
        day=("mon", "tue", "wed", "thu", "fri", "sat", "sun")[now.weekday()],
        hour=0,
        minute=0,
        timezone="UTC",
        grace=dt.timedelta(hours=24),
    )
    calls = []

    def post(as_of):
        calls.append(as_of)
        return post_weekly(client=client, channel=CHANNEL, cohort=demo, ledger=ledger, as_of=as_of)

    scheduler = start_scheduler(today, post)
    try:
        deadline = time.monotonic() + 30
        while not calls and time.monotonic() < deadline:
            time.sleep(0.05)
        job = scheduler.get_job("weekly-summary")
        assert job is not None and "day_of_week" in str(job.trigger)
    finally:
        scheduler.shutdown(wait=True)
    assert calls == [now.date() - dt.timedelta(days=1)]
    assert len(posts(stub)) == 1


def test_a_cohort_without_dates_has_no_week_to_summarise(tmp_path):
    # Without start dates every event would land in "this week" (R's veteran: "This week: 128
    # deaths"): the summary says what it cannot tell and which column would let it.
    from sts_queries.cohort.cohort import load_cohort
    from tests.conftest import write_cohort

    patients = "patient_id,best_response,pfs_time,pfs_event\n1,PR,3,1\n2,SD,5,0\n3,PD,1,1\n"
    cohort = load_cohort(write_cohort(tmp_path / "c", patients))
    for command in ("summary", "summary as_of=2019-10-14"):
        with pytest.raises(UsageError, match="no dates, so a summary cannot tell") as raised:
            ask(command, cohort)
        assert "start_date" in raised.value.hint


def test_a_week_that_cannot_be_summarised_is_not_posted_and_not_claimed(slack, tmp_path):
    from sts_queries.cohort.cohort import load_cohort
    from tests.conftest import write_cohort

    stub, client = slack
    cohort = load_cohort(write_cohort(tmp_path / "c", "patient_id,best_response\n1,PR\n"))
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    result = post_weekly(
        client=client, channel=CHANNEL, cohort=cohort, ledger=ledger, as_of=dt.date(2019, 10, 14)
    )
    assert result.status == "not-posted" and "start_date" in result.detail
    assert posts(stub) == [] and ledger.status("2019-W42", CHANNEL) is None


def test_consecutive_posts_cannot_be_subtracted(slack, demo, tmp_path):
    """Issue 19: "ORR 4/13" one week and "5/14" the next gave the newcomer's response. Case 7
    joined in W41 (one patient): that post holds the figures; five more joined by W11 2020."""
    stub, client = slack
    ledger, seen = Ledger(tmp_path / "ledger.sqlite3"), Seen(tmp_path / "shown.sqlite3")

    def post(day):
        result = post_weekly(
            client=client, channel=CHANNEL, cohort=demo, ledger=ledger, as_of=day, seen=seen
        )
        assert result.status == "posted"
        return str(posts(stub)[-1].data["blocks"])

    first = post(dt.date(2019, 10, 6))  # 8 patients: the figures shown
    assert "*ORR " in first and "*DCR " in first and "not updated" not in first
    held = post(dt.date(2019, 10, 13))  # 9: one more
    assert "*ORR " not in held and "*DCR " not in held and "Median PFS" not in held
    assert "not updated in this post" in held and "Cohort: 9 patients" in held
    back = post(dt.date(2020, 3, 15))  # 14: six more than the figures last shown
    assert "*ORR " in back and "not updated" not in back

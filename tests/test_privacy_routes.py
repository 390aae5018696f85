"""Every route a patient could leak by, through the real `sts serve --http`: signed requests in,
the Slack stand-in's record of what went out. Each row is a setting, a kind of place, how the
answer is asked for (typed, `share`, the Share button), a command, and what must happen.

From a public channel (or a DM or private channel not set up for it) nothing patient-level —
no case's card, timeline, id or lone number, no image or file — may reach the stand-in.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.log_guard import assert_clean
from tests.slack_stub import SlackStub, action_body, sign, slash_body
from tests.test_slack_http import STS, Served, server_env, shared_state, start_server

PUBLIC, BOARD, OTHER, DM = "C0PUBLIC1", "G0BOARD01", "G0OTHER01", "D0ASKER01"
SETTINGS = {
    # Nothing configured: the hospital default.
    "default": {"STS_PATIENT_CHANNELS": "", "STS_PATIENT_DMS": "false"},
    # The tumor board's private channel.
    "board": {"STS_PATIENT_CHANNELS": BOARD, "STS_PATIENT_DMS": "false"},
    # …and DMs explicitly allowed.
    "board+dms": {"STS_PATIENT_CHANNELS": BOARD, "STS_PATIENT_DMS": "true"},
}
# What only a patient-level answer shows: a case named, a card's facts, a lone patient's time.
# (Patient 8's card: the date of their surgery, their PFS status; any case named.)
PATIENT_LEVEL = re.compile(r"Case \d|\bcases? \d|\(case|2019-09-17|Resected|censored")

ROUTES = [
    # setting, place, how, command, expected
    ("default", PUBLIC, "typed", "baseline by=id", "refused"),
    ("default", PUBLIC, "typed", "pfs by=patient_id", "refused"),
    ("default", PUBLIC, "typed", "tox by=case", "refused"),
    ("default", PUBLIC, "typed", "baseline id=8", "refused"),
    ("default", PUBLIC, "typed", "dcr id=8", "refused"),
    ("default", PUBLIC, "typed", "swimmer", "refused"),
    ("default", PUBLIC, "typed", "waterfall", "refused"),
    ("default", PUBLIC, "typed", "spider by=histology", "refused"),
    ("default", PUBLIC, "typed", "count age=40 sex=M", "refused"),
    ("default", PUBLIC, "typed", "orr age=40 sex=M", "refused"),
    ("default", PUBLIC, "typed", "count sex!=F histology=LPS", "refused"),
    ("default", PUBLIC, "typed", "patient 8", "refused"),
    ("default", PUBLIC, "typed", "list", "refused"),
    ("default", PUBLIC, "typed", "summary as_of=2019-09-18", "suppressed"),
    ("default", PUBLIC, "typed", "orr by=stage", "suppressed"),
    ("default", PUBLIC, "typed", "count by=sex", "aggregate"),
    ("default", PUBLIC, "typed", "ttr by=sex", "suppressed"),  # few responders, no range
    ("default", DM, "typed", "patient 8", "refused"),
    ("default", DM, "typed", "tox by=case", "refused"),
    ("default", PUBLIC, "share", "swimmer share", "refused"),
    ("default", PUBLIC, "share", "patient 8 share", "refused"),
    ("default", PUBLIC, "share", "orr by=stage share", "suppressed"),
    ("default", PUBLIC, "button", "patient 8", "refused"),
    ("default", PUBLIC, "button", "baseline by=id", "refused"),
    ("default", PUBLIC, "button", "summary as_of=2019-09-18", "suppressed"),
    ("board", PUBLIC, "typed", "patient 8", "refused"),
    ("board", PUBLIC, "button", "patient 8", "refused"),
    ("board", PUBLIC, "share", "swimmer share", "refused"),
    ("board", OTHER, "typed", "patient 8", "refused"),  # private, but not set up for it
    ("board", DM, "typed", "patient 8", "refused"),
    ("board", BOARD, "typed", "patient 8", "full"),
    ("board", BOARD, "typed", "summary as_of=2019-09-18", "full"),
    ("board", BOARD, "typed", "orr age=40 sex=M", "full"),
    ("board", BOARD, "share", "swimmer share", "full"),
    ("board", PUBLIC, "share", "waterfall share", "refused"),
    ("board", BOARD, "share", "waterfall share", "full"),
    ("board", BOARD, "button", "patient 8", "full"),
    ("board+dms", DM, "typed", "patient 8", "full"),
    ("board+dms", DM, "share", "baseline by=id share", "full"),
    ("board+dms", PUBLIC, "typed", "pfs by=patient_id", "refused"),
]
# What a full answer shows, to tell it from a refusal.
FULL = {
    "patient 8": "Case 8",
    "summary as_of=2019-09-18": "(cases ",
    "orr age=40 sex=M": "n = 1",
    "swimmer share": "Swimmer",
    "waterfall share": "Waterfall plot",
    "baseline by=id share": "Baseline characteristics · by patient_id",
}


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """One server per setting at DEBUG; tests/log_guard.py reads its logs when it stops. They
    share one stored cohort, and draw their plots in-process (the same PNGs)."""
    started = {}
    state = shared_state(tmp_path_factory)
    with SlackStub() as stub:
        # The folders first, one at a time: pytest's tmp_path_factory is not thread-safe.
        folders = {
            name: tmp_path_factory.mktemp(f"routes-{name.replace('+', '-')}") for name in SETTINGS
        }

        def start(name: str, extra: dict) -> None:
            tmp = folders[name]
            env = server_env(
                stub,
                tmp,
                STS_LOG_LEVEL="DEBUG",
                STS_PLOT_PROCESSES="0",
                STS_STATE_DIR=state,
                **extra,
            )
            proc, address = start_server(env, tmp)
            started[name] = (proc, Served(stub=stub, address=address, audit=tmp / "audit.jsonl"))

        try:
            with ThreadPoolExecutor(len(SETTINGS)) as pool:  # the servers start side by side
                list(pool.map(start, SETTINGS, SETTINGS.values()))
            yield {name: started[name][1] for name in SETTINGS}
        finally:
            for proc, served in started.values():
                proc.terminate()
                proc.wait(timeout=10)
                assert_clean(served.audit.parent)


def _delivered(served: Served, user: str) -> bool:
    lines = (
        [json.loads(x) for x in served.audit.read_text().splitlines()]
        if served.audit.exists()
        else []
    )
    ids = {x["id"] for x in lines if x.get("user") == user}
    return any(x.get("id") in ids and "delivery" in x for x in lines)


def ask(served: Served, how: str, command: str, user: str, channel: str) -> list:
    """Send the command as asked; every call the stand-in got until its answer was delivered."""
    stub = served.stub
    first = len(stub.calls)
    url = stub.response_url(user)
    if how == "button":
        body = action_body(command, response_url=url, user=user, channel=channel)
    else:
        body = slash_body(command, response_url=url, user=user, channel=channel)
    status, _ = served.post(body, sign(body))
    assert status == 200  # acked; the answer follows through response_url (below)
    # Delivered: the command's audit record is completed by its delivery line once the reply
    # and every upload that follows it are out (bot/slack/delivery.py).
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not _delivered(served, user):
        time.sleep(0.02)
    assert _delivered(served, user), f"no delivery line for {user}"
    stub.settled()  # the stand-in records a call just after answering it
    return stub.calls[first:]  # rows run one at a time: these are this row's


def said(calls: list) -> str:
    """Every word sent to Slack (posts, private replies, file metadata), as one text."""
    parts = []
    for c in calls:
        if c.path.startswith("/upload"):
            continue
        data = json.loads(c.body) if c.path.startswith("/respond/") else c.data
        parts.append(json.dumps(data, ensure_ascii=False))
    text = "\n".join(parts)  # Block Kit escapes <, > and & in mrkdwn
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@pytest.mark.parametrize(
    ("setting", "place", "how", "command", "expected"),
    ROUTES,
    ids=[f"{s}|{p}|{h}|{c}" for s, p, h, c, _ in ROUTES],
)
def test_route(servers, setting, place, how, command, expected):
    served = servers[setting]
    user = f"U0R{ROUTES.index((setting, place, how, command, expected)):03d}"
    calls = ask(served, how, command, user, place)
    text = said(calls)
    posts = [c for c in calls if c.method == "chat.postMessage"]
    uploads = [c for c in calls if c.method.startswith("files.") or c.path.startswith("/upload")]
    if expected == "refused":
        assert "not given here" in text, text
        assert not posts and not uploads
    if expected in ("refused", "suppressed", "aggregate"):
        assert not PATIENT_LEVEL.search(text), PATIENT_LEVEL.search(text)
        assert not uploads  # no plot with small numbers, no swimmer, no file
    if expected == "suppressed":
        assert "<5" in text and "shown as <5" in text
    if expected == "aggregate":
        assert "<5" not in text and "not given here" not in text
    if expected == "full":
        assert FULL[command] in text and "not given here" not in text
        assert "<5" not in text
    if how in ("share", "button") and expected != "refused":
        (post,) = posts
        assert post.data["channel"] == place  # where it was asked, nowhere else
    (line,) = served.audit_lines(user)
    assert line["outcome"] == ("refused" if expected == "refused" else "answer")
    assert line["suppressed"] == (expected == "suppressed")


def test_a_public_channel_set_up_for_patients_stops_start_up(tmp_path, tmp_path_factory):
    with SlackStub() as stub:
        done = subprocess.run(
            [*STS, "serve", "--http", "--port", "0"],
            env=server_env(
                stub,
                tmp_path,
                STS_PATIENT_CHANNELS="C0PUBLIC9,G0GONE001",
                STS_STATE_DIR=shared_state(tmp_path_factory),
            ),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert not stub.find("chat.postMessage")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "STS_PATIENT_CHANNELS: C0PUBLIC9 is a public channel" in done.stderr
    assert "will not say whether G0GONE001 is private (channel_not_found)" in done.stderr


def test_with_nothing_configured_a_guest_from_another_workspace_is_not_answered(servers):
    served = servers["default"]
    user = "U0GUEST01"
    url = served.stub.response_url(user)
    body = slash_body("count by=sex", response_url=url, user=user, team="T0GUEST01")
    assert served.post(body, sign(body))[0] == 200
    reply = json.loads(served.stub.wait_for(f"/respond/{user}")[0].body)
    assert "only in the workspaces it was set up for" in json.dumps(reply)
    assert "M 9" not in json.dumps(reply)

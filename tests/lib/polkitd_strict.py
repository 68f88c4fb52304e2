# SPDX-License-Identifier: LGPL-2.1-or-later
"""A polkitd stand-in for python3-dbusmock that checks what it is asked.

dbusmock's own polkitd template ignores the subject and the flags and never
answers with a challenge, so tests could not tell "asked about the caller"
from "asked about the daemon". This template records every
CheckAuthorization (subject kind, subject name, the subject's uid as the bus
reports it, action, flags) and answers per action and per uid:

  SetRules([(action, uid, answer)])   answer: allow | deny | challenge;
                                      uid -1 matches every caller
  SetAllowed([action, ...])           shorthand: allow for every caller
  GetChecks() -> a(ssisu)             (kind, name, uid, action, flags)
  ClearChecks()
  SimulateHang(b) / ReleaseHangingCalls() / HangingCalls() -> u
                                      hold replies, for pending-check tests

A challenge is (is_authorized=False, is_challenge=True), as real polkitd
answers an auth_admin action for a caller without an agent when
interaction was not allowed.

Run with: python3 -m dbusmock --template tests/lib/polkitd_strict.py --system
"""
import dbus

from dbusmock import MOCK_IFACE

BUS_NAME = "org.freedesktop.PolicyKit1"
MAIN_OBJ = "/org/freedesktop/PolicyKit1/Authority"
MAIN_IFACE = "org.freedesktop.PolicyKit1.Authority"
SYSTEM_BUS = True


def load(mock, _parameters):
    mock.AddProperties(MAIN_IFACE, dbus.Dictionary({
        "BackendName": "strict-mock",
        "BackendVersion": "0.1",
        "BackendFeatures": dbus.UInt32(1, variant_level=1),
    }, signature="sv"))
    mock.rules = []
    mock.checks = []
    mock.hang = False
    mock.hanging = []


def _uid_of(name):
    try:
        return int(dbus.SystemBus().get_unix_user(name))
    except dbus.exceptions.DBusException:
        return -2


def _answer(self, action, uid):
    for rule_action, rule_uid, answer in self.rules:
        if rule_action == action and rule_uid in (-1, uid):
            return answer
    return "deny"


@dbus.service.method(MAIN_IFACE, in_signature="(sa{sv})sa{ss}us", out_signature="(bba{ss})",
                     async_callbacks=("ok_cb", "_err_cb"))
def CheckAuthorization(self, subject, action_id, _details, flags, _cancellation_id, ok_cb, _err_cb):
    kind, fields = subject
    name = str(fields.get("name", "")) if kind == "system-bus-name" else ""
    uid = _uid_of(name) if name else -2
    self.checks.append((str(kind), name, uid, str(action_id), int(flags)))
    answer = _answer(self, str(action_id), uid)
    ret = (answer == "allow", answer == "challenge", dbus.Dictionary({}, signature="ss"))
    if self.hang:
        self.hanging.append((ok_cb, ret))
    else:
        ok_cb(ret)


@dbus.service.method(MAIN_IFACE, in_signature="(sa{sv})ss")
def RegisterAuthenticationAgent(_self, _subject, _locale, _object_path):
    pass


@dbus.service.method(MOCK_IFACE, in_signature="a(sis)", out_signature="")
def SetRules(self, rules):
    self.rules = [(str(a), int(u), str(ans)) for a, u, ans in rules]


@dbus.service.method(MOCK_IFACE, in_signature="as", out_signature="")
def SetAllowed(self, actions):
    self.rules = [(str(a), -1, "allow") for a in actions]


@dbus.service.method(MOCK_IFACE, in_signature="d", out_signature="")
def SetDelay(self, _delay):
    # The stock template sleeps in the handler, which serialises every
    # check; use SimulateHang/ReleaseHangingCalls instead.
    raise dbus.exceptions.DBusException("use SimulateHang", name="org.kexecd1.Test.Unsupported")


@dbus.service.method(MOCK_IFACE, in_signature="", out_signature="a(ssisu)")
def GetChecks(self):
    return dbus.Array(self.checks, signature="(ssisu)")


@dbus.service.method(MOCK_IFACE, in_signature="", out_signature="")
def ClearChecks(self):
    self.checks = []


@dbus.service.method(MOCK_IFACE, in_signature="b", out_signature="")
def SimulateHang(self, hang):
    self.hang = bool(hang)


@dbus.service.method(MOCK_IFACE, in_signature="", out_signature="")
def ReleaseHangingCalls(self):
    calls, self.hanging = self.hanging, []
    for cb, ret in calls:
        cb(ret)


@dbus.service.method(MOCK_IFACE, in_signature="", out_signature="u")
def HangingCalls(self):
    return len(self.hanging)

#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Concurrent D-Bus clients against one kexecd: latency, throughput, leaks.

Prints figures; fails only if kexecd dies, exits badly or grows (see --help).
Run: /usr/bin/python3 bench/load/clients.py [--build-dir build] [--clients 64] [--seconds 30]
"""
import argparse
import array
import ctypes
import datetime
import multiprocessing
import os
import pwd
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

try:
    import dbus
except ImportError:
    sys.exit("clients.py: no python3-dbus in %s: run it with /usr/bin/python3" % sys.executable)

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
import fakekernel  # noqa: E402

PYTHON = "/usr/bin/python3"
BUS_NAME = "org.kexecd1"
OBJ_PATH = "/org/kexecd1"
IFACE = "org.kexecd1.Manager"
POLKIT = "org.freedesktop.PolicyKit1"

# The same private system bus as tests/integration/fixture.py (keep in sync):
# permissive defaults for the polkit stand-in plus kexecd's shipped policy.
BUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="org.freedesktop.PolicyKit1"/>
    <allow send_destination="org.freedesktop.PolicyKit1"/>
    <allow send_destination="org.freedesktop.DBus"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
  </policy>
  <include>{policy}</include>
</busconfig>
"""

# (label, method, signature, args) per client role, in print order.
ROLES = {
    "status": ("Status", "Status", "", ()),
    "history": ("GetHistory", "GetHistory", "u", (50,)),
    "reload": ("Reload", "Reload", "sb", ("kexec", False)),
}
ROLE_ORDER = ("status", "history", "reload")

# Phases, published to the clients through one shared integer.
CONNECT, WARMUP, PAUSE, MEASURE, STOP, EXIT = range(6)

FD_GROWTH_MAX = 2
RSS_GROWTH_MAX = 0.50
PR_SET_PDEATHSIG = 1

HELP_DESCRIPTION = """\
Load benchmark for kexecd's D-Bus API: many concurrent clients on one kexecd.
Prints per-method throughput and latency, and checks that kexecd survives
without leaking file descriptors or memory.

It starts the integration tests' setup (tests/integration/fixture.py): a
private dbus-daemon whose configuration includes data/dbus/org.kexecd1.conf,
and kexecd from the build directory on a fake kernel root
(tests/lib/fakekernel.py). The polkit stand-in is python3-dbusmock's stock
polkitd template, and it allows org.kexecd1.load and org.kexecd1.unload. The
kexec image is loaded once so that Reload has something to reload.

Then N clients run concurrently. Each is a separate process with its own bus
connection and calls one method of org.kexecd1.Manager in a loop, one blocking
call at a time:

  Status()                  the rest (most clients)
  GetHistory(50)            N/4, at least 1
  Reload("kexec", false)    N/16, at least 1: a load on the fake kernel each
                            time; authorized (kexecd asks polkit only when
                            the caller is not root, see --reload-user)

A run has three phases: a warm-up (--warmup, not counted); a pause in which
every client has finished its call and kexecd's resources are measured
("before"); the measured phase (--seconds). The resources are measured again
when every client has finished its last call ("after"), and once more when the
clients have closed their connections ("clients gone").
"""

HELP_EPILOG = """\
output:
  Per method: clients, calls started in the measured phase, calls/s, the 50th
  and 99th percentile and the maximum latency in milliseconds (nearest rank,
  over every call, failed ones included), and failed calls counted per D-Bus
  error name. Then kexecd's open file descriptors (entries of /proc/PID/fd),
  VmRSS (/proc/PID/status) and PSS (/proc/PID/smaps_rollup).

  The clients share the CPUs with kexecd, dbus-daemon and the polkit stand-in
  (a Python process every Reload goes through): the figures describe the
  whole setup on this machine, not kexecd alone.

exit status:
  0    the run completed and kexecd held up (failed calls are reported but
       do not change the exit status)
  1    kexecd died or did not exit 0 on SIGTERM, or from "before" to a later
       measurement its open fds grew by more than %d or its VmRSS by more than
       %d%%, or the setup failed; the reason is printed as FAIL: ...
  2    bad command line
  130  interrupted (Ctrl-C), 143 terminated (SIGTERM); either way every
       process started is stopped and the temporary directory removed

requirements:
  root; /usr/bin/python3 with python3-dbus and python3-dbusmock; dbus-daemon
  on PATH; kexecd built (ninja -C DIR). Everything lives in one temporary
  directory under $TMPDIR (bus socket, fake root, state, kexecd's log).

examples:
  /usr/bin/python3 bench/load/clients.py --build-dir build
  /usr/bin/python3 bench/load/clients.py --build-dir build --seconds 10 --clients 8
""" % (FD_GROWTH_MAX, int(RSS_GROWTH_MAX * 100))


class SetupError(Exception):
    pass


class Terminated(BaseException):
    pass


def die_with_parent(sig=signal.SIGKILL):
    """The calling process gets `sig` when its parent dies: nothing outlives
    an interpreter killed with SIGKILL."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except (OSError, AttributeError):
        pass


# Clients (run in their own processes)


def client_main(index, role, address, timeout, phase, results, parent_pid, creds):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        if creds:
            os.setgroups([])
            os.setgid(creds[1])
            os.setuid(creds[0])
        die_with_parent()  # after setuid(), which clears it
        if os.getppid() != parent_pid:
            os._exit(1)
        _, method, signature, args = ROLES[role]
        bus = dbus.bus.BusConnection(address)
        results.put(("ready", index))
        while phase.value == CONNECT:
            time.sleep(0.005)

        for run_phase, report in ((WARMUP, "warm"), (MEASURE, "done")):
            lat = array.array("d")
            errors = {}
            while phase.value < run_phase:
                time.sleep(0.002)
            clock = time.perf_counter
            while phase.value == run_phase:
                t0 = clock()
                try:
                    bus.call_blocking(BUS_NAME, OBJ_PATH, IFACE, method, signature, args, timeout=timeout)
                except dbus.exceptions.DBusException as e:
                    name = e.get_dbus_name() or "(no error name)"
                    errors[name] = errors.get(name, 0) + 1
                lat.append(clock() - t0)
            results.put((report, index, lat.tobytes(), errors))

        while phase.value != EXIT:
            time.sleep(0.01)
        bus.close()
    except Exception:
        results.put(("crash", index, traceback.format_exc()))
        sys.exit(1)


# Setup


class Bench:
    def __init__(self, opts):
        self.opts = opts
        self.tmp = None
        self.procs = []  # (name, Popen), started in this order
        self.kexecd = None
        self.bus = None
        self.clients = []
        self.phase = None
        self.results = None
        self.log_path = None
        self.reload_creds = None
        if opts.reload_user:
            try:
                pw = pwd.getpwnam(opts.reload_user)
            except KeyError:
                raise SetupError("--reload-user: no user '%s'" % opts.reload_user)
            self.reload_creds = (pw.pw_uid, pw.pw_gid)

    def popen(self, name, argv, **kw):
        def child_setup():
            die_with_parent(signal.SIGTERM)
        # Own session: Ctrl-C reaches us (and the clients), and we stop the
        # services in order instead of all at once.
        p = subprocess.Popen(argv, start_new_session=True, preexec_fn=child_setup, stdin=subprocess.DEVNULL, **kw)
        self.procs.append((name, p))
        return p

    def wait_for(self, what, cond, timeout=10, proc=None):
        deadline = time.monotonic() + timeout
        while not cond():
            if proc is not None and proc.poll() is not None:
                raise SetupError("%s exited with status %d while starting%s" % (what, proc.returncode, self.log_tail()))
            if time.monotonic() > deadline:
                raise SetupError("%s did not come up within %d s" % (what, timeout))
            time.sleep(0.05)

    def log_tail(self, lines=10):
        if not self.log_path or not os.path.exists(self.log_path):
            return ""
        with open(self.log_path, errors="replace") as f:
            tail = f.read().splitlines()[-lines:]
        return "\nlast lines of kexecd's log:\n  " + "\n  ".join(tail) if tail else ""

    def connect(self):
        try:
            self.bus = dbus.bus.BusConnection(self.address)
            return True
        except dbus.exceptions.DBusException:
            return False

    def setup(self):
        kexecd = os.path.join(self.opts.build_dir, "src", "daemon", "kexecd")
        if not os.access(kexecd, os.X_OK):
            raise SetupError("%s not found: build first (ninja -C %s) or pass --build-dir" % (kexecd, self.opts.build_dir))
        if shutil.which("dbus-daemon") is None:
            raise SetupError("dbus-daemon is not on PATH")
        self.kexecd_path = kexecd

        self.tmp = tempfile.mkdtemp(prefix="kexecd-bench-load-")
        os.chmod(self.tmp, 0o755)
        socket = os.path.join(self.tmp, "bus")
        conf = os.path.join(self.tmp, "bus.conf")
        with open(conf, "w") as f:
            f.write(BUS_CONF.format(socket=socket, policy=os.path.join(SRC, "data", "dbus", "org.kexecd1.conf")))
        # Its stderr goes to a file: it warns that it cannot raise its fd
        # limit when unprivileged or in a container.
        with open(os.path.join(self.tmp, "dbus-daemon.log"), "ab") as log:
            bus_proc = self.popen("dbus-daemon", ["dbus-daemon", "--nofork", "--config-file=" + conf],
                                  stdout=log, stderr=subprocess.STDOUT)
        self.address = "unix:path=" + socket
        # The socket file appears at bind(), before listen(): wait until a
        # connection succeeds.
        self.wait_for("dbus-daemon", self.connect, proc=bus_proc)
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.address)

        polkit_proc = self.popen("polkitd mock", [PYTHON, "-m", "dbusmock", "--template", "polkitd", "--system"],
                                 env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.wait_for("the polkitd mock", lambda: self.bus.name_has_owner(POLKIT), proc=polkit_proc)
        mock = dbus.Interface(self.bus.get_object(POLKIT, "/org/freedesktop/PolicyKit1/Authority", introspect=False),
                              "org.freedesktop.DBus.Mock")
        mock.SetAllowed(dbus.Array(["org.kexecd1.load", "org.kexecd1.unload"], signature="s"))
        mock.SetDelay(0.0)

        d = os.path.join(self.tmp, "kexecd")
        root, state, etc = (os.path.join(d, x) for x in ("root", "state", "etc"))
        os.makedirs(etc)
        os.chmod(d, 0o755)
        fakekernel.make_root(root)
        kernel = fakekernel.make_bzimage(os.path.join(d, "vmlinuz"))
        os.chmod(kernel, 0o644)
        self.log_path = os.path.join(d, "kexecd.log")
        with open(self.log_path, "ab") as log:
            self.kexecd = self.popen("kexecd", [kexecd, "--fake-root=" + root, "--config-dir=" + etc,
                                                "--state-dir=" + state, "--log-level=debug"],
                                     env=env, stdout=log, stderr=subprocess.STDOUT)
        self.wait_for("kexecd", lambda: self.bus.name_has_owner(BUS_NAME), proc=self.kexecd)
        manager = dbus.Interface(self.bus.get_object(BUS_NAME, OBJ_PATH, introspect=False), IFACE)
        try:
            manager.Load("kexec", kernel, dbus.Array([], signature="s"), "",
                         dbus.Dictionary({}, signature="sv"), timeout=30)
            manager.Reload("kexec", False, timeout=30)
        except dbus.exceptions.DBusException as e:
            raise SetupError("the initial Load/Reload failed: %s: %s%s" % (e.get_dbus_name(), e.get_dbus_message(),
                                                                          self.log_tail()))
        if not fakekernel.fake_loaded(root, "kexec"):
            raise SetupError("Load() returned but the fake kernel has no kexec image loaded")

    def roles(self):
        n = self.opts.clients
        reload_n = self.opts.reload_clients
        if reload_n is None:
            reload_n = max(1, n // 16) if n >= 3 else 0
        history_n = self.opts.history_clients
        if history_n is None:
            history_n = max(1, n // 4) if n >= 2 else 0
        if reload_n + history_n > n:
            raise SetupError("--history-clients + --reload-clients exceed --clients")
        return ["reload"] * reload_n + ["history"] * history_n + ["status"] * (n - reload_n - history_n)

    def start_clients(self, roles):
        ctx = multiprocessing.get_context("spawn")
        self.phase = ctx.RawValue("i", CONNECT)
        self.results = ctx.Queue()
        # Ctrl-C reaches the clients too, but we stop them ourselves. They
        # are born with SIGINT blocked (a mask survives exec, a handler does
        # not) and ignore it before unblocking; our own Ctrl-C stays pending
        # until they have all started.
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for i, role in enumerate(roles):
                p = ctx.Process(target=client_main, name="client-%d" % i,
                                args=(i, role, self.address, self.opts.timeout, self.phase, self.results, os.getpid(),
                                      self.reload_creds if role == "reload" else None))
                p.start()
                self.clients.append((role, p))
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    # Running

    def collect(self, kind, timeout):
        """Waits for one `kind` message per client; returns them by index."""
        got = {}
        deadline = time.monotonic() + timeout
        while len(got) < len(self.clients):
            self.check_alive()
            left = deadline - time.monotonic()
            if left <= 0:
                raise SetupError("%d of %d clients did not report '%s' within %d s"
                                 % (len(self.clients) - len(got), len(self.clients), kind, timeout))
            try:
                msg = self.results.get(timeout=min(left, 0.2))
            except queue.Empty:
                continue
            if msg[0] == "crash":
                raise SetupError("client %d failed:\n%s" % (msg[1], msg[2]))
            if msg[0] != kind:
                raise SetupError("client %d reported '%s', expected '%s'" % (msg[1], msg[0], kind))
            got[msg[1]] = msg
        return got

    def check_alive(self):
        for role, p in self.clients:
            if p.exitcode is not None:
                raise SetupError("client %s (%s) exited with status %s" % (p.name, role, p.exitcode))

    def run_phase(self, phase, seconds):
        """Runs `phase` for `seconds`; returns the time it really ran and
        whether kexecd was still alive throughout."""
        t0 = time.monotonic()
        self.phase.value = phase
        alive = True
        while time.monotonic() - t0 < seconds:
            if self.kexecd.poll() is not None:
                alive = False
                break
            time.sleep(0.1)
        self.phase.value = PAUSE if phase == WARMUP else STOP
        return time.monotonic() - t0, alive

    def resources(self):
        pid = self.kexecd.pid
        try:
            fds = len(os.listdir("/proc/%d/fd" % pid))
            rss = pss = None
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss = int(line.split()[1])
            with open("/proc/%d/smaps_rollup" % pid) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss = int(line.split()[1])
            return {"fds": fds, "rss": rss, "pss": pss}
        except (FileNotFoundError, ProcessLookupError):
            return None

    def stop_clients(self, graceful=True):
        """Lets the clients close their connections and exit; on an aborted
        run (graceful=False) they are terminated right away."""
        if self.phase is not None:
            self.phase.value = EXIT
        deadline = time.monotonic() + (5 if graceful else 0)
        # Drain what they still send (an interrupted run's latencies): a
        # client exits only once its queue is flushed.
        while time.monotonic() < deadline and any(p.exitcode is None for _, p in self.clients):
            try:
                self.results.get(timeout=0.05)
            except (queue.Empty, OSError, ValueError):
                pass
        for _, p in self.clients:
            if p.exitcode is None:
                p.terminate()
        for _, p in self.clients:
            p.join(2)
            if p.exitcode is None:
                p.kill()
                p.join(2)
        self.clients = []
        if self.results is not None:
            self.results.close()
            self.results.cancel_join_thread()
            self.results = None

    def stop_kexecd(self):
        """SIGTERM, as systemd would; returns kexecd's exit status (None if
        it had already gone)."""
        if self.kexecd is None:
            return None
        was_running = self.kexecd.poll() is None
        if was_running:
            self.kexecd.send_signal(signal.SIGTERM)
        try:
            rc = self.kexecd.wait(10)
        except subprocess.TimeoutExpired:
            self.kexecd.kill()
            self.kexecd.wait()
            rc = "hung on SIGTERM (killed)"
        return rc if was_running else None

    def cleanup(self):
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # a second Ctrl-C must not leave debris
        self.stop_clients(graceful=False)
        if self.bus is not None:
            self.bus.close()
            self.bus = None
        for name, p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.procs = []
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None


# Report


def describe_exit(rc):
    if isinstance(rc, str) or rc is None:
        return rc or "still running"
    if rc < 0:
        try:
            return "killed by signal %d (%s)" % (-rc, signal.Signals(-rc).name)
        except ValueError:
            return "killed by signal %d" % -rc
    return "exited with status %d" % rc


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(-(-p * len(sorted_values) // 100)) - 1))
    return sorted_values[k]


def fmt_errors(errors):
    if not errors:
        return "none"
    return ", ".join("%s: %d" % (n, c) for n, c in sorted(errors.items(), key=lambda kv: (-kv[1], kv[0])))


def merge(msgs, roles, index_role):
    per = {r: {"lat": array.array("d"), "errors": {}, "clients": 0} for r in roles}
    for index, msg in msgs.items():
        role = index_role[index]
        d = per[role]
        d["clients"] += 1
        a = array.array("d")
        a.frombytes(msg[2])
        d["lat"].extend(a)
        for name, n in msg[3].items():
            d["errors"][name] = d["errors"].get(name, 0) + n
    return per


def print_table(per, seconds):
    print("%-11s %7s %8s %9s %8s %8s %8s  %s" % ("method", "clients", "calls", "calls/s", "p50 ms", "p99 ms",
                                                 "max ms", "errors"))
    total_calls = 0
    total_errors = {}
    for role in ROLE_ORDER:
        if role not in per:
            continue
        d = per[role]
        lat = sorted(d["lat"])
        total_calls += len(lat)
        for n, c in d["errors"].items():
            total_errors[n] = total_errors.get(n, 0) + c
        print("%-11s %7d %8d %9.1f %8.2f %8.2f %8.2f  %s" % (
            ROLES[role][0], d["clients"], len(lat), len(lat) / seconds,
            percentile(lat, 50) * 1e3, percentile(lat, 99) * 1e3, (lat[-1] if lat else float("nan")) * 1e3,
            fmt_errors(d["errors"])))
    print("%-11s %7d %8d %9.1f %8s %8s %8s  %s" % ("all", sum(d["clients"] for d in per.values()), total_calls,
                                                  total_calls / seconds, "", "", "", fmt_errors(total_errors)))


def print_resources(pid, rows):
    print("\nkexecd (pid %d)%s %5s %10s %10s" % (pid, " " * 22, "fds", "VmRSS kB", "PSS kB"))
    for label, r in rows:
        if r is None:
            print("  %-34s %s" % (label, "(kexecd is gone)"))
        else:
            print("  %-34s %5d %10d %10d" % (label, r["fds"], r["rss"], r["pss"]))


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="clients.py",
        usage="/usr/bin/python3 bench/load/clients.py [OPTIONS]",
        description=HELP_DESCRIPTION,
        epilog=HELP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=64, metavar="N",
                    help="number of concurrent clients, each a process with its own bus connection (default: 64)")
    ap.add_argument("--seconds", type=float, default=30.0, metavar="S",
                    help="length of the measured phase in seconds (default: 30)")
    ap.add_argument("--warmup", type=float, default=3.0, metavar="S",
                    help="length of the warm-up phase in seconds, not counted (default: 3)")
    ap.add_argument("--build-dir", default=os.path.join(SRC, "build"), metavar="DIR",
                    help="meson build directory holding src/daemon/kexecd (default: build/ in the source tree)")
    ap.add_argument("--history-clients", type=int, default=None, metavar="N",
                    help="clients calling GetHistory(50) (default: N/4, at least 1 if N >= 2)")
    ap.add_argument("--reload-clients", type=int, default=None, metavar="N",
                    help="clients calling Reload(\"kexec\", false) (default: N/16, at least 1 if N >= 3)")
    ap.add_argument("--reload-user", metavar="USER",
                    help="run the Reload clients as USER instead of root; kexecd then asks polkit for each "
                         "Reload (it does not for root) and bounds the checks pending per user")
    ap.add_argument("--timeout", type=float, default=30.0, metavar="S",
                    help="per-call D-Bus timeout in seconds; a call that times out counts as "
                         "org.freedesktop.DBus.Error.NoReply (default: 30)")
    opts = ap.parse_args(argv)
    if opts.clients < 1 or opts.seconds <= 0 or opts.warmup < 0 or opts.timeout <= 0:
        ap.error("--clients must be at least 1, --seconds and --timeout positive, --warmup not negative")
    if (opts.history_clients or 0) < 0 or (opts.reload_clients or 0) < 0:
        ap.error("--history-clients and --reload-clients must not be negative")
    opts.build_dir = os.path.abspath(opts.build_dir)
    if os.geteuid() != 0:
        print("clients.py: must run as root (kexecd's bus policy lets only root own org.kexecd1)", file=sys.stderr)
        return 1

    def on_term(signum, frame):
        raise Terminated()
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)

    failures = []
    bench = None
    try:
        bench = Bench(opts)
        roles = bench.roles()
        bench.setup()
        count = {r: roles.count(r) for r in ROLE_ORDER}
        print("kexecd load benchmark, %s, %d cores, %s" % (
            datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"), os.cpu_count(),
            os.path.relpath(bench.kexecd_path)))
        print("%d clients: %d Status(), %d GetHistory(50), %d Reload(\"kexec\", false) as %s; warm-up %g s, measured %g s"
              % (len(roles), count["status"], count["history"], count["reload"], opts.reload_user or "root",
                 opts.warmup, opts.seconds))
        sys.stdout.flush()

        bench.start_clients(roles)
        index_role = {i: r for i, r in enumerate(roles)}
        bench.collect("ready", 120)

        _, alive = bench.run_phase(WARMUP, opts.warmup)
        warm = bench.collect("warm", opts.timeout + 10)
        wper = merge(warm, [r for r in ROLE_ORDER if count[r]], index_role)
        werr = {}
        for d in wper.values():
            for n, c in d["errors"].items():
                werr[n] = werr.get(n, 0) + c
        print("warm-up: %d calls, errors: %s" % (sum(len(d["lat"]) for d in wper.values()), fmt_errors(werr)))
        time.sleep(0.2)
        before = bench.resources()

        if alive:
            seconds, alive = bench.run_phase(MEASURE, opts.seconds)
            done = bench.collect("done", opts.timeout + 10)
            time.sleep(0.2)
            after = bench.resources()
            print("measured: %.2f s\n" % seconds)
            print_table(merge(done, [r for r in ROLE_ORDER if count[r]], index_role), seconds)
        else:
            after = None
        bench.stop_clients()
        time.sleep(0.5)
        gone = bench.resources()
        if bench.kexecd.poll() is not None:
            alive = False

        print_resources(bench.kexecd.pid, [("before (after warm-up, idle)", before),
                                           ("after (clients idle, connected)", after),
                                           ("after (clients gone)", gone)])
        if not alive or before is None:
            failures.append("kexecd died during the run (%s)%s" % (describe_exit(bench.kexecd.poll()), bench.log_tail()))
        else:
            for label, r in (("after the run", after), ("after the clients left", gone)):
                if r is None:
                    continue
                if r["fds"] - before["fds"] > FD_GROWTH_MAX:
                    failures.append("kexecd's open fds grew from %d to %d %s (limit +%d)"
                                    % (before["fds"], r["fds"], label, FD_GROWTH_MAX))
                if r["rss"] > before["rss"] * (1 + RSS_GROWTH_MAX):
                    failures.append("kexecd's VmRSS grew from %d kB to %d kB %s (+%.0f%%, limit +%d%%)"
                                    % (before["rss"], r["rss"], label, 100.0 * (r["rss"] / before["rss"] - 1),
                                       int(RSS_GROWTH_MAX * 100)))
            if after and gone:
                print("growth from before: fds %+d, VmRSS %+.1f%%, PSS %+.1f%% (clients gone: fds %+d, VmRSS %+.1f%%)"
                      % (after["fds"] - before["fds"], 100.0 * (after["rss"] / before["rss"] - 1),
                         100.0 * (after["pss"] / before["pss"] - 1), gone["fds"] - before["fds"],
                         100.0 * (gone["rss"] / before["rss"] - 1)))
            rc = bench.stop_kexecd()
            if rc not in (0, None):
                failures.append("kexecd %s on SIGTERM%s" % (describe_exit(rc), bench.log_tail()))
    except KeyboardInterrupt:
        print("\nclients.py: interrupted, cleaning up", file=sys.stderr)
        return 130
    except Terminated:
        print("\nclients.py: terminated, cleaning up", file=sys.stderr)
        return 143
    except SetupError as e:
        failures.append(str(e))
    finally:
        if bench:
            bench.cleanup()

    for f in failures:
        print("FAIL: " + f, file=sys.stderr)
    if failures:
        return 1
    print("OK: kexecd survived, fds within +%d, VmRSS within +%d%%" % (FD_GROWTH_MAX, int(RSS_GROWTH_MAX * 100)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

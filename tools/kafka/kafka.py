"""A real Apache Kafka broker for tests and by hand: one KRaft node (broker and controller in one JVM)
on 127.0.0.1, run from the official Apache Kafka jars that Maven fetches (tools/kafka/pom.xml).

Python standard library only, no project imports (confluent-kafka is used when installed, to check the
broker answers and to create topics). As a command:

    python tools/kafka/kafka.py fetch                 # jars into the cache (what `make kafka-jars` runs)
    python tools/kafka/kafka.py start [--port 9092] [--sasl] [--workdir DIR]   # detached; prints bootstrap
    python tools/kafka/kafka.py status [--workdir DIR]
    python tools/kafka/kafka.py stop [--workdir DIR]

As a library: ``KafkaBroker(workdir, port=None, sasl=False)`` with start(), stop(), kill(), restart(),
bootstrap, sasl_bootstrap, username, password, create_topic(name, partitions=1).

Jars live outside git in $MINIBROKER_KAFKA_HOME (default ~/.cache/minibroker/kafka/<version>)/lib.
"""

from __future__ import annotations

import argparse
import atexit
import base64
import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
POM = HERE / "pom.xml"
HINT = "run `make kafka-jars`"


class KafkaUnavailable(RuntimeError):
    """Java or the Kafka jars are missing: nothing can be started."""


class KafkaStartError(RuntimeError):
    """The broker did not come up; the message ends with the tail of its log."""


def kafka_version() -> str:
    """The Kafka version the pom asks for (the single place it is written)."""
    m = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", POM.read_text())
    if not m:
        raise RuntimeError(f"{POM}: no <kafka.version> property")
    return m.group(1).strip()


def kafka_home() -> Path:
    env = os.environ.get("MINIBROKER_KAFKA_HOME")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "minibroker" / "kafka" / kafka_version()


def lib_dir() -> Path:
    return kafka_home() / "lib"


def _pom_digest() -> str:
    return hashlib.sha256(POM.read_bytes()).hexdigest()


def jars_ready() -> bool:
    """The cache holds a complete copy made from the current pom.xml."""
    marker = lib_dir() / ".complete"
    return marker.is_file() and marker.read_text().strip() == _pom_digest()


def fetch(quiet: bool = False) -> Path:
    """Fill the jar cache with Maven (`dependency:copy-dependencies`); a no-op when it is already there.
    The copy goes to a temporary directory renamed into place, so a cache is never half filled."""
    lib = lib_dir()
    if jars_ready():
        return lib
    mvn = shutil.which("mvn")
    if mvn is None:
        raise KafkaUnavailable("Maven (mvn) is not installed: install it (apt-get install maven), then " + HINT)
    home = kafka_home()
    home.mkdir(parents=True, exist_ok=True)
    tmp = home / f"lib.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    cmd = [mvn, "-B", "-q", "-f", str(POM), "dependency:copy-dependencies", f"-DoutputDirectory={tmp}"]
    if not quiet:
        print(f"kafka: fetching Apache Kafka {kafka_version()} jars into {lib}", file=sys.stderr)
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0 or not any(tmp.glob("kafka_2.13-*.jar")):
        shutil.rmtree(tmp, ignore_errors=True)
        raise KafkaUnavailable(f"Maven could not fetch the Kafka jars:\n{done.stdout[-4000:]}")
    (tmp / ".complete").write_text(_pom_digest() + "\n")
    if lib.exists():  # stale (older pom) or a concurrent fetch won: keep whichever is complete
        if jars_ready():
            shutil.rmtree(tmp, ignore_errors=True)
            return lib
        old = home / f"lib.old-{os.getpid()}"
        lib.rename(old)
        shutil.rmtree(old, ignore_errors=True)
    try:
        tmp.rename(lib)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not jars_ready():
            raise
    return lib


def check() -> tuple[str, Path]:
    """(java executable, lib dir), or KafkaUnavailable saying what to do."""
    java = shutil.which("java")
    if java is None:
        raise KafkaUnavailable("Java is not installed (apt-get install openjdk-17-jre-headless), then " + HINT)
    if not jars_ready():
        raise KafkaUnavailable(f"the Apache Kafka jars are not in {lib_dir()}: {HINT}")
    return java, lib_dir()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (exited, not yet reaped) is not alive
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def _die_with_parent():  # runs in the child between fork and exec
    import ctypes

    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


LOG4J2 = """\
status = warn
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = {log}
appender.file.filePattern = {log}.%i
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 20MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
"""

JVM_OPTS = ["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true"]


class KafkaBroker:
    """One KRaft node on 127.0.0.1 whose whole state (config, logs, data) lives in ``workdir``.

    A workdir once formatted keeps its ports, cluster id and credentials (``broker.json``): restart()
    and a new KafkaBroker on the same workdir come back on the same addresses with the same data.
    With ``sasl=True`` a second listener speaks SASL_PLAINTEXT with SCRAM-SHA-512 for ``username`` /
    ``password`` (created at format time)."""

    def __init__(self, workdir, port: int | None = None, sasl: bool = False, heap: str = "512m",
                 username: str = "minibroker", password: str | None = None):
        self.workdir = Path(workdir).resolve()
        self.heap = heap
        self.proc: subprocess.Popen | None = None
        self._atexit = False
        self._fixed_port = port is not None
        state = self._load_state()
        if state and port is not None and port != state["port"]:
            raise KafkaStartError(f"the broker in {self.workdir} listens on port {state['port']}, not {port}: "
                                  "leave the port out, or use another workdir")
        if state and sasl and state["sasl_port"] is None:
            raise KafkaStartError(f"the broker in {self.workdir} was made without SASL: use another workdir")
        if state:
            self.port, self.sasl_port, self.controller_port = state["port"], state["sasl_port"], state["controller_port"]
            self.sasl, self.username, self.password = state["sasl_port"] is not None, state["username"], state["password"]
            self.cluster_id = state["cluster_id"]
        else:
            self.port, self.sasl_port, self.controller_port = port, None, None
            self.sasl, self.username = sasl, username
            self.password = password or secrets.token_hex(12)
            self.cluster_id = None

    # ---- addresses and client settings
    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def sasl_bootstrap(self) -> str:
        if not self.sasl:
            raise AttributeError("this broker has no SASL listener: create it with sasl=True")
        return f"127.0.0.1:{self.sasl_port}"

    def client_config(self, sasl: bool = False, **extra) -> dict:
        """confluent-kafka settings for the plaintext listener, or the SASL/SCRAM one."""
        if not sasl:
            return {"bootstrap.servers": self.bootstrap, **extra}
        return {"bootstrap.servers": self.sasl_bootstrap, "security.protocol": "SASL_PLAINTEXT",
                "sasl.mechanisms": "SCRAM-SHA-512", "sasl.username": self.username,
                "sasl.password": self.password, **extra}

    @property
    def log_path(self) -> Path:
        return self.workdir / "logs" / "server.log"

    @property
    def pid(self) -> int | None:
        if self.proc is not None and self.proc.poll() is None:
            return self.proc.pid
        pid = self._pidfile_pid()
        return pid if pid is not None and self._is_ours(pid) else None

    def running(self) -> bool:
        return self.pid is not None

    # ---- state on disk
    def _state_path(self) -> Path:
        return self.workdir / "broker.json"

    def _load_state(self) -> dict | None:
        with contextlib.suppress(FileNotFoundError):
            return json.loads(self._state_path().read_text())
        return None

    def _pidfile_pid(self) -> int | None:
        with contextlib.suppress(FileNotFoundError, ValueError):
            return int((self.workdir / "broker.pid").read_text())
        return None

    def _is_ours(self, pid: int) -> bool:
        """pid is a live JVM running this workdir's server.properties (not a recycled pid)."""
        if not _pid_alive(pid):
            return False
        with contextlib.suppress(OSError):
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            return str(self.workdir / "server.properties").encode() in cmdline
        return False

    def _format(self, java: str, lib: Path):
        """First start on this workdir: ports, config, storage formatted (SCRAM user added here)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._pick_ports()
        self.cluster_id = "-"
        while self.cluster_id.startswith("-"):  # as Kafka's own Uuid: "-..." would read as an option
            self.cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        self._write_config()
        cmd = [java, "-Xmx256m", *JVM_OPTS, *self._log_opts(), "-cp", str(lib / "*"),
               "kafka.tools.StorageTool", "format", "-t", self.cluster_id,
               "-c", str(self.workdir / "server.properties")]
        if self.sasl:
            cmd += ["--add-scram", f"SCRAM-SHA-512=[name={self.username},password={self.password}]"]
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if done.returncode != 0:
            raise KafkaStartError(f"kafka-storage format failed in {self.workdir}:\n{done.stdout[-3000:]}")
        self._save_state()

    def _pick_ports(self):
        """Free loopback ports for the listeners the broker has (a port given by the caller is kept)."""
        used = {self.port} if self._fixed_port else set()
        def pick():
            while (p := free_port()) in used:
                pass
            used.add(p)
            return p
        self.port = self.port if self._fixed_port else pick()
        self.controller_port = pick()
        self.sasl_port = pick() if self.sasl else None

    def _save_state(self):
        self._state_path().write_text(json.dumps({
            "port": self.port, "sasl_port": self.sasl_port, "controller_port": self.controller_port,
            "cluster_id": self.cluster_id, "username": self.username, "password": self.password,
            "version": kafka_version()}, indent=1) + "\n")

    def _write_config(self):
        listeners = [f"PLAINTEXT://127.0.0.1:{self.port}"]
        protocols = ["PLAINTEXT:PLAINTEXT", "CONTROLLER:PLAINTEXT"]
        if self.sasl:
            listeners.append(f"SASL_PLAINTEXT://127.0.0.1:{self.sasl_port}")
            protocols.append("SASL_PLAINTEXT:SASL_PLAINTEXT")
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{self.controller_port}",
            "listeners": ",".join(listeners + [f"CONTROLLER://127.0.0.1:{self.controller_port}"]),
            "advertised.listeners": ",".join(listeners),
            "listener.security.protocol.map": ",".join(protocols),
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "log.dirs": str(self.workdir / "data"),
            "num.partitions": "1",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "4",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "4",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            # after a SIGKILL the new JVM cannot register until the old one's session expires (9 s by
            # default): shorter, so restart() is quick; heartbeats stay well inside it on a busy machine
            "broker.session.timeout.ms": "4000",
            "broker.heartbeat.interval.ms": "500",
            "auto.create.topics.enable": "true",
            "log.segment.bytes": str(64 * 1024 * 1024),
            "log.retention.hours": "-1",
        }
        if self.sasl:
            props["sasl.enabled.mechanisms"] = "SCRAM-SHA-512"
            props["listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config"] = (
                "org.apache.kafka.common.security.scram.ScramLoginModule required;")
        text = "".join(f"{k}={v}\n" for k, v in props.items())
        (self.workdir / "server.properties").write_text(text)
        (self.workdir / "logs").mkdir(exist_ok=True)
        (self.workdir / "log4j2.properties").write_text(LOG4J2.format(log=self.log_path))

    def _log_opts(self) -> list[str]:
        return [f"-Dlog4j2.configurationFile={self.workdir / 'log4j2.properties'}",
                f"-Dkafka.logs.dir={self.workdir / 'logs'}"]

    # ---- life cycle
    def start(self, timeout: float = 120.0, detach: bool = False) -> "KafkaBroker":
        """Format on first use, start the JVM, return once a client lists topics on every listener.
        ``detach``: the JVM outlives this Python process (the CLI); otherwise it dies with it."""
        java, lib = check()
        if self.running():
            return self
        fresh = self.cluster_id is None
        if fresh:
            self._format(java, lib)
        else:
            self._write_config()  # same ports and paths; refreshed in case the code changed
        for attempt in range(3):
            log_at = self._log_sizes()
            self._launch(java, lib, detach)
            try:
                self._wait_ready(timeout, log_at)
                return self
            except KafkaStartError:
                self.kill()
                # a free port picked here can be taken (another process's connection) before the JVM
                # binds it: a fresh broker whose ports were not given simply takes others
                if fresh and not self._fixed_port and attempt < 2 and self._port_clash(log_at):
                    self._pick_ports()
                    self._write_config()
                    self._save_state()
                    continue
                raise
            except BaseException:
                self.kill()
                raise
        raise AssertionError("unreachable")

    def _launch(self, java: str, lib: Path, detach: bool):
        cmd = [java, f"-Xmx{self.heap}", *JVM_OPTS, *self._log_opts(), "-cp", str(lib / "*"),
               "kafka.Kafka", str(self.workdir / "server.properties")]
        out = open(self.workdir / "logs" / "stdout.log", "ab")
        try:
            pdeath = not detach and threading.current_thread() is threading.main_thread()
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                         cwd=self.workdir, start_new_session=True,
                                         preexec_fn=_die_with_parent if pdeath else None)
        finally:
            out.close()
        (self.workdir / "broker.pid").write_text(f"{self.proc.pid}\n")
        if not detach and not self._atexit:
            atexit.register(self.stop)
            self._atexit = True

    def _logs(self) -> list[Path]:
        return [self.log_path, self.workdir / "logs" / "stdout.log"]

    def _log_sizes(self) -> list[int]:
        return [p.stat().st_size if p.exists() else 0 for p in self._logs()]

    def _new_log_text(self, since: list[int]) -> str:
        text = []
        for path, offset in zip(self._logs(), since):
            with contextlib.suppress(OSError), open(path, "rb") as f:
                f.seek(offset)
                text.append(f.read().decode(errors="replace"))
        return "\n".join(text)

    def _port_clash(self, since: list[int]) -> bool:
        return "Address already in use" in self._new_log_text(since)

    def _cause(self, since: list[int]) -> str:
        """': ' + the first ERROR of this attempt and its root cause, from the server log."""
        lines = self._new_log_text(since).splitlines()
        error = next((ln for ln in lines if "] ERROR " in ln), None)
        root = [ln.strip() for ln in lines if ln.startswith("Caused by:")]
        found = [x for x in (error, root[-1] if root else None) if x]
        return (": " + " / ".join(found)) if found else ""

    def _wait_ready(self, timeout: float, since: list[int]):
        deadline = time.monotonic() + timeout
        ports = [self.port] + ([self.sasl_port] if self.sasl else [])
        while True:
            if self.proc.poll() is not None:
                raise KafkaStartError(f"the Kafka JVM exited with code {self.proc.returncode} before it was "
                                      f"ready{self._cause(since)}\n{self.log_tail()}")
            if all(_port_open(p) for p in ports) and self._answers():
                return
            if time.monotonic() > deadline:
                raise KafkaStartError(f"Kafka did not answer on {self.bootstrap} within {timeout:.0f} s\n"
                                      f"{self.log_tail()}")
            time.sleep(0.2)

    def _answers(self) -> bool:
        """A real client lists the topics on each listener (or, without confluent-kafka, the log says
        the server started)."""
        try:
            from confluent_kafka.admin import AdminClient
        except ImportError:
            return self.log_path.exists() and "Kafka Server started" in self.log_path.read_text(errors="replace")
        for sasl in ([False, True] if self.sasl else [False]):
            try:
                meta = AdminClient(self.client_config(sasl, **{"log_level": 0})).list_topics(timeout=2)
            except Exception:
                return False
            # after a restart every existing partition (the group offsets' too) must have its leader back
            if any(t.error is not None or any(p.leader < 0 for p in t.partitions.values())
                   for t in meta.topics.values()):
                return False
        return True

    def log_tail(self, lines: int = 40) -> str:
        parts = []
        for path in self._logs():
            with contextlib.suppress(OSError):
                tail = path.read_text(errors="replace").splitlines()[-lines:]
                if tail:
                    parts.append(f"--- last lines of {path}:\n" + "\n".join(tail))
        return "\n".join(parts) or f"(no log in {self.workdir / 'logs'})"

    def _signal(self, sig: int, pid: int):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, sig)  # its own session: the group is this JVM alone
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)

    def _wait_gone(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc is not None and self.proc.pid == pid:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=0.1)
            if not _pid_alive(pid):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)

    def stop(self, timeout: float = 30.0):
        """Clean shutdown (SIGTERM), SIGKILL if it is not gone within ``timeout``."""
        pid = self.pid
        if pid is None:
            return
        self._signal(signal.SIGTERM, pid)
        if not self._wait_gone(pid, timeout):
            self._signal(signal.SIGKILL, pid)
            self._wait_gone(pid, 10)
        self.proc = None

    def kill(self):
        """SIGKILL, as a crash would: no clean shutdown. The data stays for restart()."""
        pid = self.pid
        if pid is None:
            return
        self._signal(signal.SIGKILL, pid)
        self._wait_gone(pid, 10)
        self.proc = None

    def restart(self, timeout: float = 120.0) -> "KafkaBroker":
        """Start again on the same workdir, ports and data (stopping cleanly first if it runs)."""
        self.stop()
        return self.start(timeout=timeout)

    # ---- topics
    def create_topic(self, name: str, partitions: int = 1, timeout: float = 30.0) -> str:
        from confluent_kafka.admin import AdminClient, NewTopic

        admin = AdminClient(self.client_config())
        future = admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)],
                                     operation_timeout=timeout)[name]
        future.result(timeout=timeout)
        deadline = time.monotonic() + timeout
        while True:  # wait until every partition has a leader, so a producer does not race it
            topic = admin.list_topics(topic=name, timeout=timeout).topics.get(name)
            if topic and topic.error is None and len(topic.partitions) == partitions and all(
                    p.leader >= 0 for p in topic.partitions.values()):
                return name
            if time.monotonic() > deadline:
                raise TimeoutError(f"topic {name} has no leader after {timeout:.0f} s")
            time.sleep(0.1)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _default_workdir() -> Path:
    return kafka_home() / "broker"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="kafka.py", description="A single-node Apache Kafka (KRaft) broker on 127.0.0.1 for MiniBroker's "
        "tests and for `make stream SOURCE=kafka://...` by hand.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("fetch", help="fetch the Kafka jars with Maven into the cache (no-op when there)")
    for name, text in (("start", "start a broker in the background and print its addresses"),
                       ("stop", "stop the broker of WORKDIR (SIGTERM, then SIGKILL)"),
                       ("status", "say whether the broker of WORKDIR runs, and where")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--workdir", type=Path, default=None,
                       help=f"the broker's config, logs and data (default {_default_workdir()})")
        if name == "start":
            p.add_argument("--port", type=int, default=None, help="plaintext port (default: a free one)")
            p.add_argument("--sasl", action="store_true", help="also a SASL_PLAINTEXT SCRAM-SHA-512 listener")
            p.add_argument("--timeout", type=float, default=120, help="seconds to wait for it (default 120)")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "fetch":
            print(fetch())
            return 0
        broker = KafkaBroker(args.workdir or _default_workdir(), **(
            {"port": args.port, "sasl": args.sasl} if args.cmd == "start" else {}))
        if args.cmd == "start":
            was = broker.running()
            t0 = time.monotonic()
            broker.start(timeout=args.timeout, detach=True)
            print(f"kafka: {'already running' if was else f'started in {time.monotonic() - t0:.1f} s'}, "
                  f"pid {broker.pid}, workdir {broker.workdir}")
        elif args.cmd == "stop":
            if not broker.running():
                print(f"kafka: no broker runs in {broker.workdir}")
                return 0
            broker.stop()
            print("kafka: stopped")
            return 0
        elif not broker.running():
            print(f"kafka: no broker runs in {broker.workdir}")
            return 1
        print(f"bootstrap={broker.bootstrap}")
        if broker.sasl:
            print(f"sasl_bootstrap={broker.sasl_bootstrap} mechanism=SCRAM-SHA-512 "
                  f"username={broker.username} password={broker.password}")
        return 0
    except (KafkaUnavailable, KafkaStartError) as e:
        print(f"kafka.py {args.cmd}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

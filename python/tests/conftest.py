import socket

import pytest

import eryx
import net_servers
from net_support import LOUD_SKIPS, fetch_test_wheels_module, loud_skip


@pytest.fixture
def sandbox():
    return eryx.Sandbox()


# ---------------------------------------------------------------------------------------------
# Networking: the loopback servers of net_servers.py, the test CA, and the pinned wheels.
# Session-wide and created on first use; each server also stops by itself (net_servers.py).
# ---------------------------------------------------------------------------------------------

def pytest_terminal_summary(terminalreporter):
    if LOUD_SKIPS:
        terminalreporter.section("skipped for missing prerequisites", sep="=", red=True, bold=True)
        for reason in sorted(set(LOUD_SKIPS)):
            terminalreporter.line(f"{LOUD_SKIPS.count(reason)} x {reason}", red=True)


@pytest.fixture(scope="session")
def pki():
    try:
        import trustme  # noqa: F401
    except ImportError:
        loud_skip("trustme is not installed in the test venv (make python installs it)")
    return net_servers.TestPki()


@pytest.fixture(scope="session")
def test_wheels():
    """{project: path} of the pinned wheels (scripts/fetch-test-wheels.py), verified by sha256."""
    fetch = fetch_test_wheels_module()
    try:
        return fetch.ensure_wheels()
    except fetch.WheelError as e:
        loud_skip(f"the pinned test wheels could not be fetched ({e}); run `make test-wheels` online once")


@pytest.fixture(scope="session")
def http_server():
    with net_servers.HttpServer() as s:
        yield s


@pytest.fixture(scope="session")
def https_server(pki):
    with net_servers.HttpsServer(pki.server_cert) as s:
        yield s


def _ipv6_loopback_works():
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def http_server_v6():
    if not _ipv6_loopback_works():
        loud_skip("this machine cannot bind ::1 (no IPv6 loopback)")
    with net_servers.HttpServer(host="::1") as s:
        yield s


@pytest.fixture(scope="session")
def stall_server():
    with net_servers.StallServer(hold_s=60) as s:
        yield s


@pytest.fixture(scope="session")
def tls_info_server(pki):
    with net_servers.TlsInfoServer(pki.server_cert) as s:
        yield s


@pytest.fixture(scope="session")
def wrong_name_server(pki):
    with net_servers.HttpsServer(pki.wrong_name_cert) as s:
        yield s


@pytest.fixture(scope="session")
def self_signed_server(pki):
    with net_servers.HttpsServer(pki.self_signed_cert) as s:
        yield s


@pytest.fixture
def unreached_listener():
    """A listener on 127.0.0.2 that a test's NetConfig blocks: it must count no connection."""
    with net_servers.Listener(host="127.0.0.2") as s:
        yield s

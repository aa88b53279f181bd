"""eryx.NetConfig: pyeryx's keywords, defaults and builders; invalid values refused where given."""

import pytest

import eryx


def test_defaults_match_pyeryx():
    config = eryx.NetConfig()
    assert config.max_connections == 10
    assert config.connect_timeout_ms == 30000
    assert config.io_timeout_ms == 60000
    assert config.allow_all_hosts is None
    assert config.allowed_hosts == []
    assert "localhost" in config.blocked_hosts
    assert "169.254.0.0/16" in config.blocked_networks
    assert "fc00::/7" in config.blocked_networks
    assert config.allowed_networks == []


def test_keywords_set_fields():
    config = eryx.NetConfig(max_connections=3, connect_timeout_ms=1000, io_timeout_ms=2000,
                            allowed_hosts=["api.example.com"], blocked_hosts=[],
                            blocked_networks=["10.0.0.0/8"], allowed_networks=["10.1.0.0/16"],
                            internal_hosts=["db.internal.example"])
    assert (config.max_connections, config.connect_timeout_ms, config.io_timeout_ms) == (3, 1000, 2000)
    assert config.allowed_hosts == ["api.example.com"]
    assert config.blocked_networks == ["10.0.0.0/8"]
    assert config.internal_hosts == ["db.internal.example"]


def test_builders_chain_and_return_the_same_config():
    config = eryx.NetConfig()
    assert config.allow_host("*.example.com").block_host("bad.example.com") is config
    assert config.allowed_hosts == ["*.example.com"]
    assert "bad.example.com" in config.blocked_hosts


def test_allow_localhost_opens_loopback_only():
    config = eryx.NetConfig().allow_localhost()
    assert "localhost" not in config.blocked_hosts
    assert "127.0.0.0/8" in config.allowed_networks
    assert "::1/128" in config.allowed_networks


@pytest.mark.parametrize("bad", ["10.0.0.0/33", "300.1.2.3/8", "not a cidr", "10.0.0.1/8"])
def test_an_invalid_cidr_is_a_value_error(bad):
    with pytest.raises(ValueError):
        eryx.NetConfig(blocked_networks=[bad])
    with pytest.raises(ValueError):
        eryx.NetConfig().allow_network(bad)


@pytest.mark.parametrize("bad", ["", "exa mple.com", "a..b", "*example.com", "ex\x00ample.com"])
def test_an_invalid_host_pattern_is_a_value_error(bad):
    with pytest.raises(ValueError):
        eryx.NetConfig(allowed_hosts=[bad])
    with pytest.raises(ValueError):
        eryx.NetConfig().allow_host(bad)


def test_a_failed_builder_leaves_the_config_usable():
    config = eryx.NetConfig()
    with pytest.raises(ValueError):
        config.allowed_hosts = ["bad pattern"]
    assert config.allowed_hosts == []
    eryx.Sandbox(network=config)


def test_with_root_cert_refuses_what_is_not_a_certificate():
    with pytest.raises(ValueError):
        eryx.NetConfig().with_root_cert(b"not a certificate")
    with pytest.raises(TypeError):
        eryx.NetConfig().with_root_cert(42)


@pytest.mark.parametrize("field", ["max_connections", "connect_timeout_ms", "io_timeout_ms"])
def test_limits_must_be_positive_ints(field):
    with pytest.raises(ValueError):
        eryx.NetConfig(**{field: 0})
    with pytest.raises(ValueError):
        eryx.NetConfig(**{field: -1})
    with pytest.raises(TypeError):
        eryx.NetConfig(**{field: "10"})


def test_network_is_accepted_everywhere_a_sandbox_is_made():
    config = eryx.NetConfig()
    eryx.Sandbox(network=config)
    session = eryx.Session(network=config)
    eryx.Session.from_snapshot(session.snapshot(), network=config)
    eryx.SandboxFactory().create_sandbox(network=config)


def test_permissive_blocks_nothing():
    config = eryx.NetConfig.permissive()
    assert config.blocked_hosts == []
    assert config.blocked_networks == []

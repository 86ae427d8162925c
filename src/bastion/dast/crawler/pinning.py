"""Connections that go only where a :class:`~bastion.dast.policy.ConnectPolicy` says.

The check sits in the network backend, below httpx and httpcore: whatever URL a request
names (the target, a redirect, an absolute link), the TCP connection opens to an address
the policy checked, while TLS SNI and the Host header keep the host name (httpcore takes
both from the URL, not from the socket).
"""

from __future__ import annotations

from collections.abc import Iterable

import anyio.to_thread
import httpcore
import httpx
from httpcore import SOCKET_OPTION, AsyncNetworkBackend, AsyncNetworkStream

from bastion.dast.policy import ConnectPolicy, PolicyError


class ConnectionRefusedByPolicy(httpcore.ConnectError):
    """The policy refused the host. A ConnectError, so httpx reports it as one (a failed
    request, never a crash); the client recognises it and does not retry it."""


class PinnedNetworkBackend(AsyncNetworkBackend):
    """Opens TCP connections to the policy's addresses for the requested host, trying
    them in order (a name may have an IPv6 and an IPv4 address, the server only one)."""

    def __init__(self, policy: ConnectPolicy, inner: AsyncNetworkBackend | None = None) -> None:
        self._policy = policy
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SOCKET_OPTION] | None = None,
    ) -> AsyncNetworkStream:
        try:
            # In a thread: resolving a new host blocks on DNS.
            addresses = await anyio.to_thread.run_sync(self._policy.addresses, host)
        except PolicyError as exc:
            raise ConnectionRefusedByPolicy(f"refused by the target policy: {exc}") from exc
        options = list(socket_options or ())
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None  # a pinned host has at least one address
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SOCKET_OPTION] | None = None,
    ) -> AsyncNetworkStream:
        raise ConnectionRefusedByPolicy("refused by the target policy: no Unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, with its connections opened by ``backend``.

    AsyncHTTPTransport accepts no network backend. Writing an AsyncBaseTransport from
    scratch would copy httpx's request/response conversion and its (private) mapping of
    httpcore errors to httpx ones; replacing the one pool it builds keeps all of that. The
    pool is built with the same settings httpx would use, plus the backend; the
    constructor checks the attribute still exists, so an httpx upgrade that renames it
    fails the first scan's set-up loudly instead of silently connecting anywhere.
    """

    def __init__(
        self, backend: AsyncNetworkBackend, *, limits: httpx.Limits, verify: bool = False
    ) -> None:
        super().__init__(verify=verify, trust_env=False, limits=limits)
        if not isinstance(getattr(self, "_pool", None), httpcore.AsyncConnectionPool):
            raise RuntimeError("httpx.AsyncHTTPTransport no longer keeps its pool in _pool")
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


def refused_by_policy(exc: BaseException) -> bool:
    """Whether an httpx error is a policy refusal (httpx keeps httpcore's as the cause)."""
    return isinstance(exc.__cause__, ConnectionRefusedByPolicy)

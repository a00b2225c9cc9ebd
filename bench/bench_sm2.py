"""SM2 sign and verify per second through yiwang.kernel.sm2 (Tongsuo via tongsuopy) against
`openssl speed -seconds 3 sm2` (the system's OpenSSL 3, C only) in the same run; gmssl-pyx,
if installed, is measured the same way for comparison. Then the key store's sign (database
row, cached unwrap) against a bare in-memory key."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable

import harness  # first: it sets up Django, so yiwang can be imported after it
from django.db import transaction

from yiwang.kernel import keystore, services, sm2
from yiwang.kernel.models import SigningKey

SECONDS = 3
MESSAGE = b"1.2.156.3005.2.11100000000013338W.00000000000000000001.001.K" * 4  # ~240 bytes
_SPEED_LINE = re.compile(r"SM2 \(CurveSM2\)\s+\S+s\s+\S+s\s+([\d.]+)\s+([\d.]+)")


def _openssl_speed(openssl: str) -> tuple[float, float]:
    """sign/s and verify/s of `openssl speed -seconds 3 sm2`."""
    output = subprocess.run(  # noqa: S603  (our own command line)
        [openssl, "speed", "-seconds", str(SECONDS), "sm2"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = _SPEED_LINE.search(output)
    if match is None:
        raise RuntimeError(f"no SM2 line in openssl speed's output:\n{output}")
    return float(match.group(1)), float(match.group(2))


def _rate(op: Callable[[], object], seconds: float = SECONDS) -> float:
    """Operations per second of user CPU time, run for ``seconds`` of wall time: how
    `openssl speed` counts (it divides by its user time unless given -elapsed), so that other
    work on the shared machine weighs on neither side."""
    count = 0
    user_start = os.times().user
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for _ in range(20):
            op()
        count += 20
    return count / max(os.times().user - user_start, 1e-9)


def _line(name: str, ours: list[float], base: list[float]) -> float:
    ours_median, base_median = statistics.median(ours), statistics.median(base)
    ratio = ours_median / base_median
    print(
        f"{name}: ratio {ratio:.2f} (ours {ours_median:.0f}/s, baseline {base_median:.0f}/s)",
        flush=True,
    )
    return ratio


def against_openssl() -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("the openssl command is needed for this benchmark")
    private = sm2.PrivateKey.generate()
    public = private.public_key
    signature = private.sign(MESSAGE)

    sides: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
        "ours": (lambda: private.sign(MESSAGE), lambda: public.verify(signature, MESSAGE))
    }
    try:
        import gmssl_pyx  # optional: only for the comparison of the two libraries

        g_public, g_private = gmssl_pyx.sm2_key_generate()
        g_signature = gmssl_pyx.sm2_sign(g_private, g_public, MESSAGE)
        sides["gmssl_pyx"] = (
            lambda: gmssl_pyx.sm2_sign(g_private, g_public, MESSAGE),
            lambda: gmssl_pyx.sm2_verify(g_public, MESSAGE, g_signature),
        )
    except ImportError:
        harness.log("bench: gmssl-pyx not installed, compared with openssl only")

    rounds = harness.counted_rounds(3)
    rates: dict[str, list[float]] = {f"{side}_{op}": [] for side in sides for op in ("s", "v")}
    rates |= {"openssl_s": [], "openssl_v": []}
    for i in range(rounds):
        # Alternate who goes first, so the machine's drift weighs on both alike.
        order = ["openssl", *sides] if i % 2 == 0 else [*sides, "openssl"]
        for side in order:
            if side == "openssl":
                sign_rate, verify_rate = _openssl_speed(openssl)
            else:
                sign_rate, verify_rate = _rate(sides[side][0]), _rate(sides[side][1])
            rates[f"{side}_s"].append(sign_rate)
            rates[f"{side}_v"].append(verify_rate)
        harness.log(f"bench: sm2 round {i + 1}/{rounds}: " + ", ".join(
            f"{name} {values[-1]:.0f}/s" for name, values in rates.items()
        ))  # fmt: skip

    _line("sm2_sign", rates["ours_s"], rates["openssl_s"])
    _line("sm2_verify", rates["ours_v"], rates["openssl_v"])
    if "gmssl_pyx" in sides:
        _line("sm2_sign_gmssl_pyx", rates["gmssl_pyx_s"], rates["openssl_s"])
        _line("sm2_verify_gmssl_pyx", rates["gmssl_pyx_v"], rates["openssl_v"])
        # The two libraries interoperate: each verifies the other's signature.
        if not gmssl_pyx.sm2_verify(public.point[1:], MESSAGE, private.sign(MESSAGE)):
            raise RuntimeError("gmssl-pyx does not verify our signature")
        if not sm2.PublicKey.from_point(g_public).verify(g_signature, MESSAGE):
            raise RuntimeError("we do not verify gmssl-pyx's signature")
    # Check the outcome: both sides made signatures that verify, also across libraries.
    if not public.verify(private.sign(MESSAGE), MESSAGE):
        raise RuntimeError("our signature does not verify")


def key_store() -> None:
    with transaction.atomic():
        key = services.create_signing_key(actor="bench", owner_type="seal", owner_id="B-1")
    store = keystore.key_store()
    bare = sm2.PrivateKey.generate()

    def ours() -> None:  # what a module does: read its key's row, sign through the store
        store.sign(SigningKey.objects.get(pk=key.pk), MESSAGE)

    harness.compare("sm2_store_sign", ours, lambda: bare.sign(MESSAGE), ops_per_round=200, rounds=5)
    if not keystore.public_key_of(key).verify(store.sign(key, MESSAGE), MESSAGE):
        raise RuntimeError("the store's signature does not verify")


if __name__ == "__main__":
    against_openssl()
    with harness.test_database():
        key_store()

"""Faults as `Reply` fields: `faulty` cuts a rendered plan at the k-th token event and adds what
the protocol renders for the fault (an error event, a malformed event); `app.py` carries out the
rest (resets, stalls).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass
from .protocol import Protocol
from .script import Fault, Plan, Reply


def faulty(plan: Plan, reply: Reply, protocol: Protocol[Any]) -> Plan:
    """`plan` with the reply's faults: cut at the k-th token event, and what follows."""
    fault: Fault | None = None
    cut = reply.truncate_after
    if reply.reset_after is not None:
        fault, cut = "reset", reply.reset_after
    elif reply.stall_after is not None:
        fault, cut = "stall", reply.stall_after
    if fault is not None and (cut == 0 or not plan.streaming):
        plan.early, plan.pieces = fault, ()
        return plan
    if not plan.streaming:
        return plan
    pieces = list(plan.pieces)
    if reply.malformed_after is not None:
        at = min(reply.malformed_after, plan.token_pieces)
        bad = protocol.malformed_event()
        if at < len(pieces):
            pieces[at] = bad + pieces[at]  # rides with the next piece: counts stay the same
        else:
            pieces.append(bad)
    if reply.error_after is not None:
        cut = reply.error_after
    if cut is not None:
        plan.token_pieces = min(cut, plan.token_pieces)
        pieces = pieces[: plan.token_pieces]
    if reply.error_after is not None:
        pieces.append(protocol.stream_error(reply.error_message))
    plan.pieces, plan.ending = pieces, fault
    return plan

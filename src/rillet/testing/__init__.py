"""Test helpers shipped with rillet: a fake OpenAI-compatible server with scripted replies.

``FakeServer`` needs the ``server`` extra (uvicorn): ``pip install 'rillet[server]'``.
"""

from rillet.testing._server import SONG_TOKENS, FakeServer, RecordedRequest, Reply, ToolCallReply

__all__ = ["SONG_TOKENS", "FakeServer", "RecordedRequest", "Reply", "ToolCallReply"]

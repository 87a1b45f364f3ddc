"""Download buttons that hand out customer data and write an audit line when they do."""

from __future__ import annotations

import streamlit as st

from core.auth.audit import record_export
from ui.state import current_user, workspace_root

LOCAL_USER = "local"  # who exports in single-user local mode (no sign-in configured)


def audited_download(label: str, data: bytes, file_name: str, mime: str, *, run_id: str, rows: int,
                     ids_hashed: bool, key: str, primary: bool = False) -> None:
    """``st.download_button`` whose file is produced on the click, after the audit line is on disk.

    The data goes through Streamlit's deferred download (a callable), which runs when the browser
    asks for the file, so no file leaves the server without its line in ``<workspace>/audit.jsonl``
    (the whole workspace's, one log for every analyst); the page does not rerun.
    """
    user, root = current_user() or LOCAL_USER, workspace_root()

    def hand_out() -> bytes:
        record_export(root, user=user, run_id=run_id, file_name=file_name, rows=rows, ids_hashed=ids_hashed)
        return data

    st.download_button(label, hand_out, file_name, mime, key=key, on_click="ignore", icon=":material/download:",
                       type="primary" if primary else "secondary")
